"""/notifications (R4, R5), a hazard's deliveries (H8) and the group robots of org units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import Ctx, StreetAdmin, Writer
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import HazardId, OrgUnitId, path_id
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.notifications import (
    NotificationChannel,
    NotificationPage,
    NotificationRead,
    NotificationStatus,
    RobotChannel,
    RobotList,
    RobotRead,
    RobotWrite,
)
from app.channels.netguard import TargetPolicy
from app.channels.redact import redact_url
from app.domain.enums import Role
from app.domain.errors import Forbidden
from app.services import hazards as hazards_service
from app.services import notifications as service
from app.services import robots as robots_service

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], route_class=TransactionalRoute)
hazard_router = APIRouter(prefix="/api/v1/hazards", tags=["hazards"], route_class=TransactionalRoute)
robot_router = APIRouter(prefix="/api/v1/org-units", tags=["organisation"], route_class=TransactionalRoute)

NotificationId = path_id("notification", ex.NOTIFICATION_ID)
ChannelPath = Annotated[RobotChannel, Path(description="`wecom` or `dingtalk`.", examples=["dingtalk"])]


@router.get(
    "",
    response_model=NotificationPage,
    summary="List my notifications",
    description=(
        "The caller's own notifications (R5), newest first, keyset paginated: in-app ones and the deliveries "
        "addressed to the caller. `read=false` lists the unread ones."
    ),
    responses={**answer("A page of the caller's notifications, newest first."), **problem_responses(401, 422)},
)
async def list_notifications(
    ctx: Ctx,
    read: Annotated[bool | None, Query(description="`false`: only unread ones; `true`: only read ones.",
                                       examples=[False])] = None,
    channel: Annotated[NotificationChannel | None, Query(description="Only those on this channel.",
                                                         examples=["in_app"])] = None,
    status: Annotated[NotificationStatus | None, Query(description="Only those in this delivery status.",
                                                       examples=["sent"])] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> NotificationPage:
    rows = await service.page(ctx, read=read, channel=channel, status=status, before=decode_id_cursor(cursor),
                              limit=limit)
    return NotificationPage(items=[NotificationRead.of(n) for n in rows], next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/{notification_id}",
    response_model=NotificationRead,
    summary="Get a notification",
    description=(
        "One of the caller's own notifications, or a delivery to someone outside the service (a principal's text "
        "message, a group robot's message) whose cause the caller can see (A1); any other id answers 404."
    ),
    responses={**answer("The notification with its delivery status."), **problem_responses(401, 404, 422)},
)
async def get_notification(ctx: Ctx, notification_id: NotificationId) -> NotificationRead:
    return NotificationRead.of(await service.get(ctx, notification_id))


@router.post(
    "/{notification_id}/read",
    response_model=NotificationRead,
    summary="Mark a notification read",
    description="Its recipient marks it read; marking it again keeps the first time. Others get 403 or 404.",
    responses={**answer("The notification, read."), **problem_responses(401, 403, 404, 422)},
    dependencies=[Idempotent],
)
async def mark_read(ctx: Ctx, notification_id: NotificationId) -> NotificationRead:
    return NotificationRead.of(await service.mark_read(ctx, notification_id))


@router.post(
    "/{notification_id}/resend",
    response_model=NotificationRead,
    summary="Send a notification again",
    description=(
        "A delivery on an outbound channel (sms, email, wecom, dingtalk) that has ended (sent, failed or "
        "cancelled) goes out again from its first attempt; it is `pending` until the worker sends it. In-app "
        "notifications are not sent (422); one still pending answers 409."
    ),
    responses={**answer("The notification, pending again."), **problem_responses(401, 403, 404, 409, 422)},
    dependencies=[Idempotent],
)
async def resend(ctx: Ctx, _: Writer, notification_id: NotificationId) -> NotificationRead:
    return NotificationRead.of(await service.resend(ctx, notification_id))


@hazard_router.get(
    "/{hazard_id}/notifications",
    response_model=NotificationPage,
    summary="List a hazard's notifications",
    description=(
        "R4 (H8): the deliveries a hazard caused, with their status — for a major hazard, the text messages to "
        "its enterprise's principal and actual controller — as far as the caller may see them, oldest first."
    ),
    responses={**answer("The hazard's notifications, oldest first."), **problem_responses(401, 404, 422)},
)
async def hazard_notifications(ctx: Ctx, hazard_id: HazardId) -> NotificationPage:
    hazard = await hazards_service.load(ctx, hazard_id)
    rows = await service.of_subject(ctx, hazards_service.RESOURCE, hazard.id)
    return NotificationPage(items=[NotificationRead.of(n) for n in rows], next_cursor=None)


def _policy(request: Request) -> TargetPolicy:
    return TargetPolicy(request.app.state.settings.webhook_allowed_private_hosts)


def _robot(r) -> RobotRead:  # type: ignore[no-untyped-def]
    return RobotRead(org_unit_id=r.org_unit_id, channel=r.channel, url=redact_url(r.url), signed=bool(r.secret),
                     updated_at=r.updated_at)


@robot_router.get(
    "/{org_unit_id}/robots",
    response_model=RobotList,
    summary="List an org unit's group robots",
    description=(
        "The WeCom / DingTalk group robots that get the org unit's messages: for street_admin and the unit's own "
        "officers (others 403)."
    ),
    responses={**answer("The robots, their URLs without credentials."), **problem_responses(401, 403, 404, 422)},
)
async def list_robots(ctx: Ctx, org_unit_id: OrgUnitId) -> RobotList:
    if ctx.principal.role is not Role.street_admin and ctx.principal.org_unit_id != org_unit_id:
        raise Forbidden("the street office's admin and the unit's own officers see its robots")
    return RobotList(items=[_robot(r) for r in await robots_service.list_for(ctx, org_unit_id)])


@robot_router.put(
    "/{org_unit_id}/robots/{channel}",
    response_model=RobotRead,
    summary="Set an org unit's group robot",
    description=(
        "The org unit's WeCom or DingTalk group-robot webhook URL (street_admin). The URL must be http(s), at "
        "most 2,000 characters, and not point at a loopback, link-local or private address unless its host is "
        "listed in ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS (422 naming `url`)."
    ),
    responses={**answer("The robot as set."), **problem_responses(401, 403, 404, 422)},
)
async def put_robot(request: Request, ctx: Ctx, _: StreetAdmin, org_unit_id: OrgUnitId, channel: ChannelPath,
                    body: RobotWrite) -> RobotRead:
    robot = await robots_service.put(ctx, _policy(request), org_unit_id, channel.value, url=body.url,
                                     secret=body.secret)
    return _robot(robot)


@robot_router.delete(
    "/{org_unit_id}/robots/{channel}",
    status_code=204,
    summary="Remove an org unit's group robot",
    description="Its messages on that channel are skipped from now on (street_admin).",
    responses={204: {"description": "Removed."}, **problem_responses(401, 403, 404, 422)},
)
async def delete_robot(ctx: Ctx, _: StreetAdmin, org_unit_id: OrgUnitId, channel: ChannelPath) -> Response:
    await robots_service.remove(ctx, org_unit_id, channel.value)
    return Response(status_code=204)
