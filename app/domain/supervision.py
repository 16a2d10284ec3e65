"""Supervision tasks (督导 / 督办, S1–S3) as an explicit transition table with pure policies.

    open ──submit──▶ submitted ──accept──▶ accepted        (completed_on set; C3 counts it)
                        │    ▲
                 return │    │ submit
                        ▼    │
                      returned

Created, accepted and returned by the street office (street_admin, supervisor); submitted
by the assignee unit's own officers. An illegal transition raises InvalidTransition naming
the current state and the allowed actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from app.domain.access import Principal
from app.domain.enums import Role
from app.domain.errors import FieldError, Forbidden, InvalidTransition, RuleViolation

STREET_STAFF = frozenset({Role.street_admin, Role.supervisor})
UNIT_OFFICERS = frozenset({Role.village_officer, Role.department_officer})
# A1 for tasks: who sees every task regardless of its units.
SEES_ALL = frozenset({Role.street_admin, Role.supervisor, Role.district_viewer})


class TaskKind(StrEnum):
    """S1."""

    supervision_round = "supervision_round"
    hazard_oversight = "hazard_oversight"
    plan_measure = "plan_measure"
    ad_hoc = "ad_hoc"


class TaskStatus(StrEnum):
    """S2."""

    open = "open"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"


class TaskAction(StrEnum):
    submit = "submit"
    accept = "accept"
    return_ = "return"


# S2: (action, from) -> to
TRANSITIONS: dict[tuple[TaskAction, TaskStatus], TaskStatus] = {
    (TaskAction.submit, TaskStatus.open): TaskStatus.submitted,
    (TaskAction.accept, TaskStatus.submitted): TaskStatus.accepted,
    (TaskAction.return_, TaskStatus.submitted): TaskStatus.returned,
    (TaskAction.submit, TaskStatus.returned): TaskStatus.submitted,
}


def allowed_actions(status: TaskStatus | str) -> list[str]:
    status = TaskStatus(status)
    return [a.value for a in TaskAction if (a, status) in TRANSITIONS]


def next_status(action: TaskAction, status: TaskStatus | str) -> TaskStatus:
    """S2: the state after `action`, or InvalidTransition (409) naming what is allowed."""
    status = TaskStatus(status)
    try:
        return TRANSITIONS[(action, status)]
    except KeyError:
        allowed = allowed_actions(status)
        raise InvalidTransition(
            f"cannot {action.value} a supervision task that is {status.value}; allowed: {', '.join(allowed) or 'none'}",
            current_status=status.value,
            allowed_actions=allowed,
        ) from None


def is_overdue(status: TaskStatus | str, due_on: date, today: date) -> bool:
    """S2: overdue when not accepted and today (Asia/Shanghai) is past `due_on`."""
    return TaskStatus(status) is not TaskStatus.accepted and today > due_on


# --- who may see and act (A1–A3 applied to tasks) --------------------------------------------


@dataclass(frozen=True)
class TaskAudience:
    """Which tasks a caller sees: all of them, those of one org unit (as assignee or
    target), or none."""

    all: bool = False
    org_unit_id: UUID | None = None


def task_audience(p: Principal) -> TaskAudience:
    """Street office staff and district systems see every task; a village or department
    officer the tasks assigned to or targeting its unit; enterprises none."""
    if p.role in SEES_ALL:
        return TaskAudience(all=True)
    if p.role in UNIT_OFFICERS and p.org_unit_id is not None:
        return TaskAudience(org_unit_id=p.org_unit_id)
    return TaskAudience()


def sees_task(p: Principal, *, assignee_org_unit_id: UUID, target_org_unit_id: UUID | None) -> bool:
    audience = task_audience(p)
    if audience.all:
        return True
    return audience.org_unit_id is not None and audience.org_unit_id in (assignee_org_unit_id, target_org_unit_id)


def sees_referrals(p: Principal) -> bool:
    """S3: referrals of misconduct (移交) are for the street office and district systems;
    the supervised units' officers do not read them."""
    return p.role in SEES_ALL


def may_manage_tasks(p: Principal) -> bool:
    """S2/S3: the street office creates tasks, accepts or returns them, records a round's
    findings and its referrals."""
    return p.role in STREET_STAFF


def may_submit(p: Principal, *, assignee_org_unit_id: UUID) -> bool:
    """S2: only the assignee unit's own officers submit; the street office does not submit
    on a unit's behalf."""
    return p.role in UNIT_OFFICERS and p.org_unit_id == assignee_org_unit_id


def check_actor(action: TaskAction, p: Principal, *, assignee_org_unit_id: UUID) -> None:
    """Who may take each action on a task the caller can see (403 otherwise)."""
    if p.role is Role.district_viewer:
        raise Forbidden("district_viewer clients are read-only")
    if action is TaskAction.submit:
        if not may_submit(p, assignee_org_unit_id=assignee_org_unit_id):
            raise Forbidden("only officers of the assignee unit may submit a supervision task (S2)")
    elif not may_manage_tasks(p):
        raise Forbidden(f"only street_admin and supervisor may {action.value} a supervision task (S2)")


def check_manager(p: Principal, what: str) -> None:
    if not may_manage_tasks(p):
        raise Forbidden(f"only street_admin and supervisor may {what} (S2, S3)")


# --- input rules ------------------------------------------------------------------------------


def check_completed_on(completed_on: date, *, today: date, created_on: date) -> None:
    """S2/C3: the acceptance's business date defaults to today; it may be earlier (signed on
    paper, entered later), never in the future and never before the task was created."""
    if completed_on > today:
        raise RuleViolation("completed_on is in the future", [FieldError("completed_on", "may not be in the future")])
    if completed_on < created_on:
        raise RuleViolation(
            "completed_on is before the task was created",
            [FieldError("completed_on", f"may not be before the task was created ({created_on.isoformat()})")],
        )


def kind_problems(
    kind: TaskKind | str, *, target_org_unit_id: UUID | None, hazard_id: UUID | None
) -> list[FieldError]:
    """S1: a round is on a village or department (its target); hazard oversight is about a hazard."""
    kind = TaskKind(kind)
    errors = []
    if kind is TaskKind.supervision_round and target_org_unit_id is None:
        errors.append(FieldError("target_org_unit_id", "required for a supervision_round: the village or department supervised"))
    if kind is TaskKind.hazard_oversight and hazard_id is None:
        errors.append(FieldError("hazard_id", "required for hazard_oversight"))
    return errors
