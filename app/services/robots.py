"""Group robots of org units (R5): the WeCom / DingTalk webhook that gets an org unit's
messages. The street office's admin sets them; each URL passes the SSRF guard when it is
set and again on every delivery."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select

from app.channels.netguard import TargetPolicy, validate_target_url
from app.db.models import OrgUnit, OrgUnitRobot
from app.domain.errors import NotFound, RuleViolation
from app.services.context import Context

RESOURCE = "org-units"


async def _unit(ctx: Context, org_unit_id: uuid.UUID) -> OrgUnit:
    unit = await ctx.session.get(OrgUnit, org_unit_id)
    if unit is None:
        raise NotFound(f"no org unit {org_unit_id}")
    return unit


async def list_for(ctx: Context, org_unit_id: uuid.UUID) -> list[OrgUnitRobot]:
    await _unit(ctx, org_unit_id)
    stmt = select(OrgUnitRobot).where(OrgUnitRobot.org_unit_id == org_unit_id).order_by(OrgUnitRobot.channel)
    return list((await ctx.session.execute(stmt)).scalars())


async def put(ctx: Context, policy: TargetPolicy, org_unit_id: uuid.UUID, channel: str, *, url: str,
              secret: str | None) -> OrgUnitRobot:
    await _unit(ctx, org_unit_id)
    error = await validate_target_url(url, policy)
    if error is not None:
        raise RuleViolation("the robot URL may not be called", [error])
    robot = await ctx.session.get(OrgUnitRobot, (org_unit_id, channel), with_for_update=True)
    if robot is None:
        robot = OrgUnitRobot(org_unit_id=org_unit_id, channel=channel, url=url)
        ctx.session.add(robot)
    robot.url, robot.secret, robot.updated_by, robot.updated_at = url, secret, ctx.principal.user_id, ctx.now
    await ctx.session.flush()
    ctx.audit(f"org_unit.robot.{channel}.set", RESOURCE, org_unit_id)
    return robot


async def remove(ctx: Context, org_unit_id: uuid.UUID, channel: str) -> None:
    await _unit(ctx, org_unit_id)
    result = await ctx.session.execute(
        delete(OrgUnitRobot).where(OrgUnitRobot.org_unit_id == org_unit_id, OrgUnitRobot.channel == channel))
    if not result.rowcount:
        raise NotFound(f"no {channel} robot for this org unit")
    ctx.audit(f"org_unit.robot.{channel}.delete", RESOURCE, org_unit_id)
