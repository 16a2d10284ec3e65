"""Hazard use cases: load within scope, call the pure rules, write the change, its history
row, its events and its audit entry in the caller's unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import date
from enum import Enum
from typing import Any

from app.db.ids import uuid7
from app.db.models import Enterprise, Escalation, Hazard, HazardHistory
from app.db.repositories import enterprises as enterprises_repo
from app.db.repositories import hazards as repo
from app.domain import hazards as rules
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


class _Keep(Enum):
    keep = "keep"


KEEP = _Keep.keep  # a field a change leaves as it is


@dataclass(frozen=True)
class DescriptiveChanges:
    """The descriptive fields a change sets (the others stay KEEP); the state, the deadline
    and the plan change through the lifecycle steps only."""

    title: str | None | _Keep = KEEP
    description: str | None | _Keep = KEEP
    criterion_ref: str | None | _Keep = KEEP
    location: str | None | _Keep = KEEP


def update_descriptive(ctx: Context, hazard: Hazard, changes: DescriptiveChanges) -> Hazard:
    if ctx.principal.role is Role.district_viewer:
        raise Forbidden("district_viewer clients are read-only")
    if hazard.status in (HazardStatus.closed, HazardStatus.void):
        raise Conflict(f"a {hazard.status} hazard is no longer edited", code="hazard_ended")
    if changes.title is None:
        raise RuleViolation("title may not be null", [FieldError("title", "may not be null")])
    given = {f.name: getattr(changes, f.name) for f in fields(changes) if getattr(changes, f.name) is not KEEP}
    changed = {k: v for k, v in given.items() if getattr(hazard, k) != v}
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


@dataclass(frozen=True)
class PlanInput:
    """H3: the rectification plan, `reported` → `rectifying`."""

    plan: rules.Plan
    attachment_ids: list[uuid.UUID] = field(default_factory=list)
    comment: str | None = None
    effective_on: date | None = None


@dataclass(frozen=True)
class SubmitInput:
    """H4: the rectification's evidence, `rectifying` → `pending_review`."""

    evidence: str | None = None
    attachment_ids: list[uuid.UUID] = field(default_factory=list)
    comment: str | None = None
    effective_on: date | None = None


@dataclass(frozen=True)
class ReviewInput:
    """H5: sign off (`approve`, → `closed`) or send back (`reject`, → `rectifying`, with a comment)."""

    approve: bool
    comment: str | None = None
    effective_on: date | None = None


@dataclass(frozen=True)
class ReasonInput:
    """Reopen and void: a reason, and the business date."""

    reason: str | None
    effective_on: date | None = None


@dataclass(frozen=True)
class ExtendInput:
    """H6: a later deadline and why."""

    deadline: date
    reason: str | None
    effective_on: date | None = None


@dataclass(frozen=True)
class EscalationInput:
    """H9: 函告, 通报, 约谈 or 曝光 on an open hazard."""

    kind: str
    note: str
    effective_on: date | None = None


@dataclass(frozen=True)
class ListingInput:
    """H9: 挂牌督办 (listed) or 摘牌 (not listed)."""

    listed: bool
    comment: str | None = None
    effective_on: date | None = None


async def _begin(
    ctx: Context, hazard: Hazard, action: Action, effective_on: date | None, *, reason: str | None = None,
    reason_field: str = "reason",
) -> tuple[HazardStatus, HazardStatus, date]:
    """The checks every lifecycle step makes, in this order: who (H5), whether the state
    allows it (H2), its reason, its business date (H7). Answers from, to and the date."""
    rules.check_actor(action, ctx.principal, grade=hazard.grade, village_id=hazard.village_id, sector=hazard.sector)
    from_status = HazardStatus(hazard.status)
    to_status = rules.next_status(action, from_status)
    if rules.needs_reason(action) and not (reason and reason.strip()):
        raise RuleViolation(f"{action.value} needs a reason", [FieldError(reason_field, "required")])
    return from_status, to_status, await _effective(ctx, hazard, effective_on)


async def _finish(
    ctx: Context, hazard: Hazard, action: Action, from_status: HazardStatus, to_status: HazardStatus, eff: date, *,
    comment: str | None, deadline: date | None = None,
) -> Hazard:
    """The new state, its history row (H7), its event and audit entry."""
    hazard.status = to_status.value
    if to_status is not from_status:
        hazard.status_effective_on = eff
    hazard.version += 1
    hazard.updated_at = ctx.now
    _history(ctx, hazard, action.value, from_status.value, effective_on=eff, comment=comment, deadline=deadline)
    if action is Action.extend:
        _event(ctx, hazard, EventType.hazard_deadline_extended,
               {"deadline": hazard.deadline.isoformat() if hazard.deadline else None, "extensions": hazard.extensions})
    else:
        _event(ctx, hazard, EventType.hazard_status_changed, {"from": from_status.value, "to": to_status.value, "action": action.value})
    ctx.audit(f"hazard.{action.value}", RESOURCE, hazard.id)
    await ctx.session.flush()
    return hazard


async def plan(ctx: Context, hazard: Hazard, step: PlanInput) -> Hazard:
    """H3: `reported` → `rectifying` with a plan complete for the grade, whose deadline is
    not before the day the plan takes effect (H6: it would be overdue the moment it is made)."""
    effective_on = step.effective_on or ctx.today
    if step.plan.deadline is not None and step.plan.deadline < effective_on:
        raise RuleViolation(
            "the deadline is before the plan takes effect",
            [FieldError("deadline", f"must not be before effective_on ({effective_on.isoformat()})")],
        )
    from_status, to_status, eff = await _begin(ctx, hazard, Action.plan, step.effective_on)
    rules.check_plan(hazard.grade, step.plan, discovered_on=hazard.discovered_on)
    hazard.responsible_person = step.plan.responsible_person
    hazard.measures = step.plan.measures
    hazard.funds = step.plan.funds
    hazard.contingency_plan = step.plan.contingency_plan
    hazard.deadline = step.plan.deadline
    hazard.deadline_set_on = eff
    await attachments.link(ctx.session, ctx.principal, ctx.scope, step.attachment_ids, purpose="plan", hazard_id=hazard.id)
    return await _finish(ctx, hazard, Action.plan, from_status, to_status, eff, comment=step.comment,
                         deadline=step.plan.deadline)


async def submit(ctx: Context, hazard: Hazard, step: SubmitInput) -> Hazard:
    """H4: `rectifying` → `pending_review` with evidence, a text and/or attachments."""
    from_status, to_status, eff = await _begin(ctx, hazard, Action.submit, step.effective_on)
    rules.check_evidence(step.evidence, step.attachment_ids)
    hazard.evidence = step.evidence
    await attachments.link(ctx.session, ctx.principal, ctx.scope, step.attachment_ids, purpose="evidence", hazard_id=hazard.id)
    return await _finish(ctx, hazard, Action.submit, from_status, to_status, eff, comment=step.comment)


async def review(ctx: Context, hazard: Hazard, step: ReviewInput) -> Hazard:
    """H5: sign off (销号, `closed` on the business date) or send back with a comment."""
    action = Action.approve if step.approve else Action.reject
    from_status, to_status, eff = await _begin(ctx, hazard, action, step.effective_on, reason=step.comment,
                                               reason_field="comment")
    if step.approve:
        hazard.closed_on = eff
    return await _finish(ctx, hazard, action, from_status, to_status, eff, comment=step.comment)


async def reopen(ctx: Context, hazard: Hazard, step: ReasonInput) -> Hazard:
    """H2: street_admin reopens a closed hazard, with a reason."""
    from_status, to_status, eff = await _begin(ctx, hazard, Action.reopen, step.effective_on, reason=step.reason)
    hazard.closed_on = None
    return await _finish(ctx, hazard, Action.reopen, from_status, to_status, eff, comment=step.reason)


async def void(ctx: Context, hazard: Hazard, step: ReasonInput) -> Hazard:
    """H2, H5: an open hazard found not to be one ends `void`, with a reason."""
    from_status, to_status, eff = await _begin(ctx, hazard, Action.void, step.effective_on, reason=step.reason)
    return await _finish(ctx, hazard, Action.void, from_status, to_status, eff, comment=step.reason)


async def extend(ctx: Context, hazard: Hazard, step: ExtendInput) -> Hazard:
    """H6: a later deadline with a reason, counted in `extensions`; the state stays."""
    from_status, to_status, eff = await _begin(ctx, hazard, Action.extend, step.effective_on)
    rules.check_extension(step.deadline, current=hazard.deadline, reason=step.reason)
    hazard.deadline = step.deadline
    hazard.deadline_set_on = eff
    hazard.extensions += 1
    return await _finish(ctx, hazard, Action.extend, from_status, to_status, eff, comment=step.reason,
                         deadline=step.deadline)


async def escalate(ctx: Context, hazard: Hazard, step: EscalationInput) -> Escalation:
    """H9: escalate a slow rectification of an open hazard."""
    kind, note, effective_on = step.kind, step.note, step.effective_on
    rules.check_street_staff(ctx.principal, "escalate")
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


async def set_listing(ctx: Context, hazard: Hazard, step: ListingInput) -> Hazard:
    """H9: 挂牌督办 — list an open hazard for supervision, or delist it (摘牌)."""
    listed, comment, effective_on = step.listed, step.comment, step.effective_on
    rules.check_street_staff(ctx.principal, "list hazards for supervision")
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
