"""H2, H5, H6 as pure rules: the lifecycle table over every (action, state) pair and who may
take each action, for every role, grade and relation to the hazard (no database)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from app.domain.access import Principal
from app.domain.enums import Role
from app.domain.errors import Forbidden, InvalidTransition
from app.domain.hazards import (
    OPEN_STATES,
    Action,
    HazardStatus,
    allowed_actions,
    check_actor,
    is_overdue,
    may_sign_off,
    next_status,
)

R, P, V, C, X = "reported", "rectifying", "pending_review", "closed", "void"

# H2 written out by hand: (action, from) -> to; every pair not listed is illegal.
EXPECTED = {
    ("plan", R): P,
    ("submit", P): V,
    ("approve", V): C,
    ("reject", V): P,
    ("reopen", C): P,
    ("void", R): X, ("void", P): X, ("void", V): X,
    ("extend", P): P, ("extend", V): V,
}
ALLOWED = {
    R: ["plan", "void"],
    P: ["submit", "void", "extend"],
    V: ["approve", "reject", "void", "extend"],
    C: ["reopen"],
    X: [],
}
PAIRS = [(a, s) for a in Action for s in HazardStatus]


@pytest.mark.parametrize("action,status", PAIRS, ids=[f"{a}-{s}" for a, s in PAIRS])
def test_h2_every_action_from_every_state(action, status):
    expected = EXPECTED.get((action.value, status.value))
    if expected is not None:
        assert next_status(action, status) is HazardStatus(expected)
    else:
        with pytest.raises(InvalidTransition) as err:
            next_status(action, status)
        assert err.value.code == "invalid_transition"
        assert err.value.extra == {"current_status": status.value, "allowed_actions": ALLOWED[status.value]}
        assert status.value in err.value.detail and action.value in err.value.detail


@pytest.mark.parametrize("status", list(HazardStatus))
def test_h2_allowed_actions_per_state(status):
    assert allowed_actions(status) == ALLOWED[status.value]


def test_open_states_are_the_three_before_the_end():
    assert OPEN_STATES == {HazardStatus(R), HazardStatus(P), HazardStatus(V)}


# --- who may act (H2 reopen, H5 sign-off and void, H6 extend, A3 read-only) -------------

VILLAGE, OTHER_VILLAGE, DEPT = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
SECTOR = "hazardous_chemicals"  # led by emergency_management


def principal(role: Role, relation: str) -> Principal:
    """`relation`: own (the hazard's village / the sector's lead department / its enterprise)
    or other."""
    own = relation == "own"
    org_unit = {Role.village_officer: VILLAGE if own else OTHER_VILLAGE, Role.department_officer: DEPT}.get(role)
    return Principal(
        user_id=uuid.uuid4(), username="u", role=role, org_unit_id=org_unit,
        enterprise_id=uuid.uuid4() if role is Role.enterprise_user else None,
        lead_sectors=frozenset({SECTOR} if own else {"construction"}) if role is Role.department_officer else frozenset(),
    )


def may_close(role: Role, grade: str, relation: str) -> bool:
    """H5 written out: street_admin always; the sector's lead department always; the
    hazard's village officer for a general hazard; nobody else."""
    if role is Role.street_admin:
        return True
    if role is Role.department_officer:
        return relation == "own"
    if role is Role.village_officer:
        return grade == "general" and relation == "own"
    return False


def may_take(action: Action, role: Role, grade: str, relation: str) -> bool:
    if role is Role.district_viewer:
        return False
    if action in (Action.approve, Action.reject, Action.void):
        return may_close(role, grade, relation)
    if action is Action.reopen:
        return role is Role.street_admin
    if action is Action.extend:
        return role is not Role.enterprise_user
    return True  # plan, submit: anyone who can see it and write


CASES = [(a, r, g, rel) for a in Action for r in Role for g in ("major", "general") for rel in ("own", "other")]


@pytest.mark.parametrize("action,role,grade,relation", CASES, ids=[f"{a}-{r}-{g}-{rel}" for a, r, g, rel in CASES])
def test_h5_who_may_take_each_action(action, role, grade, relation):
    p = principal(role, relation)
    if may_take(action, role, grade, relation):
        check_actor(action, p, grade=grade, village_id=VILLAGE, sector=SECTOR)
    else:
        with pytest.raises(Forbidden):
            check_actor(action, p, grade=grade, village_id=VILLAGE, sector=SECTOR)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("grade", ["major", "general"])
@pytest.mark.parametrize("relation", ["own", "other"])
def test_h5_may_sign_off(role, grade, relation):
    p = principal(role, relation)
    assert may_sign_off(p, grade=grade, village_id=VILLAGE, sector=SECTOR) is may_close(role, grade, relation)


# --- H6 overdue ---------------------------------------------------------------------------

@pytest.mark.parametrize("status", list(HazardStatus))
def test_h6_overdue_is_open_and_past_the_deadline(status):
    deadline = date(2025, 3, 31)
    is_open = status.value in (R, P, V)
    assert is_overdue(status, deadline, date(2025, 4, 1)) is is_open
    assert is_overdue(status, deadline, date(2025, 3, 31)) is False  # the deadline day itself is not late
    assert is_overdue(status, None, date(2030, 1, 1)) is False
