"""The hazard lifecycle (H2–H7) as an explicit transition table with a guard per action.

    reported ──plan──▶ rectifying ──submit──▶ pending_review ──approve──▶ closed
                          ▲                       │                        │
                          └──────── reject ───────┘        reopen ◀────────┘ (street_admin)
    reported | rectifying | pending_review ──void──▶ void
    rectifying | pending_review ──extend──▶ (same state, new deadline, counted)

An illegal transition raises InvalidTransition naming the state and the allowed actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from app.domain.access import Principal
from app.domain.enums import Role
from app.domain.errors import FieldError, Forbidden, InvalidTransition, RuleViolation


class HazardStatus(StrEnum):
    reported = "reported"
    rectifying = "rectifying"
    pending_review = "pending_review"
    closed = "closed"
    void = "void"


class Grade(StrEnum):
    major = "major"
    general = "general"


class Source(StrEnum):
    self_inspection = "self_inspection"
    supervision = "supervision"
    enforcement = "enforcement"
    patrol = "patrol"
    public_report = "public_report"
    other = "other"


class Action(StrEnum):
    plan = "plan"
    submit = "submit"
    approve = "approve"
    reject = "reject"
    reopen = "reopen"
    void = "void"
    extend = "extend"


OPEN_STATES = frozenset({HazardStatus.reported, HazardStatus.rectifying, HazardStatus.pending_review})

# H2: (action, from) -> to
TRANSITIONS: dict[tuple[Action, HazardStatus], HazardStatus] = {
    (Action.plan, HazardStatus.reported): HazardStatus.rectifying,
    (Action.submit, HazardStatus.rectifying): HazardStatus.pending_review,
    (Action.approve, HazardStatus.pending_review): HazardStatus.closed,
    (Action.reject, HazardStatus.pending_review): HazardStatus.rectifying,
    (Action.reopen, HazardStatus.closed): HazardStatus.rectifying,
    (Action.void, HazardStatus.reported): HazardStatus.void,
    (Action.void, HazardStatus.rectifying): HazardStatus.void,
    (Action.void, HazardStatus.pending_review): HazardStatus.void,
    (Action.extend, HazardStatus.rectifying): HazardStatus.rectifying,
    (Action.extend, HazardStatus.pending_review): HazardStatus.pending_review,
}


def allowed_actions(status: HazardStatus | str) -> list[str]:
    status = HazardStatus(status)
    return [a.value for a in Action if (a, status) in TRANSITIONS]


def next_status(action: Action, status: HazardStatus | str) -> HazardStatus:
    """H2: the state after `action`, or InvalidTransition (409) naming what is allowed."""
    status = HazardStatus(status)
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        allowed = allowed_actions(status)
        raise InvalidTransition(
            f"cannot {action.value} a hazard that is {status.value}; allowed: {', '.join(allowed) or 'none'}",
            current_status=status.value,
            allowed_actions=allowed,
        ) from None


@dataclass(frozen=True)
class Plan:
    responsible_person: str | None
    measures: str | None
    funds: Decimal | None
    deadline: date | None
    contingency_plan: str | None


def plan_missing(grade: Grade | str, plan: Plan) -> list[str]:
    """H3: what a plan lacks. A major hazard needs the five elements (五落实): responsible
    person, measures, funds, deadline and contingency plan; a general one at least the
    responsible person and the deadline."""
    required = ["responsible_person", "deadline"]
    if Grade(grade) is Grade.major:
        required = ["responsible_person", "measures", "funds", "deadline", "contingency_plan"]
    missing = []
    for name in required:
        value = getattr(plan, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return missing


def check_plan(grade: Grade | str, plan: Plan, *, discovered_on: date) -> None:
    missing = plan_missing(grade, plan)
    errors = [FieldError(name, f"required for a {Grade(grade).value} hazard (H3)") for name in missing]
    if plan.deadline is not None and plan.deadline < discovered_on:
        errors.append(FieldError("deadline", "may not be before the hazard was discovered"))
    if errors:
        raise RuleViolation("the rectification plan is incomplete", errors, code="plan_incomplete")


def check_evidence(text: str | None, attachment_ids: list[UUID]) -> None:
    """H4: submitting for review needs rectification evidence, a text and/or attachments."""
    if not (text and text.strip()) and not attachment_ids:
        raise RuleViolation(
            "rectification evidence is required",
            [FieldError("evidence", "give a text and/or attachment_ids (H4)")],
            code="evidence_required",
        )


def may_sign_off(p: Principal, *, grade: Grade | str, village_id: UUID, sector: str) -> bool:
    """H5: closing (销号) — and voiding, which also ends a hazard — a major hazard is for an
    officer of the sector's lead department or a street_admin; a general one also for the
    village officer of its village. Enterprises never close their own hazards."""
    if p.role is Role.street_admin:
        return True
    if p.role is Role.department_officer:
        return sector in p.lead_sectors
    if p.role is Role.village_officer:
        return Grade(grade) is Grade.general and village_id == p.org_unit_id
    return False


def check_actor(action: Action, p: Principal, *, grade: str, village_id: UUID, sector: str) -> None:
    """Who may take each action on a hazard the caller can see (403 otherwise)."""
    if p.role is Role.district_viewer:
        raise Forbidden("district_viewer clients are read-only")
    if action in (Action.approve, Action.reject, Action.void):
        if not may_sign_off(p, grade=grade, village_id=village_id, sector=sector):
            who = "the lead department or street_admin" if Grade(grade) is Grade.major else (
                "the lead department, the village officer or street_admin"
            )
            raise Forbidden(f"only {who} may {action.value} a {grade} hazard (H5)")
    elif action is Action.reopen:
        if p.role is not Role.street_admin:
            raise Forbidden("only street_admin may reopen a closed hazard (H2)")
    elif action is Action.extend:
        if p.role is Role.enterprise_user:
            raise Forbidden("an enterprise cannot extend its own deadline (H6)")


def sources_for(role: Role) -> frozenset[Source]:
    """Which channels a role reports through; public reports arrive only via /public/reports."""
    if role is Role.enterprise_user:
        return frozenset({Source.self_inspection})
    return frozenset(Source) - {Source.public_report}


def check_street_staff(principal: Principal, what: str) -> None:
    """H9: listings and escalations are the street office's (street_admin, supervisor)."""
    if principal.role not in (Role.street_admin, Role.supervisor):
        raise Forbidden(f"only street_admin and supervisor may {what} (H9)")


def check_effective_on(effective_on: date, *, today: date, previous: date) -> None:
    """H7: a step's business date defaults to today; it may be earlier, never in the future
    and never before the previous step's."""
    if effective_on > today:
        raise RuleViolation("effective_on is in the future", [FieldError("effective_on", "may not be in the future")])
    if effective_on < previous:
        raise RuleViolation(
            "effective_on is before the previous step",
            [FieldError("effective_on", f"may not be before the previous step ({previous.isoformat()})")],
        )


def is_overdue(status: HazardStatus | str, deadline: date | None, today: date) -> bool:
    """H6: open and today (Asia/Shanghai) is past the deadline."""
    return HazardStatus(status) in OPEN_STATES and deadline is not None and today > deadline


def check_extension(new_deadline: date, *, current: date | None, reason: str | None) -> None:
    """H6: an extension moves the deadline later and says why."""
    errors = []
    if not (reason and reason.strip()):
        errors.append(FieldError("reason", "an extension needs a reason (H6)"))
    if current is not None and new_deadline <= current:
        errors.append(FieldError("deadline", f"must be after the current deadline ({current.isoformat()})"))
    if errors:
        raise RuleViolation("invalid extension", errors)


def needs_reason(action: Action) -> bool:
    """Reopen, void and reject must say why."""
    return action in (Action.reopen, Action.void, Action.reject)
