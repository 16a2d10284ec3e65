"""Trainings (§4, §20, C4 input): recorded for a visible enterprise; village and sector come from it."""

from __future__ import annotations

from typing import Any

from app.db.models import Training
from app.db.repositories import enterprises as enterprises_repo
from app.domain.errors import FieldError, RuleViolation
from app.services.events import EventType
from app.services.context import Context


async def record(ctx: Context, data: dict[str, Any]) -> Training:
    errors: list[FieldError] = []
    enterprise = await enterprises_repo.get(ctx.session, ctx.scope, data["enterprise_id"])
    if enterprise is None:
        errors.append(FieldError("enterprise_id", "no enterprise with this id is visible to you"))
    if data["held_on"] > ctx.today:
        errors.append(FieldError("held_on", "may not be in the future"))
    if errors:
        raise RuleViolation("invalid training", errors)
    assert enterprise is not None
    training = Training(
        enterprise_id=enterprise.id,
        village_id=enterprise.village_id,
        sector=enterprise.sector,
        trainee_role=data["trainee_role"],
        trainee_name=data.get("trainee_name"),
        topic=data["topic"],
        held_on=data["held_on"],
        hours=data["hours"],
        passed=data["passed"],
        created_by=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(training)
    await ctx.session.flush()
    ctx.event(
        EventType.training_recorded, "training", training.id,
        enterprise_id=enterprise.id, village_id=enterprise.village_id, sector=enterprise.sector,
        data={"trainee_role": training.trainee_role, "held_on": training.held_on.isoformat(), "passed": training.passed},
    )
    ctx.audit("training.record", "trainings", training.id)
    return training
