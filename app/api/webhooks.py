"""/webhook-subscriptions (R6): district systems subscribe a URL to feed event types."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import Ctx
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import path_id
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.notifications import (
    DeliveryStatus,
    WebhookDeliveryPage,
    WebhookDeliveryRead,
    WebhookSubscriptionCreate,
    WebhookSubscriptionCreated,
    WebhookSubscriptionPage,
    WebhookSubscriptionPatch,
    WebhookSubscriptionRead,
)
from app.channels.webhooks import WebhookSender
from app.services import webhooks as service

router = APIRouter(prefix="/api/v1/webhook-subscriptions", tags=["webhooks"], route_class=TransactionalRoute)

SubscriptionId = path_id("webhook subscription", ex.WEBHOOK_SUBSCRIPTION_ID)
DeliveryId = path_id("webhook delivery", ex.WEBHOOK_DELIVERY_ID)


def _sender(request: Request) -> WebhookSender:
    return WebhookSender.from_settings(request.app.state.settings)


@router.post(
    "",
    response_model=WebhookSubscriptionCreated,
    status_code=201,
    summary="Subscribe a URL to feed events",
    description=(
        "Every later feed event of the given types that the caller can see (A1) is POSTed to `url`, signed per "
        "Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), at least once and in feed "
        "order, with the resource as it is then. The secret is in this answer only. A URL that is not http(s), "
        "is over 2,000 characters or points at a private address → 422 naming `url`; an unknown event type → "
        "422 naming `event_types`."
    ),
    responses={**answer("The subscription and its secret (shown once).", status=201, location=True),
               **problem_responses(401, 422)},
    dependencies=[Idempotent],
)
async def create_subscription(request: Request, ctx: Ctx, body: WebhookSubscriptionCreate,
                              response: Response) -> WebhookSubscriptionCreated:
    sub, secret = await service.create(ctx, _sender(request), url=body.url, event_types=body.event_types,
                                       description=body.description)
    response.headers["Location"] = f"/api/v1/webhook-subscriptions/{sub.id}"
    return WebhookSubscriptionCreated.model_validate({**WebhookSubscriptionRead.model_validate(sub).model_dump(),
                                                      "secret": secret})


@router.get(
    "",
    response_model=WebhookSubscriptionPage,
    summary="List webhook subscriptions",
    description="The caller's subscriptions (street_admin: all), oldest first, keyset paginated.",
    responses={**answer("A page of subscriptions."), **problem_responses(401, 422)},
)
async def list_subscriptions(ctx: Ctx, limit: Limit = 50, cursor: Cursor = None) -> WebhookSubscriptionPage:
    rows = await service.page(ctx, after=decode_id_cursor(cursor), limit=limit)
    return WebhookSubscriptionPage(items=[WebhookSubscriptionRead.model_validate(s) for s in rows],
                                   next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/{subscription_id}",
    response_model=WebhookSubscriptionRead,
    summary="Get a webhook subscription",
    description="One of the caller's subscriptions (street_admin: any); any other id answers 404.",
    responses={**answer("The subscription (without its secret)."), **problem_responses(401, 404, 422)},
)
async def get_subscription(ctx: Ctx, subscription_id: SubscriptionId) -> WebhookSubscriptionRead:
    return WebhookSubscriptionRead.model_validate(await service.get(ctx, subscription_id))


@router.patch(
    "/{subscription_id}",
    response_model=WebhookSubscriptionRead,
    summary="Change a webhook subscription",
    description=(
        "Changes its URL (checked as on creation), event types, description or status: `active` enables a "
        "disabled subscription again, `disabled` stops it."
    ),
    responses={**answer("The subscription as changed."), **problem_responses(401, 404, 422)},
)
async def update_subscription(request: Request, ctx: Ctx, subscription_id: SubscriptionId,
                              body: WebhookSubscriptionPatch) -> WebhookSubscriptionRead:
    changes = body.model_dump(exclude_unset=True)
    sub = await service.change(ctx, _sender(request), subscription_id, changes)
    return WebhookSubscriptionRead.model_validate(sub)


@router.delete(
    "/{subscription_id}",
    status_code=204,
    summary="Delete a webhook subscription",
    description="Nothing more is delivered; its delivery log goes with it.",
    responses={204: {"description": "Deleted."}, **problem_responses(401, 404, 422)},
)
async def delete_subscription(ctx: Ctx, subscription_id: SubscriptionId) -> Response:
    await service.remove(ctx, subscription_id)
    return Response(status_code=204)


@router.get(
    "/{subscription_id}/deliveries",
    response_model=WebhookDeliveryPage,
    summary="List a subscription's deliveries",
    description="The delivery log in feed order: each event's attempts, status and last answer.",
    responses={**answer("A page of deliveries in feed order."), **problem_responses(401, 404, 422)},
)
async def list_deliveries(
    ctx: Ctx,
    subscription_id: SubscriptionId,
    after: Annotated[int | None, Query(ge=0, le=2**63 - 1, description="The `event_id` of the last delivery seen "
                                       "(`next_cursor`).", examples=[1024])] = None,
    status: Annotated[DeliveryStatus | None, Query(description="Only deliveries in this status.",
                                                   examples=["pending"])] = None,
    limit: Limit = 50,
) -> WebhookDeliveryPage:
    rows = await service.deliveries(ctx, subscription_id, after=after, limit=limit, status=status)
    return WebhookDeliveryPage(items=[WebhookDeliveryRead.of(d) for d in rows],
                               next_cursor=rows[-1].event_seq if len(rows) == limit else None)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    response_model=WebhookDeliveryRead,
    summary="Deliver an event again",
    description="The delivery goes out again with the same `webhook-id`, in its place in feed order.",
    responses={**answer("The delivery, pending again."), **problem_responses(401, 404, 422)},
    dependencies=[Idempotent],
)
async def redeliver(ctx: Ctx, subscription_id: SubscriptionId, delivery_id: DeliveryId) -> WebhookDeliveryRead:
    return WebhookDeliveryRead.of(await service.redeliver(ctx, subscription_id, delivery_id))
