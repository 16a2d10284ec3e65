"""A1–A4 on /enterprises, as tables of (role, object, expected status) over all six roles.

E1 (V1, construction), E2 (V1, fire), E3 (V2, construction), E4 (V2, hazardous_chemicals);
the department officer is of 住建所 (gas, construction, self_built_housing), the village
officer of V1, the enterprise user of E1."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.db.models import Enterprise, OrgUnit
from tests.factories import assert_problem, enterprise_payload, problem_fields

URL = "/api/v1/enterprises"
ROLES = ["street_admin", "supervisor", "department_officer", "village_officer", "enterprise_user", "district_viewer"]


@dataclass
class Matrix:
    v1: OrgUnit
    v2: OrgUnit
    enterprises: dict[str, Enterprise]
    headers: dict[str, dict[str, str]]

    def ids(self, names: list[str]) -> list[str]:
        """Ids of the named enterprises in the API's order (by id)."""
        return sorted(str(self.enterprises[n].id) for n in names)


@pytest.fixture
async def m(world) -> Matrix:  # type: ignore[no-untyped-def]
    v1, v2 = await world.village("V1"), await world.village("V2")
    enterprises = {
        "E1": await world.enterprise(v1, "construction"),
        "E2": await world.enterprise(v1, "fire"),
        "E3": await world.enterprise(v2, "construction"),
        "E4": await world.enterprise(v2, "hazardous_chemicals"),
    }
    headers = {
        "street_admin": await world.as_("street_admin"),
        "supervisor": await world.as_("supervisor"),
        "department_officer": await world.as_("department_officer", org_unit=await world.department("housing_construction")),
        "village_officer": await world.as_("village_officer", org_unit=v1),
        "enterprise_user": await world.as_("enterprise_user", enterprise=enterprises["E1"]),
        "district_viewer": await world.as_("district_viewer"),
    }
    return Matrix(v1, v2, enterprises, headers)


VISIBLE = {
    "street_admin": ["E1", "E2", "E3", "E4"],
    "supervisor": ["E1", "E2", "E3", "E4"],
    "district_viewer": ["E1", "E2", "E3", "E4"],
    "department_officer": ["E1", "E3"],
    "village_officer": ["E1", "E2"],
    "enterprise_user": ["E1"],
}


# --- A1: lists contain only visible rows -----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
async def test_a1_list_contains_only_visible_enterprises(client, m, role):
    r = await client.get(f"{URL}?limit=200", headers=m.headers[role])
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == m.ids(VISIBLE[role])


@pytest.mark.parametrize("role", ROLES)
async def test_a1_filters_cannot_widen_the_scope(client, m, role):
    r = await client.get(f"{URL}?limit=200&village_id={m.v2.id}&sector=construction", headers=m.headers[role])
    expected = [n for n in VISIBLE[role] if n == "E3"]
    assert [i["id"] for i in r.json()["items"]] == m.ids(expected)


@pytest.mark.parametrize("role", ROLES)
async def test_a1_pagination_stays_in_scope(client, m, role):
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=m.headers[role])).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == m.ids(VISIBLE[role])


# --- A2: by id, 404 for invisible (never 403, never data) -------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["E1", "E2", "E3", "E4"])
async def test_a2_get_by_id(client, m, role, name):
    enterprise = m.enterprises[name]
    r = await client.get(f"{URL}/{enterprise.id}", headers=m.headers[role])
    if name in VISIBLE[role]:
        assert r.status_code == 200, r.text
        assert r.json()["id"] == str(enterprise.id)
        assert r.headers["etag"] == '"1"'
    else:
        body = assert_problem(r, 404, "not_found")
        for secret in (enterprise.name, enterprise.credit_code, str(enterprise.village_id), enterprise.sector):
            assert secret not in r.text
        assert "etag" not in r.headers
        # exactly what an id that does not exist answers
        ghost = uuid.uuid4()
        missing = assert_problem(await client.get(f"{URL}/{ghost}", headers=m.headers[role]), 404, "not_found")
        assert {**body, "detail": None, "instance": None} == {**missing, "detail": None, "instance": None}
        assert body["detail"].replace(str(enterprise.id), str(ghost)) == missing["detail"]


# --- create: who registers where ---------------------------------------------------------------

CREATE = [
    # role, village, sector, expected
    ("street_admin", "v2", "hazardous_chemicals", 201),
    ("supervisor", "v1", "fire", 201),
    ("department_officer", "v2", "construction", 201),
    ("department_officer", "v1", "gas", 201),
    ("department_officer", "v1", "fire", 403),
    ("department_officer", "v2", "hazardous_chemicals", 403),
    ("village_officer", "v1", "fire", 201),
    ("village_officer", "v1", "hazardous_chemicals", 201),
    ("village_officer", "v2", "fire", 403),
    ("enterprise_user", "v1", "construction", 403),
    ("district_viewer", "v1", "construction", 403),
]


@pytest.mark.parametrize(("role", "village", "sector", "expected"), CREATE)
async def test_a1_a3_create(client, m, session, role, village, sector, expected):
    before = (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one()
    village_id = m.v1.id if village == "v1" else m.v2.id
    r = await client.post(URL, json=enterprise_payload(village_id, sector), headers=m.headers[role])
    after = (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one()
    if expected == 201:
        assert r.status_code == 201, r.text
        assert after == before + 1
        # the creator sees what it created
        assert (await client.get(r.headers["location"], headers=m.headers[role])).status_code == 200
    else:
        assert_problem(r, 403, "forbidden")
        assert after == before


# --- PATCH: 200 / 403 / 404 --------------------------------------------------------------------

PATCH_ADDRESS = {
    "street_admin": {"E1": 200, "E2": 200, "E3": 200, "E4": 200},
    "supervisor": {"E1": 200, "E2": 200, "E3": 200, "E4": 200},
    "department_officer": {"E1": 200, "E2": 404, "E3": 200, "E4": 404},
    "village_officer": {"E1": 200, "E2": 200, "E3": 404, "E4": 404},
    "enterprise_user": {"E1": 200, "E2": 404, "E3": 404, "E4": 404},
    "district_viewer": {"E1": 403, "E2": 403, "E3": 403, "E4": 403},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["E1", "E2", "E3", "E4"])
async def test_a2_a3_patch(client, m, session, role, name):
    enterprise = m.enterprises[name]
    expected = PATCH_ADDRESS[role][name]
    r = await client.patch(f"{URL}/{enterprise.id}", json={"address": "新地址"}, headers=m.headers[role])
    await session.refresh(enterprise)
    if expected == 200:
        assert r.status_code == 200, r.text
        assert r.json()["address"] == "新地址" and enterprise.address == "新地址"
    else:
        assert_problem(r, expected, "forbidden" if expected == 403 else "not_found")
        assert enterprise.address is None and enterprise.version == 1
        if expected == 404:
            assert enterprise.name not in r.text and enterprise.credit_code not in r.text


ENTERPRISE_USER_PATCH = [
    ({"principal": {"name": "王强", "phone": "13911112222"}}, 200),
    ({"actual_controller": {"name": "王建国", "phone": "13911113333"}}, 200),
    ({"standardization_level": "2", "benchmark": True}, 200),
    ({"status": "suspended"}, 403),
    ({"village_id": "V2"}, 403),
    ({"sector": "fire"}, 403),
    ({"high_risk": False}, 403),
    ({"name": "改名"}, 403),
    ({"tags": ["confined_space"]}, 403),
    ({"registered_on": "2019-01-01"}, 403),
    ({"principal": {"name": "王强", "phone": "13911112222"}, "status": "closed"}, 403),
]


@pytest.mark.parametrize(("body", "expected"), ENTERPRISE_USER_PATCH)
async def test_a2_enterprise_user_may_update_contacts_only(client, m, session, body, expected):
    e1 = m.enterprises["E1"]
    if body.get("village_id") == "V2":
        body = {**body, "village_id": str(m.v2.id)}
    r = await client.patch(f"{URL}/{e1.id}", json=body, headers=m.headers["enterprise_user"])
    await session.refresh(e1)
    if expected == 200:
        assert r.status_code == 200, r.text
        assert e1.version == 2
    else:
        assert_problem(r, 403, "forbidden")
        assert e1.version == 1 and e1.status == "active" and e1.principal_phone == "13800138000"


async def test_a2_enterprise_user_may_echo_unchanged_restricted_fields(client, m):
    """A client that sends the resource back with only its phone changed is not refused."""
    e1 = m.enterprises["E1"]
    r = await client.patch(
        f"{URL}/{e1.id}",
        json={"status": "active", "sector": "construction", "principal": {"name": "王强", "phone": "13911112222"}},
        headers=m.headers["enterprise_user"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["principal"]["phone"] == "13911112222"


async def test_a2_village_officer_cannot_move_an_enterprise_to_another_village(client, m, session):
    e1 = m.enterprises["E1"]
    r = await client.patch(f"{URL}/{e1.id}", json={"village_id": str(m.v2.id)}, headers=m.headers["village_officer"])
    assert_problem(r, 403, "forbidden")
    await session.refresh(e1)
    assert e1.village_id == m.v1.id and e1.version == 1


async def test_a2_department_officer_cannot_move_an_enterprise_out_of_its_sectors(client, m, session):
    e1 = m.enterprises["E1"]
    r = await client.patch(f"{URL}/{e1.id}", json={"sector": "fire"}, headers=m.headers["department_officer"])
    assert_problem(r, 403, "forbidden")
    r = await client.patch(f"{URL}/{e1.id}", json={"sector": "gas"}, headers=m.headers["department_officer"])
    assert r.status_code == 200 and r.json()["sector"] == "gas"


async def test_a2_street_admin_moves_enterprises_anywhere(client, m):
    e1 = m.enterprises["E1"]
    r = await client.patch(f"{URL}/{e1.id}", json={"village_id": str(m.v2.id), "sector": "fire"}, headers=m.headers["street_admin"])
    assert r.status_code == 200, r.text
    # and the village officer of V1 no longer sees it
    assert_problem(await client.get(f"{URL}/{e1.id}", headers=m.headers["village_officer"]), 404, "not_found")


@pytest.mark.parametrize("role", ROLES)
async def test_a1_unauthenticated_is_401(client, m, role):
    e1 = m.enterprises["E1"]
    for r in (
        await client.get(URL),
        await client.get(f"{URL}/{e1.id}"),
        await client.post(URL, json=enterprise_payload(m.v1.id)),
        await client.patch(f"{URL}/{e1.id}", json={"address": "x"}),
    ):
        assert_problem(r, 401, "unauthenticated")


# --- A4: server-owned fields are rejected, never stored ----------------------------------------

SERVER_OWNED = {
    "id": lambda: str(uuid.uuid4()),
    "created_at": lambda: "2020-01-01T00:00:00Z",
    "updated_at": lambda: "2020-01-01T00:00:00Z",
    "created_by": lambda: str(uuid.uuid4()),
    "version": lambda: 99,
    "is_admin": lambda: True,
}


@pytest.mark.parametrize("field", list(SERVER_OWNED))
async def test_a4_server_owned_fields_in_create_are_422(client, m, session, field):
    before = (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one()
    body = enterprise_payload(m.v1.id, **{field: SERVER_OWNED[field]()})
    r = await client.post(URL, json=body, headers=m.headers["street_admin"])
    assert problem_fields(r) == [field]
    assert (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one() == before
    stored = (await session.execute(select(Enterprise).where(Enterprise.credit_code == body["credit_code"]))).first()
    assert stored is None


@pytest.mark.parametrize("field", [*SERVER_OWNED, "credit_code"])
async def test_a4_server_owned_fields_in_patch_are_422(client, m, session, field):
    e2 = m.enterprises["E2"]
    value = SERVER_OWNED[field]() if field in SERVER_OWNED else "91340100MA2N0K1X2B"
    r = await client.patch(f"{URL}/{e2.id}", json={"address": "不应保存", field: value}, headers=m.headers["street_admin"])
    assert problem_fields(r) == [field]
    await session.refresh(e2)
    assert e2.address is None and e2.version == 1 and e2.created_by is None


@pytest.mark.parametrize("field", ["principal", "actual_controller"])
async def test_a4_unknown_nested_fields_are_422(client, m, field):
    body = enterprise_payload(m.v1.id, **{field: {"name": "王强", "phone": "13800138000", "id_card": "x"}})
    assert problem_fields(await client.post(URL, json=body, headers=m.headers["street_admin"])) == [f"{field}.id_card"]


async def test_a4_created_by_is_the_caller(client, m, session):
    r = await client.post(URL, json=enterprise_payload(m.v1.id), headers=m.headers["village_officer"])
    assert r.status_code == 201
    stored = await session.get(Enterprise, uuid.UUID(r.json()["id"]))
    me = (await client.get("/api/v1/auth/me", headers=m.headers["village_officer"])).json()
    assert str(stored.created_by) == me["id"]
