"""H1–H10 through HTTP against PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from app.db.models import Attachment, Event, Hazard, HazardHistory
from tests.api.helpers import GENERAL_PLAN, MAJOR_PLAN, create_hazard, drive


async def reported(world, enterprise, **fields) -> dict:  # type: ignore[no-untyped-def]
    """A reported hazard made through the services, as the id the HTTP calls need."""
    if isinstance(fields.get("discovered_on"), str):
        fields["discovered_on"] = date.fromisoformat(fields["discovered_on"])
    return {"id": str((await world.hazard(enterprise, **fields)).id)}


@pytest.fixture
async def street(world):
    v1 = await world.village()
    v2 = await world.village()
    e1 = await world.enterprise(v1, "hazardous_chemicals")  # lead: emergency_management
    e2 = await world.enterprise(v2, "construction")  # lead: housing_construction
    admin = await world.as_("street_admin")
    return {"v1": v1, "v2": v2, "e1": e1, "e2": e2, "admin": admin}


async def test_h1_village_and_sector_come_from_the_enterprise(client, street):
    h = await create_hazard(client, street["admin"], street["e1"])
    assert h["village_id"] == str(street["v1"].id)
    assert h["sector"] == "hazardous_chemicals"
    assert h["status"] == "reported" and h["overdue"] is False


@pytest.mark.parametrize("field,value", [("village_id", "00000000-0000-0000-0000-000000000001"), ("sector", "fire"),
                                         ("status", "closed"), ("id", "00000000-0000-0000-0000-000000000002"),
                                         ("created_by", "00000000-0000-0000-0000-000000000003")])
async def test_h1_a4_server_owned_fields_are_rejected(client, street, session, field, value):
    body = {"enterprise_id": str(street["e1"].id), "grade": "general", "source": "patrol", "title": "t",
            "discovered_on": "2025-06-01", field: value}
    r = await client.post("/api/v1/hazards", headers=street["admin"], json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == field
    assert (await session.execute(select(func.count()).select_from(Hazard))).scalar_one() == 0


@pytest.mark.parametrize("field,value", [("grade", "catastrophic"), ("source", "rumour"), ("discovered_on", "2025-13-01"),
                                         ("title", ""), ("title", "x" * 201), ("title", "a\x00b")])
async def test_h1_invalid_fields_are_422(client, street, field, value):
    body = {"enterprise_id": str(street["e1"].id), "grade": "general", "source": "patrol", "title": "t",
            "discovered_on": "2025-06-01", field: value}
    r = await client.post("/api/v1/hazards", headers=street["admin"], json=body)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == field


async def test_h1_future_discovery_and_unknown_enterprise(client, street):
    r = await client.post("/api/v1/hazards", headers=street["admin"], json={
        "enterprise_id": str(street["e1"].id), "grade": "general", "source": "patrol", "title": "t",
        "discovered_on": "2025-06-17"})  # the test clock says 2025-06-16 in Shanghai
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "discovered_on"
    r = await client.post("/api/v1/hazards", headers=street["admin"], json={
        "enterprise_id": "00000000-0000-0000-0000-000000000009", "grade": "general", "source": "patrol",
        "title": "t", "discovered_on": "2025-06-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise_id"


async def test_h1_enterprise_users_report_self_inspection_only(client, world, street):
    ent = await world.as_("enterprise_user", enterprise=street["e1"])
    r = await client.post("/api/v1/hazards", headers=ent, json={
        "enterprise_id": str(street["e1"].id), "grade": "general", "source": "supervision", "title": "t",
        "discovered_on": "2025-06-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "source"
    h = await create_hazard(client, ent, street["e1"], grade="general", source="self_inspection")
    assert h["source"] == "self_inspection"
    r = await client.post("/api/v1/hazards", headers=street["admin"], json={
        "enterprise_id": str(street["e1"].id), "grade": "general", "source": "public_report", "title": "t",
        "discovered_on": "2025-06-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "source"


async def test_h2_full_lifecycle_and_allowed_actions(client, street):
    h = await create_hazard(client, street["admin"], street["e1"])
    assert h["allowed_actions"] == ["plan", "void"]
    h = await drive(client, street["admin"], h, "plan")
    assert h["status"] == "rectifying" and h["plan"]["funds"] == "85000.00"
    assert h["allowed_actions"] == ["submit", "void", "extend"]
    h = await drive(client, street["admin"], h, "submit")
    assert h["status"] == "pending_review"
    h = await drive(client, street["admin"], h, "reject")
    assert h["status"] == "rectifying"
    h = await drive(client, street["admin"], h, "submit", "approve")
    assert h["status"] == "closed" and h["closed_on"] == "2025-06-16"
    assert h["allowed_actions"] == ["reopen"]


async def test_h2_illegal_transition_is_409_naming_state_and_allowed(client, world, street):
    """The whole table is tests/unit/test_hazard_lifecycle.py; this is its HTTP answer."""
    h = await world.hazard(street["e1"])
    r = await client.post(f"/api/v1/hazards/{h.id}/review", headers=street["admin"], json={"decision": "approve"})
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "invalid_transition"
    assert problem["current_status"] == "reported" and problem["allowed_actions"] == ["plan", "void"]


async def test_h2_reject_needs_a_comment(client, world, street):
    h = await world.hazard(street["e1"], status="pending_review")
    r = await client.post(f"/api/v1/hazards/{h.id}/review", headers=street["admin"], json={"decision": "reject"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "comment"


async def test_h2_only_street_admin_reopens_with_a_reason(client, world, street):
    """Every role: tests/unit/test_hazard_lifecycle.py; here one refusal over HTTP."""
    h = await world.hazard(street["e1"], status="closed")
    lead = await world.as_("department_officer", org_unit=await world.department("emergency_management"))
    r = await client.post(f"/api/v1/hazards/{h.id}/reopen", headers=lead, json={"reason": "复查发现未整改"})
    assert r.status_code == 403, r.text
    r = await client.post(f"/api/v1/hazards/{h.id}/reopen", headers=street["admin"], json={"reason": " "})
    assert r.status_code == 422
    r = await client.post(f"/api/v1/hazards/{h.id}/reopen", headers=street["admin"], json={"reason": "复查发现未整改"})
    assert r.status_code == 200 and r.json()["status"] == "rectifying" and r.json()["closed_on"] is None


async def test_h2_void_from_open_states_needs_reason_and_ends_it(client, street, world):
    h = await reported(world, street["e1"])
    r = await client.post(f"/api/v1/hazards/{h['id']}/void", headers=street["admin"], json={"reason": "经核查不构成隐患"})
    assert r.status_code == 200 and r.json()["status"] == "void" and r.json()["allowed_actions"] == []
    r = await client.post(f"/api/v1/hazards/{h['id']}/void", headers=street["admin"], json={"reason": "again"})
    assert r.status_code == 409


async def test_h2_if_match_stale_is_412_and_current_passes(client, street, world):
    h = await reported(world, street["e1"])
    r = await client.get(f"/api/v1/hazards/{h['id']}", headers=street["admin"])
    etag = r.headers["ETag"]
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers={**street["admin"], "If-Match": etag}, json=MAJOR_PLAN)
    assert r.status_code == 200 and r.headers["ETag"] != etag
    r = await client.post(f"/api/v1/hazards/{h['id']}/submit", headers={**street["admin"], "If-Match": etag}, json={"evidence": "x"})
    assert r.status_code == 412 and r.json()["code"] == "precondition_failed"
    r = await client.get(f"/api/v1/hazards/{h['id']}", headers=street["admin"])
    assert r.json()["status"] == "rectifying"


async def test_h3_major_needs_five_elements(client, street, world):
    h = await reported(world, street["e1"])
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"], json=GENERAL_PLAN)
    assert r.status_code == 422
    assert sorted(e["field"] for e in r.json()["errors"]) == ["contingency_plan", "funds", "measures"]
    for missing in MAJOR_PLAN:
        body = {k: v for k, v in MAJOR_PLAN.items() if k != missing}
        r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"], json=body)
        assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == [missing]
    r = await client.get(f"/api/v1/hazards/{h['id']}", headers=street["admin"])
    assert r.json()["status"] == "reported"


async def test_h3_general_needs_responsible_person_and_deadline(client, street):
    h = await create_hazard(client, street["admin"], street["e1"], grade="general")
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"], json={"measures": "m"})
    assert r.status_code == 422
    assert sorted(e["field"] for e in r.json()["errors"]) == ["deadline", "responsible_person"]
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"],
                          json={"responsible_person": "张", "deadline": "2025-05-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "deadline"  # before discovery
    h = await drive(client, street["admin"], h, "plan")
    assert h["status"] == "rectifying" and h["deadline"] == "2025-07-31"


@pytest.mark.parametrize("funds", ["-1", "1e20", "abc", "1.001"])
async def test_h3_funds_out_of_range_is_422(client, street, funds, world):
    h = await reported(world, street["e1"])
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"], json={**MAJOR_PLAN, "funds": funds})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "funds"


async def test_h4_submit_needs_evidence(client, street, session, world):
    h = await world.hazard(street["e1"], status="rectifying")
    for body in ({}, {"evidence": "   "}, {"attachment_ids": []}):
        r = await client.post(f"/api/v1/hazards/{h.id}/submit", headers=street["admin"], json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence"
    admin_user = await world.user("street_admin")
    att = Attachment(sha256="0" * 64, content_type="image/png", size=10, filename="x.png", uploaded_by=admin_user.id)
    session.add(att)
    await session.flush()
    r = await client.post(f"/api/v1/hazards/{h.id}/submit", headers=world.headers(admin_user),
                          json={"attachment_ids": [str(att.id)]})
    assert r.status_code == 200 and r.json()["status"] == "pending_review"


# The whole matrix is tests/unit/test_hazard_lifecycle.py; these check its HTTP answers and
# that the principal's lead sectors and village reach the rule.
@pytest.mark.parametrize("grade,role,unit,expected", [
    ("major", "department_officer", "lead", 200),
    ("major", "village_officer", "own", 403),
    ("general", "village_officer", "own", 200),
])
async def test_h5_who_may_close(client, world, street, grade, role, unit, expected):
    h = await world.hazard(street["e1"], grade=grade, status="pending_review")
    kwargs = {}
    if unit == "lead":
        kwargs["org_unit"] = await world.department("emergency_management")
    elif unit == "own":
        kwargs["org_unit"] = street["v1"]
    if role == "enterprise_user":
        kwargs["enterprise"] = street["e1"]
    headers = await world.as_(role, **kwargs)
    r = await client.post(f"/api/v1/hazards/{h.id}/review", headers=headers, json={"decision": "approve"})
    assert r.status_code == expected, r.text
    if expected == 403:
        r = await client.get(f"/api/v1/hazards/{h.id}", headers=street["admin"])
        assert r.json()["status"] == "pending_review"


async def test_h6_example_13_overdue_and_extension(client, street, clock):
    h = await create_hazard(client, street["admin"], street["e1"], grade="general", discovered_on="2025-03-01")
    clock.set("2025-03-10T10:00:00+08:00")
    h = await drive(client, street["admin"], h, "plan")
    r = await client.post(f"/api/v1/hazards/{h['id']}/extend", headers=street["admin"],
                          json={"deadline": "2025-03-31", "reason": "x"})
    assert r.status_code == 422  # 2025-03-31 is not after 2025-07-31
    # plan again from scratch: a hazard with deadline 2025-03-31
    h2 = await create_hazard(client, street["admin"], street["e1"], grade="general", discovered_on="2025-03-01")
    r = await client.post(f"/api/v1/hazards/{h2['id']}/plan", headers=street["admin"],
                          json={"responsible_person": "张", "deadline": "2025-03-31"})
    assert r.status_code == 200
    clock.set("2025-03-31T23:59:59+08:00")
    r = await client.get(f"/api/v1/hazards/{h2['id']}", headers=street["admin"])
    assert r.json()["overdue"] is False
    clock.set("2025-04-01T00:00:00+08:00")
    r = await client.get(f"/api/v1/hazards/{h2['id']}", headers=street["admin"])
    assert r.json()["overdue"] is True
    r = await client.get("/api/v1/hazards?overdue=true", headers=street["admin"])
    assert [x["id"] for x in r.json()["items"]] == [h2["id"]]
    r = await client.post(f"/api/v1/hazards/{h2['id']}/extend", headers=street["admin"], json={"deadline": "2025-04-30", "reason": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"/api/v1/hazards/{h2['id']}/extend", headers=street["admin"],
                          json={"deadline": "2025-04-30", "reason": "设备到货延迟"})
    assert r.status_code == 200
    assert r.json()["overdue"] is False and r.json()["extensions"] == 1 and r.json()["deadline"] == "2025-04-30"
    r = await client.get("/api/v1/hazards?overdue=true", headers=street["admin"])
    assert r.json()["items"] == []


async def test_h6_closed_and_void_are_never_overdue(client, world, street, clock):
    closed = await world.hazard(street["e1"], status="closed")
    void = await world.hazard(street["e1"], status="void")
    open_ = await world.hazard(street["e1"], status="rectifying")
    clock.set("2026-01-01T12:00:00+08:00")
    for h, overdue in ((closed, False), (void, False), (open_, True)):
        r = await client.get(f"/api/v1/hazards/{h.id}", headers=street["admin"])
        assert r.json()["overdue"] is overdue, h.status


async def test_h6_enterprise_cannot_extend(client, world, street):
    h = await world.hazard(street["e1"], status="rectifying")
    ent = await world.as_("enterprise_user", enterprise=street["e1"])
    r = await client.post(f"/api/v1/hazards/{h.id}/extend", headers=ent, json={"deadline": "2025-09-30", "reason": "r"})
    assert r.status_code == 403


async def test_h7_history_records_every_step_with_effective_dates(client, street, clock):
    h = await create_hazard(client, street["admin"], street["e1"], discovered_on="2024-12-20")
    await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"], json={**MAJOR_PLAN, "effective_on": "2024-12-22"})
    await client.post(f"/api/v1/hazards/{h['id']}/submit", headers=street["admin"], json={"evidence": "e", "effective_on": "2024-12-27"})
    r = await client.post(f"/api/v1/hazards/{h['id']}/review", headers=street["admin"],
                          json={"decision": "approve", "effective_on": "2024-12-28", "comment": "纸质验收单 12-28"})
    assert r.status_code == 200 and r.json()["closed_on"] == "2024-12-28"
    r = await client.get(f"/api/v1/hazards/{h['id']}/history", headers=street["admin"])
    items = r.json()["items"]
    assert [(i["action"], i["from_status"], i["to_status"], i["effective_on"]) for i in items] == [
        ("create", None, "reported", "2024-12-20"),
        ("notify", "reported", "reported", "2024-12-20"),
        ("plan", "reported", "rectifying", "2024-12-22"),
        ("submit", "rectifying", "pending_review", "2024-12-27"),
        ("approve", "pending_review", "closed", "2024-12-28"),
    ]
    assert all(i["at"].startswith("2025-06-16") for i in items)  # recorded today, effective earlier
    assert items[-1]["comment"] == "纸质验收单 12-28"


async def test_h7_effective_on_not_in_future_nor_before_previous(client, street, world):
    h = await reported(world, street["e1"], discovered_on="2025-06-01")
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"], json={**MAJOR_PLAN, "effective_on": "2025-06-17"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "effective_on"
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"], json={**MAJOR_PLAN, "effective_on": "2025-05-31"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "effective_on"


async def test_h7_history_cannot_be_changed(client, street, session, world):
    h = await reported(world, street["e1"])
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        r = await client.request(method, f"/api/v1/hazards/{h['id']}/history", headers=street["admin"], json={})
        assert r.status_code == 405, method
    with pytest.raises(Exception, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("UPDATE hazard_history SET comment = 'x'"))
    with pytest.raises(Exception, match="append-only"):
        async with session.begin_nested():
            await session.execute(text("DELETE FROM hazard_history"))


async def test_h8_major_hazard_notifies_principal_and_controller(client, street, session):
    h = await create_hazard(client, street["admin"], street["e1"])
    assert h["notified_at"] is not None
    ev = (await session.execute(select(Event).where(Event.resource_id == h["id"], Event.type == "hazard.major_notified"))).scalar_one()
    assert ev.data["principal"] == {"name": "王强", "phone": "13800138000"}
    assert ev.data["actual_controller"] == {"name": "王建国", "phone": "13900139000"}
    g = await create_hazard(client, street["admin"], street["e1"], grade="general")
    assert g["notified_at"] is None
    n = (await session.execute(select(func.count()).select_from(Event).where(Event.resource_id == g["id"], Event.type == "hazard.major_notified"))).scalar_one()
    assert n == 0


async def test_h9_escalations_and_listing(client, world, street, session):
    h = {"id": str((await world.hazard(street["e1"], status="rectifying")).id)}
    sup = await world.as_("supervisor")
    village = await world.as_("village_officer", org_unit=street["v1"])
    r = await client.post(f"/api/v1/hazards/{h['id']}/escalations", headers=village, json={"kind": "letter", "note": "n"})
    assert r.status_code == 403
    r = await client.post(f"/api/v1/hazards/{h['id']}/escalations", headers=sup, json={"kind": "interview", "note": "约谈主要负责人"})
    assert r.status_code == 201 and r.json()["kind"] == "interview"
    r = await client.post(f"/api/v1/hazards/{h['id']}/escalations", headers=sup, json={"kind": "tea", "note": "n"})
    assert r.status_code == 422
    r = await client.get(f"/api/v1/hazards/{h['id']}/escalations", headers=village)
    assert [e["kind"] for e in r.json()["items"]] == ["interview"]
    r = await client.post(f"/api/v1/hazards/{h['id']}/listing", headers=sup, json={"comment": "挂牌督办"})
    assert r.status_code == 200 and r.json()["listed"] is True
    r = await client.post(f"/api/v1/hazards/{h['id']}/listing", headers=sup, json={})
    assert r.status_code == 409
    r = await client.get("/api/v1/hazards?listed=true", headers=street["admin"])
    assert [x["id"] for x in r.json()["items"]] == [h["id"]]
    types = (await session.execute(select(Event.type).where(Event.resource_id == h["id"]).order_by(Event.id))).scalars().all()
    assert "hazard.escalated" in types and "hazard.listed" in types
    actions = (await session.execute(select(HazardHistory.action).where(HazardHistory.hazard_id == h["id"]))).scalars().all()
    assert "escalate" in actions and "list" in actions
    # an org unit can be escalated too
    r = await client.post(f"/api/v1/org-units/{street['v1'].id}/escalations", headers=sup, json={"kind": "circular", "note": "通报"})
    assert r.status_code == 201
    r = await client.get(f"/api/v1/org-units/{street['v1'].id}/escalations", headers=village)
    assert [e["kind"] for e in r.json()["items"]] == ["circular"]
    other = await world.as_("village_officer", org_unit=street["v2"])
    r = await client.get(f"/api/v1/org-units/{street['v1'].id}/escalations", headers=other)
    assert r.status_code == 403


async def test_h10_stock_and_increment_by_discovery_date(client, street, world):
    a = await reported(world, street["e1"], discovered_on="2023-12-31")
    b = await reported(world, street["e1"], discovered_on="2024-01-01")
    r = await client.get("/api/v1/hazards?grade=major&discovered_to=2023-12-31", headers=street["admin"])
    assert [x["id"] for x in r.json()["items"]] == [a["id"]]
    r = await client.get("/api/v1/hazards?grade=major&discovered_from=2024-01-01&discovered_to=2024-12-31", headers=street["admin"])
    assert [x["id"] for x in r.json()["items"]] == [b["id"]]


async def test_hazard_list_filters_and_keyset_pages(client, street, world):
    made = [await reported(world, street["e1"], grade="general", title=f"隐患{i}") for i in range(5)]
    other = await reported(world, street["e2"], grade="general", source="patrol")
    seen, cursor = [], None
    while True:
        r = await client.get("/api/v1/hazards", headers=street["admin"], params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        body = r.json()
        seen += [x["id"] for x in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [other["id"]] + [m["id"] for m in reversed(made)]  # newest first
    r = await client.get("/api/v1/hazards", headers=street["admin"], params={"village_id": str(street["v2"].id)})
    assert [x["id"] for x in r.json()["items"]] == [other["id"]]
    r = await client.get("/api/v1/hazards", headers=street["admin"], params={"source": "patrol"})
    assert [x["id"] for x in r.json()["items"]] == [other["id"]]
    r = await client.get("/api/v1/hazards", headers=street["admin"], params={"q": "隐患3"})
    assert [x["id"] for x in r.json()["items"]] == [made[3]["id"]]
    r = await client.get("/api/v1/hazards", headers=street["admin"], params={"q": "%"})
    assert r.json()["items"] == []
    r = await client.get("/api/v1/hazards", headers=street["admin"], params={"sector": "construction", "status": "reported"})
    assert [x["id"] for x in r.json()["items"]] == [other["id"]]
    r = await client.get("/api/v1/hazards", headers=street["admin"], params={"status": "bogus"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"


async def test_hazard_patch_descriptive_only(client, street, world):
    h = await reported(world, street["e1"])
    r = await client.patch(f"/api/v1/hazards/{h['id']}", headers=street["admin"], json={"title": "新标题", "description": "d"})
    assert r.status_code == 200 and r.json()["title"] == "新标题"
    for field, value in [("status", "closed"), ("deadline", "2025-09-01"), ("grade", "general"), ("village_id", str(street["v2"].id))]:
        r = await client.patch(f"/api/v1/hazards/{h['id']}", headers=street["admin"], json={field: value})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
