"""/sectors, /org-units, /users (A3: only street_admin manages users and org units)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.db.models import AppUser, OrgUnit
from app.domain.sectors import SECTORS
from tests.factories import assert_problem, problem_fields

LED = {s.code: s.lead_department for s in SECTORS if s.lead_department}
HIGH_RISK = {"construction", "hazardous_chemicals", "road_transport", "civil_explosives"}
OTHER_ROLES = ["supervisor", "department_officer", "village_officer", "enterprise_user", "district_viewer"]


async def headers_for(world, role: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if role == "department_officer":
        return await world.as_(role, org_unit=await world.department("housing_construction"))
    if role == "village_officer":
        return await world.as_(role, org_unit=await world.village())
    if role == "enterprise_user":
        return await world.as_(role, enterprise=await world.enterprise(await world.village()))
    return await world.as_(role)


@pytest.fixture
async def admin(world):  # type: ignore[no-untyped-def]
    return await world.as_("street_admin")


async def test_sectors_list_all_21_with_leads_and_high_risk_defaults(client, world, admin):
    r = await client.get("/api/v1/sectors", headers=admin)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [s["code"] for s in items] == [s.code for s in SECTORS]
    assert len(items) == 21
    for item in items:
        assert set(item) == {"code", "name", "lead_department_id", "high_risk_default"}
        if item["code"] in LED:
            lead = await world.department(LED[item["code"]])
            assert item["lead_department_id"] == str(lead.id), item
        else:
            assert item["lead_department_id"] is None, item
        assert item["high_risk_default"] is (item["code"] in HIGH_RISK), item
    assert sum(1 for s in items if s["lead_department_id"]) == 15


@pytest.mark.parametrize("role", ["street_admin", *OTHER_ROLES])
async def test_every_role_reads_sectors_and_org_units(client, world, role):
    headers = await headers_for(world, role)
    assert (await client.get("/api/v1/sectors", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/org-units", headers=headers)).status_code == 200


async def test_sectors_need_a_token(client):
    assert_problem(await client.get("/api/v1/sectors"), 401, "unauthenticated")


async def test_create_village(client, admin, session):
    r = await client.post("/api/v1/org-units", json={"kind": "village", "name": "东湖村", "code": "donghu"}, headers=admin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/api/v1/org-units/{body['id']}"
    assert body["kind"] == "village" and body["name"] == "东湖村" and body["code"] == "donghu"
    assert body["lead_sectors"] == []
    assert (await session.get(OrgUnit, uuid.UUID(body["id"]))).name == "东湖村"
    got = await client.get(r.headers["location"], headers=admin)
    assert got.status_code == 200 and got.json() == body


async def test_create_department_with_lead_sectors(client, admin):
    r = await client.post(
        "/api/v1/org-units",
        json={"kind": "department", "name": "商务办", "lead_sectors": ["commerce", "postal"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    dept = r.json()
    assert dept["lead_sectors"] == ["commerce", "postal"]
    sectors = {s["code"]: s for s in (await client.get("/api/v1/sectors", headers=admin)).json()["items"]}
    assert sectors["commerce"]["lead_department_id"] == dept["id"]
    assert sectors["postal"]["lead_department_id"] == dept["id"]
    assert sectors["power"]["lead_department_id"] is None
    listed = (await client.get("/api/v1/org-units?kind=department&limit=200", headers=admin)).json()["items"]
    assert next(u for u in listed if u["id"] == dept["id"])["lead_sectors"] == ["commerce", "postal"]


async def test_lead_sectors_move_from_their_old_department(client, admin, world):
    r = await client.post(
        "/api/v1/org-units", json={"kind": "department", "name": "燃气办", "lead_sectors": ["gas"]}, headers=admin
    )
    assert r.status_code == 201
    housing = await world.department("housing_construction")
    old = (await client.get(f"/api/v1/org-units/{housing.id}", headers=admin)).json()
    assert old["lead_sectors"] == ["construction", "self_built_housing"]


async def test_lead_sectors_on_a_village_is_422(client, admin, session):
    before = (await session.execute(select(func.count()).select_from(OrgUnit))).scalar_one()
    r = await client.post(
        "/api/v1/org-units", json={"kind": "village", "name": "西湖村", "lead_sectors": ["fire"]}, headers=admin
    )
    assert problem_fields(r) == ["lead_sectors"]
    assert (await session.execute(select(func.count()).select_from(OrgUnit))).scalar_one() == before


async def test_unknown_lead_sector_is_422(client, admin):
    r = await client.post(
        "/api/v1/org-units", json={"kind": "department", "name": "某办", "lead_sectors": ["fire", "space_travel"]}, headers=admin
    )
    body = assert_problem(r, 422)
    assert [e["field"] for e in body["errors"]] == ["lead_sectors"]
    assert "space_travel" in body["errors"][0]["message"]


async def test_duplicate_org_unit_code_is_409(client, admin):
    assert (await client.post("/api/v1/org-units", json={"kind": "village", "name": "甲村", "code": "jia"}, headers=admin)).status_code == 201
    r = await client.post("/api/v1/org-units", json={"kind": "village", "name": "甲村二", "code": "jia"}, headers=admin)
    assert_problem(r, 409, "duplicate_code")


async def test_org_unit_name_longer_than_the_column_is_422(client, admin):
    """The name is stored in 100 characters: 101 is a validation error naming the field."""
    r = await client.post("/api/v1/org-units", json={"kind": "village", "name": "村" * 101}, headers=admin)
    assert problem_fields(r) == ["name"]
    r = await client.post("/api/v1/org-units", json={"kind": "village", "name": "村" * 100}, headers=admin)
    assert r.status_code == 201, r.text


async def test_unknown_org_unit_is_404(client, admin):
    assert_problem(await client.get(f"/api/v1/org-units/{uuid.uuid4()}", headers=admin), 404, "not_found")


# --- users -----------------------------------------------------------------------------


async def test_create_users_of_every_role(client, admin, world):
    village = await world.village()
    enterprise = await world.enterprise(village)
    office = await world.street_office()
    dept = await world.department("emergency_management")
    cases = [
        {"role": "street_admin", "org_unit_id": str(office.id)},
        {"role": "supervisor", "org_unit_id": str(office.id)},
        {"role": "department_officer", "org_unit_id": str(dept.id)},
        {"role": "village_officer", "org_unit_id": str(village.id)},
        {"role": "enterprise_user", "enterprise_id": str(enterprise.id)},
        {"role": "district_viewer"},
    ]
    for n, case in enumerate(cases):
        body = {"username": f"new_user_{n}", "password": "a-long-password", **case}
        r = await client.post("/api/v1/users", json=body, headers=admin)
        assert r.status_code == 201, (case, r.text)
        created = r.json()
        assert r.headers["location"] == f"/api/v1/users/{created['id']}"
        assert created["role"] == case["role"]
        assert created["org_unit_id"] == case.get("org_unit_id")
        assert created["enterprise_id"] == case.get("enterprise_id")
        assert created["is_active"] is True
        assert "password" not in created and "password_hash" not in created
        token = await client.post(
            "/api/v1/auth/token",
            data=(
                {"grant_type": "client_credentials", "client_id": body["username"], "client_secret": body["password"]}
                if case["role"] == "district_viewer"
                else {"username": body["username"], "password": body["password"]}
            ),
        )
        assert token.status_code == 200, token.text


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("village_officer", "department"),
        ("village_officer", "office"),
        ("department_officer", "village"),
        ("street_admin", "village"),
        ("supervisor", "department"),
        ("village_officer", None),
        ("department_officer", "unknown"),
        ("district_viewer", "village"),
        ("enterprise_user", "village"),
    ],
)
async def test_role_org_unit_mismatch_is_422(client, admin, world, role, unit):
    units = {
        "department": (await world.department("police")).id,
        "office": (await world.street_office()).id,
        "village": (await world.village()).id,
        "unknown": uuid.uuid4(),
        None: None,
    }
    body = {"username": f"mismatch_{role}", "password": "a-long-password", "role": role}
    if units[unit] is not None:
        body["org_unit_id"] = str(units[unit])
    if role == "enterprise_user":
        body["enterprise_id"] = str((await world.enterprise(await world.village())).id)
    r = await client.post("/api/v1/users", json=body, headers=admin)
    assert problem_fields(r) == ["org_unit_id"]


async def test_enterprise_user_without_enterprise_is_422(client, admin):
    r = await client.post(
        "/api/v1/users", json={"username": "ent_nobody", "password": "a-long-password", "role": "enterprise_user"}, headers=admin
    )
    assert problem_fields(r) == ["enterprise_id"]
    r = await client.post(
        "/api/v1/users",
        json={"username": "ent_ghost", "password": "a-long-password", "role": "enterprise_user", "enterprise_id": str(uuid.uuid4())},
        headers=admin,
    )
    assert problem_fields(r) == ["enterprise_id"]


async def test_enterprise_for_a_staff_role_is_422(client, admin, world):
    enterprise = await world.enterprise(await world.village())
    r = await client.post(
        "/api/v1/users",
        json={"username": "viewer_ent", "password": "a-long-password", "role": "district_viewer", "enterprise_id": str(enterprise.id)},
        headers=admin,
    )
    assert problem_fields(r) == ["enterprise_id"]


async def test_duplicate_username_is_409_whatever_the_case(client, admin, world, session):
    await world.user("supervisor", username="taken_name")
    before = (await session.execute(select(func.count()).select_from(AppUser))).scalar_one()
    for name in ("taken_name", "Taken_Name"):
        r = await client.post(
            "/api/v1/users", json={"username": name, "password": "a-long-password", "role": "district_viewer"}, headers=admin
        )
        assert_problem(r, 409, "duplicate_username")
    assert (await session.execute(select(func.count()).select_from(AppUser))).scalar_one() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ab", "password": "a-long-password", "role": "district_viewer"}, "username"),
        ({"username": "has space", "password": "a-long-password", "role": "district_viewer"}, "username"),
        ({"username": "short_pw", "password": "short", "role": "district_viewer"}, "password"),
        ({"username": "bad_role", "password": "a-long-password", "role": "superuser"}, "role"),
        ({"username": "with_id", "password": "a-long-password", "role": "district_viewer", "id": str(uuid.uuid4())}, "id"),
        ({"username": "with_active", "password": "a-long-password", "role": "district_viewer", "is_active": False}, "is_active"),
    ],
)
async def test_invalid_user_bodies_are_422(client, admin, body, field):
    assert problem_fields(await client.post("/api/v1/users", json=body, headers=admin)) == [field]


async def test_list_and_get_users(client, admin, world):
    user = await world.user("supervisor", username="listed_user")
    r = await client.get("/api/v1/users?role=supervisor", headers=admin)
    assert r.status_code == 200
    assert [u["username"] for u in r.json()["items"]] == ["listed_user"]
    got = await client.get(f"/api/v1/users/{user.id}", headers=admin)
    assert got.status_code == 200 and got.json()["username"] == "listed_user"
    assert_problem(await client.get(f"/api/v1/users/{uuid.uuid4()}", headers=admin), 404, "not_found")


# --- A3: street_admin only ---------------------------------------------------------------


def _writes(world_ids: dict[str, str]) -> list[tuple[str, str, dict]]:
    return [
        ("POST", "/api/v1/org-units", {"kind": "village", "name": "越权村"}),
        ("POST", "/api/v1/org-units", {"kind": "department", "name": "越权办", "lead_sectors": ["fire"]}),
        ("POST", "/api/v1/users", {"username": "sneaky_admin", "password": "a-long-password", "role": "street_admin", "org_unit_id": world_ids["office"]}),
        ("POST", "/api/v1/users", {"username": "sneaky_bad", "password": "a-long-password", "role": "village_officer", "org_unit_id": world_ids["office"]}),
        ("GET", "/api/v1/users", {}),
        ("GET", f"/api/v1/users/{world_ids['user']}", {}),
        ("PATCH", f"/api/v1/users/{world_ids['user']}", {"is_active": False}),
    ]


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_a3_only_street_admin_manages_org_units_and_users(client, world, session, role):
    victim = await world.user("supervisor", username="victim_user")
    ids = {"office": str((await world.street_office()).id), "user": str(victim.id)}
    headers = await headers_for(world, role)
    units_before = (await session.execute(select(func.count()).select_from(OrgUnit))).scalar_one()
    users_before = (await session.execute(select(func.count()).select_from(AppUser))).scalar_one()
    for method, path, body in _writes(ids):
        r = await client.request(method, path, json=body or None, headers=headers)
        assert_problem(r, 403, "forbidden")
    assert (await session.execute(select(func.count()).select_from(OrgUnit))).scalar_one() == units_before
    assert (await session.execute(select(func.count()).select_from(AppUser))).scalar_one() == users_before
    await session.refresh(victim)
    assert victim.is_active is True


async def test_a3_without_a_token_is_401(client, world):
    victim = await world.user("supervisor")
    ids = {"office": str((await world.street_office()).id), "user": str(victim.id)}
    for method, path, body in _writes(ids):
        r = await client.request(method, path, json=body or None)
        assert_problem(r, 401, "unauthenticated")
