"""A1–A3 as pure policy functions (no database)."""

from __future__ import annotations

import uuid

import pytest

from app.domain.access import (
    Principal,
    Scope,
    ScopeKind,
    can_edit_enterprise,
    can_manage_users,
    can_register_enterprise,
    can_write,
    scope_for,
)
from app.domain.enums import Role

V1, V2 = uuid.uuid4(), uuid.uuid4()
DEPT = uuid.uuid4()
E1, E2 = uuid.uuid4(), uuid.uuid4()
HOUSING = frozenset({"gas", "construction", "self_built_housing"})


def principal(role: Role) -> Principal:
    org_unit = {Role.department_officer: DEPT, Role.village_officer: V1}.get(role)
    return Principal(
        user_id=uuid.uuid4(),
        username=role.value,
        role=role,
        org_unit_id=org_unit,
        enterprise_id=E1 if role is Role.enterprise_user else None,
        lead_sectors=HOUSING if role is Role.department_officer else frozenset(),
    )


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (Role.street_admin, ScopeKind.all),
        (Role.supervisor, ScopeKind.all),
        (Role.district_viewer, ScopeKind.all),
        (Role.department_officer, ScopeKind.sectors),
        (Role.village_officer, ScopeKind.village),
        (Role.enterprise_user, ScopeKind.enterprise),
    ],
)
def test_a1_scope_kind_by_role(role, kind):
    scope = scope_for(principal(role))
    assert scope.kind is kind


def test_a1_scope_values():
    assert scope_for(principal(Role.department_officer)).sectors == HOUSING
    assert scope_for(principal(Role.village_officer)).village_id == V1
    assert scope_for(principal(Role.enterprise_user)).enterprise_id == E1


# (enterprise id, village, sector) of four enterprises, like the API access matrix.
ENTERPRISES = {
    "E1": (E1, V1, "construction"),
    "E2": (E2, V1, "fire"),
    "E3": (uuid.uuid4(), V2, "construction"),
    "E4": (uuid.uuid4(), V2, "hazardous_chemicals"),
}
VISIBLE = {
    Role.street_admin: {"E1", "E2", "E3", "E4"},
    Role.supervisor: {"E1", "E2", "E3", "E4"},
    Role.district_viewer: {"E1", "E2", "E3", "E4"},
    Role.department_officer: {"E1", "E3"},
    Role.village_officer: {"E1", "E2"},
    Role.enterprise_user: {"E1"},
}


@pytest.mark.parametrize("role", list(Role))
def test_a1_sees(role):
    scope = scope_for(principal(role))
    seen = {
        name
        for name, (eid, village, sector) in ENTERPRISES.items()
        if scope.sees(enterprise_id=eid, village_id=village, sector=sector)
    }
    assert seen == VISIBLE[role]


def test_a1_empty_scopes_see_nothing():
    """A department that leads no sector, or a user without a unit, sees nothing."""
    for scope in (Scope(ScopeKind.sectors), Scope(ScopeKind.village), Scope(ScopeKind.enterprise)):
        for eid, village, sector in ENTERPRISES.values():
            assert not scope.sees(enterprise_id=eid, village_id=village, sector=sector)


@pytest.mark.parametrize(("role", "expected"), [(r, r is not Role.district_viewer) for r in Role])
def test_a3_only_district_viewer_never_writes(role, expected):
    assert can_write(principal(role)) is expected


@pytest.mark.parametrize(("role", "expected"), [(r, r is Role.street_admin) for r in Role])
def test_a3_only_street_admin_manages_users(role, expected):
    assert can_manage_users(principal(role)) is expected


@pytest.mark.parametrize(
    ("role", "village", "sector", "allowed"),
    [
        (Role.street_admin, V2, "fire", True),
        (Role.supervisor, V2, "hazardous_chemicals", True),
        (Role.village_officer, V1, "fire", True),
        (Role.village_officer, V2, "fire", False),
        (Role.department_officer, V2, "construction", True),
        (Role.department_officer, V1, "fire", False),
        (Role.enterprise_user, V1, "construction", False),
        (Role.district_viewer, V1, "construction", False),
    ],
)
def test_a1_who_registers_enterprises(role, village, sector, allowed):
    reason = can_register_enterprise(principal(role), village_id=village, sector=sector)
    assert (reason is None) is allowed
    if not allowed:
        assert isinstance(reason, str) and reason


@pytest.mark.parametrize(
    ("role", "changes", "allowed"),
    [
        (Role.street_admin, {"status", "village_id", "sector"}, True),
        (Role.supervisor, {"high_risk"}, True),
        (Role.village_officer, {"status"}, True),
        (Role.department_officer, {"sector"}, True),
        (Role.enterprise_user, {"principal", "actual_controller", "address"}, True),
        (Role.enterprise_user, {"standardization_level", "benchmark"}, True),
        (Role.enterprise_user, set(), True),
        (Role.enterprise_user, {"status"}, False),
        (Role.enterprise_user, {"village_id"}, False),
        (Role.enterprise_user, {"sector"}, False),
        (Role.enterprise_user, {"high_risk"}, False),
        (Role.enterprise_user, {"name", "principal"}, False),
        (Role.district_viewer, {"address"}, False),
        (Role.district_viewer, set(), False),
    ],
)
def test_a2_who_edits_enterprises(role, changes, allowed):
    reason = can_edit_enterprise(principal(role), changes)
    assert (reason is None) is allowed


def test_a2_enterprise_user_refusal_names_the_fields():
    reason = can_edit_enterprise(principal(Role.enterprise_user), {"village_id", "status", "address"})
    assert reason == "enterprise users may not change status, village_id"
