"""S1–S3 as pure rules (no database): the transition table, overdue, who sees and acts."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from app.domain.access import Principal
from app.domain.enums import Role
from app.domain.errors import FieldError, Forbidden, InvalidTransition, RuleViolation
from app.domain.supervision import (
    TRANSITIONS,
    TaskAction,
    TaskKind,
    TaskStatus,
    allowed_actions,
    check_actor,
    check_completed_on,
    is_overdue,
    kind_problems,
    may_manage_tasks,
    may_submit,
    next_status,
    sees_referrals,
    sees_task,
    task_audience,
)

VILLAGE, OTHER_VILLAGE, DEPT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def principal(role: Role, org_unit: uuid.UUID | None = None) -> Principal:
    return Principal(
        user_id=uuid.uuid4(), username=role.value, role=role, org_unit_id=org_unit,
        enterprise_id=uuid.uuid4() if role is Role.enterprise_user else None,
    )


ROLES = {
    "street_admin": principal(Role.street_admin),
    "supervisor": principal(Role.supervisor),
    "district_viewer": principal(Role.district_viewer),
    "assignee_village": principal(Role.village_officer, VILLAGE),
    "other_village": principal(Role.village_officer, OTHER_VILLAGE),
    "target_department": principal(Role.department_officer, DEPT),
    "enterprise_user": principal(Role.enterprise_user),
}


# --- S2 transitions ---------------------------------------------------------------------------

@pytest.mark.parametrize("action,start,end", [
    (TaskAction.submit, TaskStatus.open, TaskStatus.submitted),
    (TaskAction.accept, TaskStatus.submitted, TaskStatus.accepted),
    (TaskAction.return_, TaskStatus.submitted, TaskStatus.returned),
    (TaskAction.submit, TaskStatus.returned, TaskStatus.submitted),
])
def test_s2_legal_transitions(action, start, end):
    assert next_status(action, start) is end


def test_s2_table_has_exactly_the_four_steps():
    assert len(TRANSITIONS) == 4


ILLEGAL = [(a, s) for a in TaskAction for s in TaskStatus if (a, s) not in TRANSITIONS]


@pytest.mark.parametrize("action,status", ILLEGAL)
def test_s2_illegal_transitions_raise_naming_state_and_allowed_actions(action, status):
    with pytest.raises(InvalidTransition) as exc:
        next_status(action, status)
    assert exc.value.extra["current_status"] == status.value
    assert exc.value.extra["allowed_actions"] == allowed_actions(status)
    assert exc.value.code == "invalid_transition"


def test_s2_allowed_actions_per_state():
    assert allowed_actions("open") == ["submit"]
    assert allowed_actions("submitted") == ["accept", "return"]
    assert allowed_actions("returned") == ["submit"]
    assert allowed_actions("accepted") == []


def test_s2_accepted_is_final():
    for action in TaskAction:
        with pytest.raises(InvalidTransition):
            next_status(action, TaskStatus.accepted)


# --- S2 overdue -------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [s for s in TaskStatus if s is not TaskStatus.accepted])
def test_s2_overdue_only_after_due_on(status):
    due = date(2025, 6, 30)
    assert not is_overdue(status, due, date(2025, 6, 29))
    assert not is_overdue(status, due, due)
    assert is_overdue(status, due, date(2025, 7, 1))


def test_s2_accepted_task_is_never_overdue():
    assert not is_overdue(TaskStatus.accepted, date(2025, 6, 30), date(2026, 1, 1))


# --- S2 accept date ---------------------------------------------------------------------------

def test_s2_completed_on_may_be_earlier_but_not_future_nor_before_creation():
    today, created = date(2025, 7, 3), date(2025, 6, 1)
    check_completed_on(date(2025, 6, 28), today=today, created_on=created)
    check_completed_on(created, today=today, created_on=created)
    check_completed_on(today, today=today, created_on=created)
    for bad in (date(2025, 7, 4), date(2025, 5, 31)):
        with pytest.raises(RuleViolation) as exc:
            check_completed_on(bad, today=today, created_on=created)
        assert exc.value.errors[0].field == "completed_on"


# --- S1 kinds ---------------------------------------------------------------------------------

def test_s1_round_needs_target_and_oversight_needs_hazard():
    assert [e.field for e in kind_problems(TaskKind.supervision_round, target_org_unit_id=None, hazard_id=None)] == [
        "target_org_unit_id"
    ]
    assert [e.field for e in kind_problems(TaskKind.hazard_oversight, target_org_unit_id=None, hazard_id=None)] == [
        "hazard_id"
    ]
    assert kind_problems(TaskKind.supervision_round, target_org_unit_id=VILLAGE, hazard_id=None) == []
    assert kind_problems(TaskKind.plan_measure, target_org_unit_id=None, hazard_id=None) == []
    assert kind_problems(TaskKind.ad_hoc, target_org_unit_id=None, hazard_id=None) == []
    assert all(isinstance(e, FieldError) for e in kind_problems("hazard_oversight", target_org_unit_id=None, hazard_id=None))


# --- who sees and acts ------------------------------------------------------------------------

@pytest.mark.parametrize("who,sees", [
    ("street_admin", True), ("supervisor", True), ("district_viewer", True),
    ("assignee_village", True), ("target_department", True), ("other_village", False), ("enterprise_user", False),
])
def test_a1_task_visibility(who, sees):
    assert sees_task(ROLES[who], assignee_org_unit_id=VILLAGE, target_org_unit_id=DEPT) is sees


def test_a1_enterprise_users_see_no_tasks_at_all():
    audience = task_audience(ROLES["enterprise_user"])
    assert not audience.all and audience.org_unit_id is None


def test_s3_referrals_are_for_the_street_office_and_district_systems():
    assert [w for w, p in ROLES.items() if sees_referrals(p)] == ["street_admin", "supervisor", "district_viewer"]


# (role, action) -> allowed; the task is assigned to VILLAGE and targets DEPT.
MATRIX = {
    "street_admin": {"submit": False, "accept": True, "return": True},
    "supervisor": {"submit": False, "accept": True, "return": True},
    "district_viewer": {"submit": False, "accept": False, "return": False},
    "assignee_village": {"submit": True, "accept": False, "return": False},
    "other_village": {"submit": False, "accept": False, "return": False},
    "target_department": {"submit": False, "accept": False, "return": False},
    "enterprise_user": {"submit": False, "accept": False, "return": False},
}


@pytest.mark.parametrize("who", MATRIX)
@pytest.mark.parametrize("action", list(TaskAction))
def test_s2_who_may_act(who, action):
    allowed = MATRIX[who][action.value]
    if allowed:
        check_actor(action, ROLES[who], assignee_org_unit_id=VILLAGE)
    else:
        with pytest.raises(Forbidden):
            check_actor(action, ROLES[who], assignee_org_unit_id=VILLAGE)


def test_s2_only_street_office_manages_and_only_assignee_submits():
    assert [w for w, p in ROLES.items() if may_manage_tasks(p)] == ["street_admin", "supervisor"]
    assert [w for w, p in ROLES.items() if may_submit(p, assignee_org_unit_id=VILLAGE)] == ["assignee_village"]
    assert [w for w, p in ROLES.items() if may_submit(p, assignee_org_unit_id=DEPT)] == ["target_department"]
