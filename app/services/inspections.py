"""Inspections from the field: the inspection and a hazard per finding, all or nothing."""

from __future__ import annotations

from typing import Any

from app.db.ids import uuid7
from app.db.models import Inspection
from app.db.repositories import enterprises as enterprises_repo
from app.domain.errors import FieldError, RuleViolation
from app.domain.inspections import SOURCE_OF_KIND, kind_problem
from app.services import attachments, hazards
from app.services.context import Context
from app.services.events import EventType


async def record(ctx: Context, data: dict[str, Any]) -> tuple[Inspection, list[Any]]:
    errors: list[FieldError] = []
    enterprise = await enterprises_repo.get(ctx.session, ctx.scope, data["enterprise_id"])
    if enterprise is None:
        errors.append(FieldError("enterprise_id", "no enterprise with this id is visible to you"))
    problem = kind_problem(ctx.principal.role, data["kind"])
    if problem:
        errors.append(FieldError("kind", problem))
    if data["performed_on"] > ctx.today:
        errors.append(FieldError("performed_on", "may not be in the future"))
    for i, finding in enumerate(data["findings"]):
        if finding["deadline"] is not None and finding["deadline"] < data["performed_on"]:
            errors.append(FieldError(f"findings[{i}].deadline", "may not be before performed_on"))
    if errors:
        raise RuleViolation("invalid inspection", errors)
    assert enterprise is not None
    inspection = Inspection(
        id=uuid7(),  # known before the flush: the findings refer to it
        enterprise_id=enterprise.id,
        village_id=enterprise.village_id,
        sector=enterprise.sector,
        kind=data["kind"],
        performed_on=data["performed_on"],
        led_by_principal=data["led_by_principal"],
        inspector=data.get("inspector"),
        notes=data.get("notes"),
        findings_count=len(data["findings"]),
        created_by=ctx.principal.user_id,
        created_at=ctx.now,
    )
    # One flush at the end: the unit of work inserts the inspection before the hazards that
    # refer to it, and the hazards (and then their history) as one statement each.
    ctx.session.add(inspection)
    await attachments.link(
        ctx.session, ctx.principal, ctx.scope, data["attachment_ids"], purpose="inspection", inspection_id=inspection.id
    )
    source = SOURCE_OF_KIND[data["kind"]]
    found = []
    for i, finding in enumerate(data["findings"]):
        try:
            hazard = await hazards.add(
                ctx,
                hazards.NewHazard(
                    enterprise_id=enterprise.id,
                    grade=finding["grade"],
                    source=source.value,
                    title=finding["title"],
                    description=finding.get("description"),
                    criterion_ref=finding.get("criterion_ref"),
                    location=finding.get("location"),
                    discovered_on=data["performed_on"],
                    deadline=finding.get("deadline"),
                    attachment_ids=finding.get("attachment_ids") or [],
                    inspection_id=inspection.id,
                ),
                enterprise=enterprise,
                check_source=False,
                flush=False,  # one flush for the inspection and all its findings
            )
        except RuleViolation as exc:  # name the finding that failed
            for e in exc.errors:
                e.field = f"findings[{i}].{e.field}"
            raise
        found.append(hazard)
    await ctx.session.flush()
    ctx.event(
        EventType.inspection_recorded, "inspection", inspection.id,
        enterprise_id=enterprise.id, village_id=enterprise.village_id, sector=enterprise.sector,
        data={"kind": inspection.kind, "findings": len(found)},
    )
    ctx.audit("inspection.record", "inspections", inspection.id)
    return inspection, found
