"""A1–A2 for hazards and inspections: out-of-scope ids answer 404 (no data), visible
objects with forbidden actions answer 403."""

from __future__ import annotations

import pytest

from tests.api.helpers import MAJOR_PLAN, drive

HAZARD_CALLS = [
    ("GET", "", None),
    ("PATCH", "", {"title": "x"}),
    ("GET", "/history", None),
    ("GET", "/escalations", None),
    ("POST", "/plan", MAJOR_PLAN),
    ("POST", "/submit", {"evidence": "x"}),
    ("POST", "/review", {"decision": "approve"}),
    ("POST", "/reopen", {"reason": "r"}),
    ("POST", "/void", {"reason": "r"}),
    ("POST", "/extend", {"deadline": "2025-12-31", "reason": "r"}),
    ("POST", "/escalations", {"kind": "letter", "note": "n"}),
    ("POST", "/listing", {}),
]


@pytest.fixture
async def setup(world, client):
    v1, v2 = await world.village(), await world.village()
    e1 = await world.enterprise(v1, "hazardous_chemicals")
    e2 = await world.enterprise(v2, "construction")
    e3 = await world.enterprise(v1, "fire")
    admin = await world.as_("street_admin")
    made = await world.hazard(e1)
    hazard = {"id": str(made.id), "title": made.title, "grade": made.grade}
    outsiders = {
        "other_village": await world.as_("village_officer", org_unit=v2),
        "other_department": await world.as_("department_officer", org_unit=await world.department("housing_construction")),
        "other_enterprise": await world.as_("enterprise_user", enterprise=e3),
    }
    return {"hazard": hazard, "outsiders": outsiders, "admin": admin, "e1": e1, "e2": e2, "v1": v1}


@pytest.mark.parametrize("method,suffix,body", HAZARD_CALLS)
@pytest.mark.parametrize("who", ["other_village", "other_department", "other_enterprise"])
async def test_a2_hazard_out_of_scope_is_404_without_data(client, setup, method, suffix, body, who):
    hid = setup["hazard"]["id"]
    r = await client.request(method, f"/api/v1/hazards/{hid}{suffix}", headers=setup["outsiders"][who], json=body)
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    text = r.text
    assert setup["hazard"]["title"] not in text and str(setup["e1"].id) not in text


@pytest.mark.parametrize("who", ["other_village", "other_department", "other_enterprise"])
async def test_a1_hazard_lists_hold_only_visible_rows(client, setup, who):
    r = await client.get("/api/v1/hazards", headers=setup["outsiders"][who])
    assert r.status_code == 200 and r.json()["items"] == []
    r = await client.get(f"/api/v1/hazards?enterprise_id={setup['e1'].id}", headers=setup["outsiders"][who])
    assert r.json()["items"] == []


@pytest.mark.parametrize("role,kwargs_key,visible", [
    ("street_admin", None, True), ("supervisor", None, True), ("district_viewer", None, True),
    ("department_officer", "lead", True), ("village_officer", "own", True), ("enterprise_user", "own_enterprise", True),
])
async def test_a1_hazard_visible_to_its_people(client, world, setup, role, kwargs_key, visible):
    kwargs = {"lead": {"org_unit": await world.department("emergency_management")}, "own": {"org_unit": setup["v1"]},
              "own_enterprise": {"enterprise": setup["e1"]}, None: {}}[kwargs_key]
    headers = await world.as_(role, **kwargs)
    r = await client.get(f"/api/v1/hazards/{setup['hazard']['id']}", headers=headers)
    assert r.status_code == 200
    r = await client.get("/api/v1/hazards", headers=headers)
    assert [x["id"] for x in r.json()["items"]] == [setup["hazard"]["id"]]


@pytest.mark.parametrize("method,suffix,body", [c for c in HAZARD_CALLS if c[0] != "GET"])
async def test_a3_district_viewer_never_writes(client, world, setup, method, suffix, body):
    viewer = await world.as_("district_viewer")
    r = await client.request(method, f"/api/v1/hazards/{setup['hazard']['id']}{suffix}", headers=viewer, json=body)
    assert r.status_code == 403, r.text
    r = await client.post("/api/v1/hazards", headers=viewer, json={
        "enterprise_id": str(setup["e1"].id), "grade": "general", "source": "patrol", "title": "t", "discovered_on": "2025-06-01"})
    assert r.status_code == 403


async def test_a2_enterprise_user_can_plan_and_submit_but_not_close(client, world, setup):
    ent = await world.as_("enterprise_user", enterprise=setup["e1"])
    h = await drive(client, ent, setup["hazard"], "plan", "submit")
    assert h["status"] == "pending_review"
    r = await client.post(f"/api/v1/hazards/{h['id']}/review", headers=ent, json={"decision": "approve"})
    assert r.status_code == 403
    r = await client.post(f"/api/v1/hazards/{h['id']}/void", headers=ent, json={"reason": "不是隐患"})
    assert r.status_code == 403


async def test_a2_hazard_for_invisible_enterprise_cannot_be_created(client, world, setup):
    village = await world.as_("village_officer", org_unit=setup["v1"])
    r = await client.post("/api/v1/hazards", headers=village, json={
        "enterprise_id": str(setup["e2"].id), "grade": "general", "source": "patrol", "title": "t", "discovered_on": "2025-06-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise_id"


async def test_a2_unknown_hazard_is_404(client, setup):
    r = await client.get("/api/v1/hazards/00000000-0000-7000-8000-000000000000", headers=setup["admin"])
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await client.get("/api/v1/hazards/not-a-uuid", headers=setup["admin"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hazard_id"


@pytest.mark.parametrize("who", ["other_village", "other_department", "other_enterprise"])
async def test_a2_inspection_out_of_scope_is_404(client, setup, who):
    r = await client.post("/api/v1/inspections", headers=setup["admin"], json={
        "enterprise_id": str(setup["e1"].id), "kind": "supervision", "performed_on": "2025-06-10"})
    assert r.status_code == 201
    iid = r.json()["id"]
    r = await client.get(f"/api/v1/inspections/{iid}", headers=setup["outsiders"][who])
    assert r.status_code == 404 and str(setup["e1"].id) not in r.text
    r = await client.get("/api/v1/inspections", headers=setup["outsiders"][who])
    assert r.json()["items"] == []


async def test_a2_org_unit_escalation_ids(client, world, setup):
    r = await client.get("/api/v1/org-units/00000000-0000-7000-8000-000000000000/escalations", headers=setup["admin"])
    assert r.status_code == 404
