"""Inspections from the field: the inspection and a hazard per finding, all or nothing."""

from __future__ import annotations

from typing import Any

from app.db.ids import uuid7
from app.db.models import Inspection, InspectionItemResult
from app.db.repositories import checklists as checklists_repo
from app.db.repositories import enterprises as enterprises_repo
from app.domain import criteria as criteria_rules
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
    checklist = None
    if data.get("checklist_id") is not None:
        checklist = await checklists_repo.get(ctx.session, data["checklist_id"])
        if checklist is None:
            errors.append(FieldError("checklist_id", f"no checklist {data['checklist_id']}"))
    elif data.get("item_results"):
        errors.append(FieldError("checklist_id", "item_results need the checklist they are of"))
    if errors:
        raise RuleViolation("invalid inspection", errors)
    assert enterprise is not None
    version, findings = None, []
    if checklist is not None:
        version = checklists_repo.to_rule(checklist, (await checklists_repo.items(ctx.session, [checklist.id]))[checklist.id])
        results = [criteria_rules.ItemResult(r["item_id"], r["result"].value if hasattr(r["result"], "value") else r["result"],
                                             r.get("note"), tuple(r.get("attachment_ids") or ())) for r in data["item_results"]]
        findings = criteria_rules.findings_from_results(version, results)  # K3: 422 naming the item
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
        findings_count=len(data["findings"]) + len(findings),
        checklist_id=checklist.id if checklist is not None else None,
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
    if checklist is not None:
        found += await _record_results(ctx, inspection, enterprise, source.value, data, findings)
    await ctx.session.flush()
    ctx.event(
        EventType.inspection_recorded, "inspection", inspection.id,
        enterprise_id=enterprise.id, village_id=enterprise.village_id, sector=enterprise.sector,
        data={"kind": inspection.kind, "findings": len(found)},
    )
    ctx.audit("inspection.record", "inspections", inspection.id)
    return inspection, found


async def _record_results(
    ctx: Context, inspection: Inspection, enterprise: Any, source: str, data: dict[str, Any],
    findings: list[criteria_rules.Finding],
) -> list[Any]:
    """K3: each failed item becomes a hazard with the item's criterion and grade; every
    result is kept on the inspection. Errors name the item's result (item_results[i])."""
    by_item = {f.item_id: f for f in findings}
    found = []
    for i, r in enumerate(data["item_results"]):
        key = str(r["item_id"])
        hazard = None
        finding = by_item.get(key)
        if finding is not None:
            try:
                hazard = await hazards.add(
                    ctx,
                    hazards.NewHazard(
                        enterprise_id=enterprise.id, grade=finding.grade.value, source=source, title=finding.title,
                        description=finding.description, criterion_code=finding.criterion_code,
                        discovered_on=data["performed_on"], attachment_ids=list(finding.attachment_ids),
                        inspection_id=inspection.id,
                    ),
                    enterprise=enterprise, check_source=False, flush=False,
                )
            except RuleViolation as exc:
                for e in exc.errors:
                    e.field = f"item_results[{i}].{e.field}"
                raise
            found.append(hazard)
        else:
            await attachments.link(
                ctx.session, ctx.principal, ctx.scope, r.get("attachment_ids") or [], purpose="inspection",
                inspection_id=inspection.id, field=f"item_results[{i}].attachment_ids",
            )
        ctx.session.add(
            InspectionItemResult(
                inspection=inspection, item_id=r["item_id"], position=i + 1, result=str(r["result"]),
                note=r.get("note"), attachment_ids=list(dict.fromkeys(r.get("attachment_ids") or [])),
                hazard=hazard, hazard_id=hazard.id if hazard is not None else None,
            )
        )
    return found
