"""Drills (§22, C2 input): recorded for a visible enterprise; village and sector come from it."""

from __future__ import annotations

from typing import Any

from app.db.models import Drill
from app.db.repositories import enterprises as enterprises_repo
from app.domain.errors import FieldError, RuleViolation
from app.services.events import EventType
from app.services.context import Context


async def record(ctx: Context, data: dict[str, Any]) -> Drill:
    errors: list[FieldError] = []
    enterprise = await enterprises_repo.get(ctx.session, ctx.scope, data["enterprise_id"])
    if enterprise is None:
        errors.append(FieldError("enterprise_id", "no enterprise with this id is visible to you"))
    if data["held_on"] > ctx.today:
        errors.append(FieldError("held_on", "may not be in the future"))
    if errors:
        raise RuleViolation("invalid drill", errors)
    assert enterprise is not None
    drill = Drill(
        enterprise_id=enterprise.id,
        village_id=enterprise.village_id,
        sector=enterprise.sector,
        kind=data["kind"],
        held_on=data["held_on"],
        participants=data["participants"],
        scenario=data.get("scenario"),
        notes=data.get("notes"),
        created_by=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(drill)
    await ctx.session.flush()
    ctx.event(
        EventType.drill_recorded, "drill", drill.id,
        enterprise_id=enterprise.id, village_id=enterprise.village_id, sector=enterprise.sector,
        data={"kind": drill.kind, "held_on": drill.held_on.isoformat()},
    )
    ctx.audit("drill.record", "drills", drill.id)
    return drill
