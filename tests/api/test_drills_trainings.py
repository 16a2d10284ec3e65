"""Drills (C2 input) and trainings (C4 input): recorded for visible enterprises, village and
sector from the enterprise (A4), validated field by field, scoped like their enterprise (A1, A2)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db.models import Drill, Training
from tests.factories import assert_problem, problem_fields


@pytest.fixture
async def street(world):
    v1, v2 = await world.village(), await world.village()
    e1 = await world.enterprise(v1, "industry_trade")  # 应急管理 leads industry_trade
    e2 = await world.enterprise(v2, "construction")  # 住建所 leads construction
    e3 = await world.enterprise(v1, "fire")
    return {"v1": v1, "v2": v2, "e1": e1, "e2": e2, "e3": e3, "admin": await world.as_("street_admin")}


def drill(enterprise, **overrides):  # type: ignore[no-untyped-def]
    body = {"enterprise_id": str(enterprise.id), "kind": "evacuation", "held_on": "2025-06-10", "participants": 40,
            "scenario": "仓库起火"}
    body.update(overrides)
    return body


def training(enterprise, **overrides):  # type: ignore[no-untyped-def]
    body = {"enterprise_id": str(enterprise.id), "trainee_role": "fire_safety_responsible", "trainee_name": "李娜",
            "topic": "消防安全责任人培训", "held_on": "2025-06-10", "hours": "8.0", "passed": True}
    body.update(overrides)
    return body


RESOURCES = {"drills": drill, "trainings": training}


async def _count(session, model):  # type: ignore[no-untyped-def]
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


# --- create -----------------------------------------------------------------------------------

async def test_c2_drill_is_recorded_with_village_and_sector_of_its_enterprise(client, street):
    r = await client.post("/api/v1/drills", headers=street["admin"], json=drill(street["e1"]))
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["Location"] == f"/api/v1/drills/{body['id']}"
    assert body["village_id"] == str(street["v1"].id) and body["sector"] == "industry_trade"
    assert body["kind"] == "evacuation" and body["held_on"] == "2025-06-10" and body["participants"] == 40
    assert body["created_by"] is not None
    got = await client.get(f"/api/v1/drills/{body['id']}", headers=street["admin"])
    assert got.status_code == 200 and got.json() == body


async def test_c4_training_is_recorded_with_village_and_sector_of_its_enterprise(client, street):
    r = await client.post("/api/v1/trainings", headers=street["admin"], json=training(street["e2"], hours=2.5))
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["Location"] == f"/api/v1/trainings/{body['id']}"
    assert body["village_id"] == str(street["v2"].id) and body["sector"] == "construction"
    assert body["hours"] == "2.5" and body["passed"] is True and body["trainee_role"] == "fire_safety_responsible"
    got = await client.get(f"/api/v1/trainings/{body['id']}", headers=street["admin"])
    assert got.status_code == 200 and got.json() == body


@pytest.mark.parametrize("overrides,field", [
    ({"held_on": "2025-06-17"}, "held_on"),  # tomorrow in Shanghai
    ({"kind": "earthquake"}, "kind"),
    ({"participants": -1}, "participants"),
    ({"participants": 100001}, "participants"),
    ({"participants": "many"}, "participants"),
    ({"held_on": "2025-02-30"}, "held_on"),
    ({"scenario": "x" * 301}, "scenario"),
    ({"enterprise_id": "00000000-0000-7000-8000-000000000001"}, "enterprise_id"),
])
async def test_c2_drill_validation_names_the_field(client, street, session, overrides, field):
    r = await client.post("/api/v1/drills", headers=street["admin"], json=drill(street["e1"], **overrides))
    assert problem_fields(r) == [field]
    assert await _count(session, Drill) == 0


@pytest.mark.parametrize("missing", ["enterprise_id", "kind", "held_on", "participants"])
async def test_c2_drill_required_fields(client, street, missing):
    body = drill(street["e1"])
    del body[missing]
    r = await client.post("/api/v1/drills", headers=street["admin"], json=body)
    assert problem_fields(r) == [missing]


async def test_c2_drill_today_and_zero_participants_are_fine(client, street, clock):
    clock.set("2025-06-16T23:59:00+08:00")  # still the 16th in Shanghai, already the 16th UTC too
    r = await client.post("/api/v1/drills", headers=street["admin"], json=drill(street["e1"], held_on="2025-06-16",
                                                                                participants=0))
    assert r.status_code == 201, r.text
    clock.set("2025-06-17T00:30:00+08:00")  # 16:30 UTC on the 16th, but the 17th in Shanghai
    r = await client.post("/api/v1/drills", headers=street["admin"], json=drill(street["e1"], held_on="2025-06-17"))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("overrides,field", [
    ({"held_on": "2025-06-17"}, "held_on"),
    ({"trainee_role": "boss"}, "trainee_role"),
    ({"hours": 0}, "hours"),
    ({"hours": "-1.0"}, "hours"),
    ({"hours": "1000.0"}, "hours"),
    ({"hours": "1.25"}, "hours"),
    ({"topic": "x" * 201}, "topic"),
    ({"topic": ""}, "topic"),
    ({"passed": "perhaps"}, "passed"),
    ({"enterprise_id": "00000000-0000-7000-8000-000000000001"}, "enterprise_id"),
])
async def test_c4_training_validation_names_the_field(client, street, session, overrides, field):
    r = await client.post("/api/v1/trainings", headers=street["admin"], json=training(street["e1"], **overrides))
    assert problem_fields(r) == [field]
    assert await _count(session, Training) == 0


@pytest.mark.parametrize("missing", ["enterprise_id", "trainee_role", "topic", "held_on", "hours", "passed"])
async def test_c4_training_required_fields(client, street, missing):
    body = training(street["e1"])
    del body[missing]
    r = await client.post("/api/v1/trainings", headers=street["admin"], json=body)
    assert problem_fields(r) == [missing]


async def test_c4_training_hours_bounds_that_pass(client, street):
    for hours in ("0.1", "999.9", 4):
        r = await client.post("/api/v1/trainings", headers=street["admin"], json=training(street["e1"], hours=hours))
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("field,value", [
    ("village_id", "00000000-0000-7000-8000-000000000001"), ("sector", "fire"),
    ("id", "00000000-0000-7000-8000-000000000002"), ("created_by", "00000000-0000-7000-8000-000000000003"),
    ("created_at", "2025-01-01T00:00:00+08:00"),
])
async def test_a4_server_owned_fields_are_rejected(client, street, session, resource, field, value):
    body = RESOURCES[resource](street["e1"])
    body[field] = value
    r = await client.post(f"/api/v1/{resource}", headers=street["admin"], json=body)
    assert problem_fields(r) == [field]
    assert await _count(session, Drill) == 0 and await _count(session, Training) == 0


# --- who may record ---------------------------------------------------------------------------

@pytest.mark.parametrize("resource", list(RESOURCES))
async def test_a3_district_viewer_cannot_record(client, world, street, resource):
    viewer = await world.as_("district_viewer")
    r = await client.post(f"/api/v1/{resource}", headers=viewer, json=RESOURCES[resource](street["e1"]))
    assert_problem(r, 403)


@pytest.mark.parametrize("resource", list(RESOURCES))
async def test_a1_enterprise_user_records_only_for_its_own_enterprise(client, world, street, resource):
    ent = await world.as_("enterprise_user", enterprise=street["e1"])
    r = await client.post(f"/api/v1/{resource}", headers=ent, json=RESOURCES[resource](street["e1"]))
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/v1/{resource}", headers=ent, json=RESOURCES[resource](street["e3"]))
    assert problem_fields(r) == ["enterprise_id"]


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("who,target,status", [
    ("street_admin", "e2", 201), ("supervisor", "e2", 201),
    ("village_officer", "e1", 201), ("village_officer", "e2", 422),
    ("department_officer", "e1", 201), ("department_officer", "e2", 422),
])
async def test_a1_staff_record_for_the_enterprises_they_see(client, world, street, resource, who, target, status):
    kwargs = {"village_officer": {"org_unit": street["v1"]},
              "department_officer": {"org_unit": await world.department("emergency_management")}}.get(who, {})
    headers = await world.as_(who, **kwargs)
    r = await client.post(f"/api/v1/{resource}", headers=headers, json=RESOURCES[resource](street[target]))
    assert r.status_code == status, r.text
    if status == 422:
        assert r.json()["errors"][0]["field"] == "enterprise_id"


@pytest.mark.parametrize("resource", list(RESOURCES))
async def test_idempotent_retry_records_once(client, street, session, resource):
    headers = {**street["admin"], "Idempotency-Key": f"{resource}-retry-1"}
    first = await client.post(f"/api/v1/{resource}", headers=headers, json=RESOURCES[resource](street["e1"]))
    again = await client.post(f"/api/v1/{resource}", headers=headers, json=RESOURCES[resource](street["e1"]))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    model = Drill if resource == "drills" else Training
    assert await _count(session, model) == 1


# --- reading: A1, A2 --------------------------------------------------------------------------

@pytest.fixture
async def recorded(client, street):
    out = {}
    for resource, make in RESOURCES.items():
        r = await client.post(f"/api/v1/{resource}", headers=street["admin"], json=make(street["e1"]))
        assert r.status_code == 201, r.text
        out[resource] = r.json()
    return out


@pytest.fixture
async def outsiders(world, street):
    return {
        "other_village": await world.as_("village_officer", org_unit=street["v2"]),
        "other_department": await world.as_("department_officer", org_unit=await world.department("housing_construction")),
        "other_enterprise": await world.as_("enterprise_user", enterprise=street["e3"]),
    }


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("who", ["other_village", "other_department", "other_enterprise"])
async def test_a2_out_of_scope_id_is_404_without_data(client, street, recorded, outsiders, resource, who):
    item = recorded[resource]
    r = await client.get(f"/api/v1/{resource}/{item['id']}", headers=outsiders[who])
    assert_problem(r, 404, "not_found")
    assert str(street["e1"].id) not in r.text and str(street["v1"].id) not in r.text
    r = await client.get(f"/api/v1/{resource}", headers=outsiders[who])
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(f"/api/v1/{resource}?enterprise_id={street['e1'].id}", headers=outsiders[who])
    assert r.json()["items"] == []


@pytest.mark.parametrize("resource", list(RESOURCES))
@pytest.mark.parametrize("role,kwargs_key", [
    ("street_admin", None), ("supervisor", None), ("district_viewer", None),
    ("department_officer", "lead"), ("village_officer", "own"), ("enterprise_user", "own_enterprise"),
])
async def test_a1_visible_to_the_enterprises_people(client, world, street, recorded, resource, role, kwargs_key):
    kwargs = {"lead": {"org_unit": await world.department("emergency_management")}, "own": {"org_unit": street["v1"]},
              "own_enterprise": {"enterprise": street["e1"]}, None: {}}[kwargs_key]
    headers = await world.as_(role, **kwargs)
    item = recorded[resource]
    r = await client.get(f"/api/v1/{resource}/{item['id']}", headers=headers)
    assert r.status_code == 200 and r.json() == item
    r = await client.get(f"/api/v1/{resource}", headers=headers)
    assert [x["id"] for x in r.json()["items"]] == [item["id"]]


@pytest.mark.parametrize("resource", list(RESOURCES))
async def test_a2_unknown_and_malformed_ids(client, street, resource):
    r = await client.get(f"/api/v1/{resource}/00000000-0000-7000-8000-000000000000", headers=street["admin"])
    assert_problem(r, 404, "not_found")
    r = await client.get(f"/api/v1/{resource}/nope", headers=street["admin"])
    assert problem_fields(r) == [f"{resource[:-1]}_id"]


async def test_drill_list_filters_and_pagination(client, street):
    admin = street["admin"]
    a = (await client.post("/api/v1/drills", headers=admin, json=drill(street["e1"], held_on="2025-01-05"))).json()
    b = (await client.post("/api/v1/drills", headers=admin, json=drill(street["e2"], kind="fire"))).json()
    c = (await client.post("/api/v1/drills", headers=admin, json=drill(street["e1"], held_on="2025-06-01"))).json()
    r = await client.get("/api/v1/drills", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [c["id"], b["id"], a["id"]]
    r = await client.get("/api/v1/drills?kind=fire", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]
    r = await client.get(f"/api/v1/drills?enterprise_id={street['e1'].id}", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [c["id"], a["id"]]
    r = await client.get(f"/api/v1/drills?village_id={street['v2'].id}", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]
    r = await client.get("/api/v1/drills?held_from=2025-06-01&held_to=2025-06-05", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [c["id"]]
    page1 = (await client.get("/api/v1/drills?limit=2", headers=admin)).json()
    assert [i["id"] for i in page1["items"]] == [c["id"], b["id"]] and page1["next_cursor"]
    page2 = (await client.get(f"/api/v1/drills?limit=2&cursor={page1['next_cursor']}", headers=admin)).json()
    assert [i["id"] for i in page2["items"]] == [a["id"]] and page2["next_cursor"] is None
    r = await client.get("/api/v1/drills?kind=earthquake", headers=admin)
    assert problem_fields(r) == ["kind"]
    r = await client.get("/api/v1/drills?limit=0", headers=admin)
    assert problem_fields(r) == ["limit"]


async def test_training_list_filters_and_pagination(client, street):
    admin = street["admin"]
    a = (await client.post("/api/v1/trainings", headers=admin, json=training(street["e1"], passed=False))).json()
    b = (await client.post("/api/v1/trainings", headers=admin,
                           json=training(street["e2"], trainee_role="principal", held_on="2025-03-01"))).json()
    c = (await client.post("/api/v1/trainings", headers=admin, json=training(street["e1"]))).json()
    r = await client.get("/api/v1/trainings", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [c["id"], b["id"], a["id"]]
    r = await client.get("/api/v1/trainings?passed=false", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [a["id"]]
    r = await client.get("/api/v1/trainings?trainee_role=principal", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]
    r = await client.get(f"/api/v1/trainings?village_id={street['v1'].id}&passed=true", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [c["id"]]
    r = await client.get("/api/v1/trainings?held_to=2025-03-31", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]
    page1 = (await client.get("/api/v1/trainings?limit=1", headers=admin)).json()
    page2 = (await client.get(f"/api/v1/trainings?limit=1&cursor={page1['next_cursor']}", headers=admin)).json()
    assert [i["id"] for i in page1["items"] + page2["items"]] == [c["id"], b["id"]]
    r = await client.get("/api/v1/trainings?trainee_role=boss", headers=admin)
    assert problem_fields(r) == ["trainee_role"]


async def test_drills_and_trainings_feed_the_change_feed(client, world, street):
    await client.post("/api/v1/drills", headers=street["admin"], json=drill(street["e1"]))
    await client.post("/api/v1/trainings", headers=street["admin"], json=training(street["e2"]))
    r = await client.get("/api/v1/events", headers=street["admin"])
    assert [i["type"] for i in r.json()["items"]] == ["drill.recorded", "training.recorded"]
    village = await world.as_("village_officer", org_unit=street["v1"])
    r = await client.get("/api/v1/events", headers=village)
    assert [i["type"] for i in r.json()["items"]] == ["drill.recorded"]
