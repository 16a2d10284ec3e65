"""Hazard use cases: load within scope, call the pure rules, write the change, its history
row, its events and its audit entry in the caller's unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from app.db.ids import uuid7
from app.db.models import Enterprise, Escalation, Hazard, HazardHistory
from app.db.repositories import enterprises as enterprises_repo
from app.db.repositories import hazards as repo
from app.domain import hazards as rules
from app.domain.access import Principal
from app.domain.enums import Role
from app.domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from app.domain.hazards import Action, Grade, HazardStatus, Source
from app.services import attachments, criteria, notifications
from app.services.context import Context
from app.services.events import EventType

RESOURCE = "hazards"  # the audit trail's name for them

@dataclass
class NewHazard:
    enterprise_id: uuid.UUID
    grade: str
    source: str
    title: str
    discovered_on: date
    description: str | None = None
    criterion_ref: str | None = None
    criterion_code: str | None = None  # K1/K2: a criterion of the library in force
    location: str | None = None
    deadline: date | None = None
    attachment_ids: list[uuid.UUID] = field(default_factory=list)
    inspection_id: uuid.UUID | None = None
    report_id: uuid.UUID | None = None


async def load(ctx: Context, hazard_id: uuid.UUID, *, for_update: bool = False) -> Hazard:
    hazard = await repo.get(ctx.session, ctx.scope, hazard_id, for_update=for_update)
    if hazard is None:
        raise NotFound(f"no hazard {hazard_id}")
    return hazard


def _history(ctx: Context, hazard: Hazard, action: str, from_status: str | None, *, effective_on: date,
             comment: str | None = None, deadline: date | None = None, data: dict[str, Any] | None = None) -> None:
    ctx.session.add(
        HazardHistory(
            hazard_id=hazard.id,
            at=ctx.now,
            effective_on=effective_on,
            actor_id=ctx.principal.user_id,
            actor_role=ctx.principal.role.value,
            action=action,
            from_status=from_status,
            to_status=hazard.status,
            comment=comment,
            deadline=deadline,
            data=data,
        )
    )


def _event(ctx: Context, hazard: Hazard, type: str, data: dict[str, Any] | None = None) -> None:
    ctx.event(
        type, "hazard", hazard.id,
        enterprise_id=hazard.enterprise_id, village_id=hazard.village_id, sector=hazard.sector, data=data,
    )


async def create(ctx: Context, new: NewHazard) -> Hazard:
    """H1: record a hazard (the use case); see add()."""
    hazard = await add(ctx, new)
    ctx.audit("hazard.create", RESOURCE, hazard.id)
    return hazard


async def add(
    ctx: Context, new: NewHazard, *, enterprise: Enterprise | None = None, check_source: bool = True, flush: bool = True
) -> Hazard:
    """H1: a hazard of a visible enterprise; village and sector come from the enterprise.
    H8: a major hazard records that the principal and actual controller were notified.
    A step of a use case (recording a hazard, an inspection, a verified report): the use
    case records the audit entry."""
    if enterprise is None:
        enterprise = await enterprises_repo.get(ctx.session, ctx.scope, new.enterprise_id)
        if enterprise is None:
            raise RuleViolation("unknown enterprise", [FieldError("enterprise_id", "no enterprise with this id is visible to you")])
    errors: list[FieldError] = []
    if check_source and Source(new.source) not in rules.sources_for(ctx.principal.role):
        hint = "enterprises report self_inspection hazards" if ctx.principal.role is Role.enterprise_user else (
            "public_report hazards come from verified reports"
        )
        errors.append(FieldError("source", hint))
    if new.discovered_on > ctx.today:
        errors.append(FieldError("discovered_on", "may not be in the future"))
    if new.deadline is not None and new.deadline < new.discovered_on:
        errors.append(FieldError("deadline", "may not be before discovered_on"))
    if errors:
        raise RuleViolation("invalid hazard", errors)
    criterion_version = await criteria.cite(
        ctx, new.criterion_code, grade=new.grade, sector=enterprise.sector, discovered_on=new.discovered_on
    )
    hazard = Hazard(
        id=uuid7(),
        enterprise_id=enterprise.id,
        village_id=enterprise.village_id,
        sector=enterprise.sector,
        grade=new.grade,
        source=new.source,
        title=new.title,
        description=new.description,
        criterion_ref=new.criterion_ref,
        criterion_version=criterion_version,
        criterion_code=new.criterion_code,
        location=new.location,
        discovered_on=new.discovered_on,
        status=HazardStatus.reported.value,
        status_effective_on=new.discovered_on,
        deadline=new.deadline,
        deadline_set_on=new.discovered_on,
        inspection_id=new.inspection_id,
        report_id=new.report_id,
        created_by=ctx.principal.user_id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(hazard)  # its history rows and links are inserted after it (mapped dependencies)
    _history(ctx, hazard, "create", None, effective_on=new.discovered_on, deadline=new.deadline,
             data={"grade": new.grade, "source": new.source})
    _event(ctx, hazard, EventType.hazard_created, {"grade": new.grade, "source": new.source})
    if Grade(new.grade) is Grade.major:
        notice = {
            "principal": {"name": enterprise.principal_name, "phone": enterprise.principal_phone},
            "actual_controller": {"name": enterprise.controller_name, "phone": enterprise.controller_phone},
        }
        hazard.notified_at = ctx.now
        _history(
            ctx, hazard, "notify", hazard.status, effective_on=new.discovered_on,
            comment=f"重大事故隐患已通知主要负责人{enterprise.principal_name}、实际控制人{enterprise.controller_name}",
            data=notice,
        )
        _event(ctx, hazard, EventType.hazard_major_notified, notice)
        await notifications.notify_major_hazard(ctx.uow, hazard, enterprise, now=ctx.now)
    await attachments.link(ctx.session, ctx.principal, ctx.scope, new.attachment_ids, purpose="finding", hazard_id=hazard.id)
    if flush:
        await ctx.session.flush()
    return hazard


def update_descriptive(ctx: Context, hazard: Hazard, changes: dict[str, Any]) -> Hazard:
    if ctx.principal.role is Role.district_viewer:
        raise Forbidden("district_viewer clients are read-only")
    if hazard.status in (HazardStatus.closed, HazardStatus.void):
        raise Conflict(f"a {hazard.status} hazard is no longer edited", code="hazard_ended")
    if "title" in changes and changes["title"] is None:
        raise RuleViolation("title may not be null", [FieldError("title", "may not be null")])
    changed = {k: v for k, v in changes.items() if getattr(hazard, k) != v}
    for key, value in changed.items():
        setattr(hazard, key, value)
    if changed:
        hazard.version += 1
        hazard.updated_at = ctx.now
    ctx.audit("hazard.update", RESOURCE, hazard.id)
    return hazard


async def _effective(ctx: Context, hazard: Hazard, effective_on: date | None) -> date:
    """H7: default today; not in the future, not before the previous step."""
    eff = effective_on or ctx.today
    previous = await repo.last_effective_on(ctx.session, hazard.id) or hazard.discovered_on
    rules.check_effective_on(eff, today=ctx.today, previous=previous)
    return eff


async def act(
    ctx: Context,
    hazard: Hazard,
    action: Action,
    *,
    effective_on: date | None = None,
    comment: str | None = None,
    plan: rules.Plan | None = None,
    evidence: str | None = None,
    attachment_ids: list[uuid.UUID] | None = None,
    deadline: date | None = None,
) -> Hazard:
    """One step of the lifecycle (H2–H6), with its history row (H7) and event."""
    rules.check_actor(action, ctx.principal, grade=hazard.grade, village_id=hazard.village_id, sector=hazard.sector)
    from_status = HazardStatus(hazard.status)
    to_status = rules.next_status(action, from_status)
    if rules.needs_reason(action) and not (comment and comment.strip()):
        field_name = "comment" if action is Action.reject else "reason"
        raise RuleViolation(f"{action.value} needs a reason", [FieldError(field_name, "required")])
    eff = await _effective(ctx, hazard, effective_on)
    new_deadline = None
    if action is Action.plan:
        assert plan is not None
        rules.check_plan(hazard.grade, plan, discovered_on=hazard.discovered_on)
        hazard.responsible_person = plan.responsible_person
        hazard.measures = plan.measures
        hazard.funds = plan.funds
        hazard.contingency_plan = plan.contingency_plan
        hazard.deadline = new_deadline = plan.deadline
        hazard.deadline_set_on = eff
        await attachments.link(ctx.session, ctx.principal, ctx.scope, attachment_ids or [], purpose="plan", hazard_id=hazard.id)
    elif action is Action.submit:
        rules.check_evidence(evidence, attachment_ids or [])
        hazard.evidence = evidence
        await attachments.link(ctx.session, ctx.principal, ctx.scope, attachment_ids or [], purpose="evidence", hazard_id=hazard.id)
    elif action is Action.extend:
        assert deadline is not None
        rules.check_extension(deadline, current=hazard.deadline, reason=comment)
        hazard.deadline = new_deadline = deadline
        hazard.deadline_set_on = eff
        hazard.extensions += 1
    if action is Action.approve:
        hazard.closed_on = eff
    elif action is Action.reopen:
        hazard.closed_on = None
    hazard.status = to_status.value
    if to_status is not from_status:
        hazard.status_effective_on = eff
    hazard.version += 1
    hazard.updated_at = ctx.now
    _history(ctx, hazard, action.value, from_status.value, effective_on=eff, comment=comment, deadline=new_deadline)
    if action is Action.extend:
        _event(ctx, hazard, EventType.hazard_deadline_extended, {"deadline": deadline.isoformat(), "extensions": hazard.extensions})
    else:
        _event(ctx, hazard, EventType.hazard_status_changed, {"from": from_status.value, "to": to_status.value, "action": action.value})
    ctx.audit(f"hazard.{action.value}", RESOURCE, hazard.id)
    await ctx.session.flush()
    return hazard


def _require_street_staff(principal: Principal, what: str) -> None:
    """H9: listings and escalations are the street office's (street_admin, supervisor)."""
    if principal.role not in (Role.street_admin, Role.supervisor):
        raise Forbidden(f"only street_admin and supervisor may {what} (H9)")


async def escalate(ctx: Context, hazard: Hazard, kind: str, note: str, effective_on: date | None) -> Escalation:
    _require_street_staff(ctx.principal, "escalate")
    if hazard.status not in rules.OPEN_STATES:
        raise Conflict(f"a {hazard.status} hazard is not escalated", code="hazard_ended",
                       current_status=hazard.status)
    eff = await _effective(ctx, hazard, effective_on)
    escalation = Escalation(hazard_id=hazard.id, kind=kind, note=note, effective_on=eff,
                            created_by=ctx.principal.user_id, created_at=ctx.now)
    ctx.session.add(escalation)
    hazard.version += 1
    hazard.updated_at = ctx.now
    _history(ctx, hazard, "escalate", hazard.status, effective_on=eff, comment=note, data={"kind": kind})
    _event(ctx, hazard, EventType.hazard_escalated, {"kind": kind})
    ctx.audit("hazard.escalate", RESOURCE, hazard.id)
    await ctx.session.flush()
    return escalation


async def set_listing(ctx: Context, hazard: Hazard, listed: bool, comment: str | None, effective_on: date | None) -> Hazard:
    """H9: 挂牌督办 — list an open hazard for supervision, or delist it (摘牌)."""
    _require_street_staff(ctx.principal, "list hazards for supervision")
    if listed == hazard.listed:
        raise Conflict(f"the hazard is {'already' if listed else 'not'} listed", code="listing_unchanged")
    if listed and hazard.status not in rules.OPEN_STATES:
        raise Conflict(f"a {hazard.status} hazard is not listed", code="hazard_ended", current_status=hazard.status)
    eff = await _effective(ctx, hazard, effective_on)
    hazard.listed = listed
    hazard.version += 1
    hazard.updated_at = ctx.now
    _history(ctx, hazard, "list" if listed else "delist", hazard.status, effective_on=eff, comment=comment)
    _event(ctx, hazard, EventType.hazard_listed if listed else EventType.hazard_delisted, {"listed": listed})
    ctx.audit("hazard.list" if listed else "hazard.delist", RESOURCE, hazard.id)
    await ctx.session.flush()
    return hazard


def plan_from(body: Any) -> rules.Plan:
    funds = body.funds if body.funds is None else Decimal(body.funds)
    return rules.Plan(body.responsible_person, body.measures, funds, body.deadline, body.contingency_plan)
