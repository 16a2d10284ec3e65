"""/enterprises: registry (E1), validation (E2), filters, keyset pagination, ETag/If-Match."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from sqlalchemy import func, select

from app.db.models import Enterprise, EnterpriseState
from app.domain.enterprises import CREDIT_CODE_CHARSET, credit_code_check_character
from tests.factories import (
    assert_problem,
    credit_code,
    enterprise_payload,
    problem_fields,
)

URL = "/api/v1/enterprises"


@pytest.fixture
async def admin(world):  # type: ignore[no-untyped-def]
    return await world.as_("street_admin")


@pytest.fixture
async def village(world):  # type: ignore[no-untyped-def]
    return await world.village()


async def counts(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    enterprises = (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one()
    states = (await session.execute(select(func.count()).select_from(EnterpriseState))).scalar_one()
    return enterprises, states


def wrong_check_character(code: str) -> str:
    return code[:17] + next(c for c in CREDIT_CODE_CHARSET if c != code[17])


# --- create (E1) ---------------------------------------------------------------------------


async def test_e1_create(client, admin, village, session):
    body = enterprise_payload(
        village.id,
        "hazardous_chemicals",
        tags=["confined_space", "dust_explosion"],
        address="东湖路1号",
        standardization_level="3",
        benchmark=True,
    )
    r = await client.post(URL, json=body, headers=admin)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["location"] == f"{URL}/{created['id']}"
    assert r.headers["etag"] == '"1"'
    assert created == {
        "id": created["id"],
        "name": body["name"],
        "credit_code": body["credit_code"],
        "village_id": str(village.id),
        "sector": "hazardous_chemicals",
        "high_risk": True,
        "status": "active",
        "registered_on": "2021-05-10",
        "tags": ["confined_space", "dust_explosion"],
        "principal": {"name": "王强", "phone": "13800138000"},
        "actual_controller": {"name": "王建国", "phone": "13900139000"},
        "address": "东湖路1号",
        "standardization_level": "3",
        "benchmark": True,
        "location": None,
        "created_at": "2025-06-16T02:00:00Z",
        "updated_at": "2025-06-16T02:00:00Z",
    }
    stored = await session.get(Enterprise, uuid.UUID(created["id"]))
    assert stored.credit_code == body["credit_code"] and stored.version == 1
    state = (await session.execute(select(EnterpriseState).where(EnterpriseState.enterprise_id == stored.id))).scalar_one()
    assert (state.status, state.high_risk, state.effective_on.isoformat()) == ("active", True, "2021-05-10")
    got = await client.get(r.headers["location"], headers=admin)
    assert got.status_code == 200 and got.json() == created
    assert got.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("sector", "explicit", "expected"),
    [
        ("hazardous_chemicals", None, True),
        ("construction", None, True),
        ("road_transport", None, True),
        ("civil_explosives", None, True),
        ("fire", None, False),
        ("industry_trade", None, False),
        ("construction", False, False),
        ("fire", True, True),
    ],
)
async def test_e1_high_risk_defaults_from_sector(client, admin, village, sector, explicit, expected):
    overrides = {} if explicit is None else {"high_risk": explicit}
    r = await client.post(URL, json=enterprise_payload(village.id, sector, **overrides), headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["high_risk"] is expected


async def test_e1_explicit_null_high_risk_takes_the_default(client, admin, village):
    r = await client.post(URL, json=enterprise_payload(village.id, "construction", high_risk=None), headers=admin)
    assert r.status_code == 201 and r.json()["high_risk"] is True


# --- validation (E2) -------------------------------------------------------------------------


async def test_e2_bad_check_character_is_422(client, admin, village, session):
    before = await counts(session)
    body = enterprise_payload(village.id)
    body["credit_code"] = wrong_check_character(body["credit_code"])
    r = await client.post(URL, json=body, headers=admin)
    problem = assert_problem(r, 422)
    assert problem["errors"][0]["field"] == "credit_code"
    assert [e["field"] for e in problem["errors"]] == ["credit_code"]
    assert "check character" in problem["errors"][0]["message"]
    assert await counts(session) == before


@pytest.mark.parametrize("length", [0, 17, 19])
async def test_e2_credit_code_length_is_422(client, admin, village, length):
    body = enterprise_payload(village.id, credit_code=(credit_code() * 2)[:length])
    assert problem_fields(await client.post(URL, json=body, headers=admin)) == ["credit_code"]


@pytest.mark.parametrize("letter", list("IOZSV"))
async def test_e2_letters_outside_the_charset_are_422(client, admin, village, letter):
    body17 = "91340100MA2N0K1X" + letter
    assert problem_fields(
        await client.post(URL, json=enterprise_payload(village.id, credit_code=body17 + "0"), headers=admin)
    ) == ["credit_code"]


async def test_e2_lowercase_code_is_stored_uppercase(client, admin, village):
    body17 = "91340100MA2N0K1XA"
    code = body17 + credit_code_check_character(body17)
    r = await client.post(URL, json=enterprise_payload(village.id, credit_code=code.lower()), headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["credit_code"] == code
    # and it is the same code as the uppercase one
    dup = await client.post(URL, json=enterprise_payload(village.id, credit_code=code), headers=admin)
    assert_problem(dup, 409, "duplicate_credit_code")


async def test_e2_surrounding_whitespace_is_stripped(client, admin, village):
    code = credit_code()
    r = await client.post(URL, json=enterprise_payload(village.id, credit_code=f" {code} "), headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["credit_code"] == code


async def test_e2_unknown_village_is_422(client, admin, session):
    before = await counts(session)
    r = await client.post(URL, json=enterprise_payload(uuid.uuid4()), headers=admin)
    assert problem_fields(r) == ["village_id"]
    assert await counts(session) == before


@pytest.mark.parametrize("unit", ["housing_construction", "street_office"])
async def test_e2_non_village_org_unit_as_village_is_422(client, admin, world, unit):
    org_unit = await world.org_unit(unit)
    assert problem_fields(await client.post(URL, json=enterprise_payload(org_unit.id), headers=admin)) == ["village_id"]


async def test_e2_unknown_sector_is_422(client, admin, village, session):
    before = await counts(session)
    r = await client.post(URL, json=enterprise_payload(village.id, "space_travel"), headers=admin)
    assert problem_fields(r) == ["sector"]
    assert await counts(session) == before


@pytest.mark.parametrize(
    ("person", "phone"),
    [("principal", "12345"), ("principal", "138001380001"), ("actual_controller", "phone"), ("principal", "")],
)
async def test_e2_malformed_phone_is_422(client, admin, village, session, person, phone):
    before = await counts(session)
    body = enterprise_payload(village.id)
    body[person] = {"name": "李四", "phone": phone}
    assert problem_fields(await client.post(URL, json=body, headers=admin)) == [f"{person}.phone"]
    assert await counts(session) == before


async def test_e2_all_invalid_fields_are_named_together(client, admin):
    body = enterprise_payload(uuid.uuid4(), "space_travel")
    body["credit_code"] = wrong_check_character(body["credit_code"])
    assert problem_fields(await client.post(URL, json=body, headers=admin)) == ["credit_code", "village_id", "sector"]


async def test_e2_duplicate_credit_code_is_409(client, admin, village, session):
    body = enterprise_payload(village.id)
    assert (await client.post(URL, json=body, headers=admin)).status_code == 201
    before = await counts(session)
    r = await client.post(URL, json={**body, "name": "另一家公司"}, headers=admin)
    problem = assert_problem(r, 409, "duplicate_credit_code")
    assert body["credit_code"] in problem["detail"]
    assert await counts(session) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tags": ["unknown_tag"]}, "tags[0]"),
        ({"status": "bogus"}, "status"),
        ({"standardization_level": "4"}, "standardization_level"),
        ({"registered_on": "2021-02-30"}, "registered_on"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"principal": {"name": "王强"}}, "principal.phone"),
        ({"address": "a" * 301}, "address"),
    ],
)
async def test_e2_other_invalid_fields_are_422(client, admin, village, overrides, field):
    r = await client.post(URL, json=enterprise_payload(village.id, **overrides), headers=admin)
    assert problem_fields(r) == [field]


async def test_e2_missing_required_fields_are_named(client, admin):
    r = await client.post(URL, json={}, headers=admin)
    assert set(problem_fields(r)) == {
        "name",
        "credit_code",
        "village_id",
        "sector",
        "registered_on",
        "principal",
        "actual_controller",
    }


# --- list, filters, pagination ----------------------------------------------------------------


@pytest.fixture
async def registry(world):  # type: ignore[no-untyped-def]
    v1, v2 = await world.village("一村"), await world.village("二村")
    e = {
        "a": await world.enterprise(v1, "construction", name="东湖建筑有限公司"),
        "b": await world.enterprise(v1, "fire", name="东湖商场", tags=["large_commercial_complex"]),
        "c": await world.enterprise(v2, "construction", name="西湖建设集团", status="suspended"),
        "d": await world.enterprise(v2, "hazardous_chemicals", name="西湖化工", tags=["confined_space", "dust_explosion"]),
        "e": await world.enterprise(v2, "fire", name="100%纯净水厂", status="closed", high_risk=True),
    }
    return v1, v2, e


def in_id_order(*enterprises: Enterprise) -> list[str]:
    """Names in the API's order: by id (uuid7, so by creation time to the millisecond)."""
    return [e.name for e in sorted(enterprises, key=lambda e: e.id)]


async def names(client, admin, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    r = await client.get(f"{URL}?limit=200{query}", headers=admin)
    assert r.status_code == 200, r.text
    return [item["name"] for item in r.json()["items"]]


async def test_list_in_id_order(client, admin, registry):
    _, _, e = registry
    assert await names(client, admin) == in_id_order(*e.values())


async def test_list_filters(client, admin, registry):
    v1, v2, e = registry
    assert await names(client, admin, f"&village_id={v1.id}") == in_id_order(e["a"], e["b"])
    assert await names(client, admin, "&sector=construction") == in_id_order(e["a"], e["c"])
    assert await names(client, admin, "&high_risk=true") == in_id_order(e["a"], e["c"], e["d"], e["e"])
    assert await names(client, admin, "&high_risk=false") == [e["b"].name]
    assert await names(client, admin, "&status=suspended") == [e["c"].name]
    assert await names(client, admin, "&status=closed") == [e["e"].name]
    assert await names(client, admin, "&tag=confined_space") == [e["d"].name]
    assert await names(client, admin, "&tag=hospital_grade2") == []
    assert await names(client, admin, f"&village_id={v2.id}&sector=construction") == [e["c"].name]
    assert await names(client, admin, f"&village_id={v2.id}&high_risk=true&status=active") == [e["d"].name]
    assert await names(client, admin, f"&village_id={uuid.uuid4()}") == []
    assert await names(client, admin, "&sector=nonexistent") == []


async def test_list_q_matches_name_part_and_credit_code_prefix(client, admin, registry):
    _, _, e = registry
    assert await names(client, admin, "&q=东湖") == in_id_order(e["a"], e["b"])
    assert await names(client, admin, "&q=建") == in_id_order(e["a"], e["c"])
    assert await names(client, admin, f"&q={e['d'].credit_code[:10]}") == [e["d"].name]
    assert await names(client, admin, f"&q={e['d'].credit_code[:10].lower()}") == [e["d"].name]
    assert await names(client, admin, f"&q={e['d'].credit_code[5:12]}") == []  # a prefix, not any part
    # LIKE wildcards are literal
    assert await names(client, admin, "&q=%25") == [e["e"].name]
    assert await names(client, admin, "&q=_") == []


async def test_keyset_pagination_walks_every_page(client, admin, registry):
    _, _, e = registry
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        r = await client.get(URL, params={"limit": 2, **({"cursor": cursor} if cursor else {})}, headers=admin)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 10
    assert seen == sorted(str(x.id) for x in e.values())  # no duplicates, no gaps, in order
    assert pages == 3


async def test_keyset_pagination_with_a_filter(client, admin, registry):
    _, v2, e = registry
    expected = sorted(str(e[k].id) for k in "cde")
    r = await client.get(URL, params={"limit": 1, "village_id": str(v2.id)}, headers=admin)
    first = r.json()
    assert [i["id"] for i in first["items"]] == expected[:1]
    r = await client.get(URL, params={"limit": 5, "village_id": str(v2.id), "cursor": first["next_cursor"]}, headers=admin)
    assert [i["id"] for i in r.json()["items"]] == expected[1:]
    assert r.json()["next_cursor"] is None


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["!!!", "abc", "a", _b64(["not-a-uuid"]), _b64({"id": 1}), _b64([]), _b64([1, 2]), _b64([None]), "x" * 600],
)
async def test_garbage_cursor_is_422(client, admin, cursor):
    assert problem_fields(await client.get(URL, params={"cursor": cursor}, headers=admin)) == ["cursor"]


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "99999999999999999999", "1.5"])
async def test_limit_out_of_range_is_422(client, admin, limit):
    assert problem_fields(await client.get(URL, params={"limit": limit}, headers=admin)) == ["limit"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=bogus", "status"), ("tag=bogus", "tag"), ("high_risk=maybe", "high_risk"), ("village_id=123", "village_id")],
)
async def test_bad_filters_are_422(client, admin, query, field):
    assert problem_fields(await client.get(f"{URL}?{query}", headers=admin)) == [field]


# --- get, PATCH, If-Match ------------------------------------------------------------------------


async def test_get_unknown_is_404(client, admin):
    assert_problem(await client.get(f"{URL}/{uuid.uuid4()}", headers=admin), 404, "not_found")
    assert problem_fields(await client.get(f"{URL}/not-a-uuid", headers=admin)) == ["enterprise_id"]


async def test_patch_with_current_if_match(client, admin, world, village):
    enterprise = await world.enterprise(village)
    got = await client.get(f"{URL}/{enterprise.id}", headers=admin)
    assert got.headers["etag"] == '"1"'
    r = await client.patch(
        f"{URL}/{enterprise.id}",
        json={"name": "新名字有限公司", "principal": {"name": "赵六", "phone": "0551-65432109"}},
        headers={**admin, "If-Match": got.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"2"'
    body = r.json()
    assert body["name"] == "新名字有限公司"
    assert body["principal"] == {"name": "赵六", "phone": "0551-65432109"}
    assert body["updated_at"] == "2025-06-16T02:00:00Z"
    again = await client.get(f"{URL}/{enterprise.id}", headers=admin)
    assert again.headers["etag"] == '"2"' and again.json() == body


async def test_patch_with_stale_if_match_is_412(client, admin, world, village, session):
    enterprise = await world.enterprise(village)
    assert (await client.patch(f"{URL}/{enterprise.id}", json={"address": "一号"}, headers=admin)).status_code == 200
    r = await client.patch(f"{URL}/{enterprise.id}", json={"address": "二号"}, headers={**admin, "If-Match": '"1"'})
    problem = assert_problem(r, 412, "precondition_failed")
    assert '"2"' in problem["detail"]
    await session.refresh(enterprise)
    assert enterprise.address == "一号" and enterprise.version == 2


async def test_patch_if_match_star_and_lists(client, admin, world, village):
    enterprise = await world.enterprise(village)
    r = await client.patch(f"{URL}/{enterprise.id}", json={"address": "一号"}, headers={**admin, "If-Match": "*"})
    assert r.status_code == 200 and r.headers["etag"] == '"2"'
    r = await client.patch(f"{URL}/{enterprise.id}", json={"address": "二号"}, headers={**admin, "If-Match": '"1", "2"'})
    assert r.status_code == 200 and r.headers["etag"] == '"3"'


async def test_patch_without_a_change_keeps_the_version(client, admin, world, village):
    enterprise = await world.enterprise(village)
    r = await client.patch(f"{URL}/{enterprise.id}", json={"name": enterprise.name, "sector": enterprise.sector}, headers=admin)
    assert r.status_code == 200 and r.headers["etag"] == '"1"'


async def test_patch_status_with_future_effective_on_is_422(client, admin, world, village, session):
    enterprise = await world.enterprise(village)
    r = await client.patch(
        f"{URL}/{enterprise.id}", json={"status": "suspended", "effective_on": "2025-06-17"}, headers=admin
    )
    assert problem_fields(r) == ["effective_on"]
    await session.refresh(enterprise)
    assert enterprise.status == "active" and enterprise.version == 1


async def test_patch_status_records_its_effective_date(client, admin, world, village, session):
    enterprise = await world.enterprise(village)
    r = await client.patch(f"{URL}/{enterprise.id}", json={"status": "suspended", "effective_on": "2025-03-01"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "suspended"
    rows = (
        await session.execute(
            select(EnterpriseState.effective_on, EnterpriseState.status)
            .where(EnterpriseState.enterprise_id == enterprise.id)
            .order_by(EnterpriseState.id)
        )
    ).all()
    assert [(d.isoformat(), s) for d, s in rows] == [("2020-01-01", "active"), ("2025-03-01", "suspended")]
    # today by default; never before the previous step
    r = await client.patch(f"{URL}/{enterprise.id}", json={"status": "active", "effective_on": "2025-02-01"}, headers=admin)
    assert problem_fields(r) == ["effective_on"]
    r = await client.patch(f"{URL}/{enterprise.id}", json={"status": "active"}, headers=admin)
    assert r.status_code == 200
    last = (
        await session.execute(
            select(EnterpriseState.effective_on).where(EnterpriseState.enterprise_id == enterprise.id).order_by(EnterpriseState.id.desc()).limit(1)
        )
    ).scalar_one()
    assert last.isoformat() == "2025-06-16"


async def test_patch_sector_re_defaults_high_risk(client, admin, world, village):
    enterprise = await world.enterprise(village, "industry_trade")
    r = await client.patch(f"{URL}/{enterprise.id}", json={"sector": "hazardous_chemicals"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["high_risk"] is True
    r = await client.patch(f"{URL}/{enterprise.id}", json={"sector": "fire"}, headers=admin)
    assert r.json()["high_risk"] is False
    r = await client.patch(f"{URL}/{enterprise.id}", json={"sector": "construction", "high_risk": False}, headers=admin)
    assert r.json()["high_risk"] is False and r.json()["sector"] == "construction"
    r = await client.patch(f"{URL}/{enterprise.id}", json={"high_risk": None}, headers=admin)
    assert r.json()["high_risk"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sector": "space_travel"}, "sector"),
        ({"village_id": str(uuid.uuid4())}, "village_id"),
        ({"name": None}, "name"),
        ({"status": None}, "status"),
        ({"principal": {"name": "王", "phone": "123"}}, "principal.phone"),
        ({"credit_code": "91340100MA2N0K1X2B"}, "credit_code"),
    ],
)
async def test_patch_invalid_is_422_and_changes_nothing(client, admin, world, village, session, body, field):
    enterprise = await world.enterprise(village)
    assert problem_fields(await client.patch(f"{URL}/{enterprise.id}", json=body, headers=admin)) == [field]
    await session.refresh(enterprise)
    assert enterprise.version == 1


async def test_patch_unknown_is_404(client, admin):
    assert_problem(await client.patch(f"{URL}/{uuid.uuid4()}", json={"address": "x"}, headers=admin), 404, "not_found")
