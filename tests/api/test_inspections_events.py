"""Inspections from the field (findings → hazards, all or nothing, idempotent) and the
change feed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db.models import Hazard, Inspection
from tests.api.helpers import create_hazard, drive, shuffle_unit_of_work


@pytest.fixture
async def street(world):
    v1, v2 = await world.village(), await world.village()
    e1 = await world.enterprise(v1, "industry_trade")
    e2 = await world.enterprise(v2, "construction")
    return {"v1": v1, "v2": v2, "e1": e1, "e2": e2, "admin": await world.as_("street_admin")}


def inspection(enterprise, **overrides):  # type: ignore[no-untyped-def]
    body = {"enterprise_id": str(enterprise.id), "kind": "village_patrol", "performed_on": "2025-06-10",
            "findings": [{"grade": "general", "title": "灭火器过期", "deadline": "2025-06-20"},
                         {"grade": "major", "title": "粉尘作业区无泄爆", "criterion_ref": "工贸 第十三条"}]}
    body.update(overrides)
    return body


async def _count(session, model, **where):  # type: ignore[no-untyped-def]
    stmt = select(func.count()).select_from(model)
    for k, v in where.items():
        stmt = stmt.where(getattr(model, k) == v)
    return (await session.execute(stmt)).scalar_one()


@pytest.mark.parametrize("kind,source", [("principal_self", "self_inspection"), ("village_patrol", "patrol"),
                                         ("department", "supervision"), ("enforcement", "enforcement"),
                                         ("supervision", "supervision")])
async def test_inspection_findings_become_hazards_with_the_kinds_source(client, street, kind, source):
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=inspection(street["e1"], kind=kind))
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["Location"] == f"/api/v1/inspections/{body['id']}"
    assert body["findings_count"] == 2 and len(body["hazard_ids"]) == 2
    for hid in body["hazard_ids"]:
        h = (await client.get(f"/api/v1/hazards/{hid}", headers=street["admin"])).json()
        assert h["source"] == source and h["inspection_id"] == body["id"]
        assert h["discovered_on"] == "2025-06-10" and h["village_id"] == str(street["v1"].id)


async def test_inspection_is_all_or_nothing(client, street, session):
    body = inspection(street["e1"])
    body["findings"].append({"grade": "general", "title": "t", "deadline": "2025-06-01"})  # before performed_on
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "findings[2].deadline"
    body = inspection(street["e1"])
    body["findings"].append({"grade": "general", "title": "t", "attachment_ids": ["00000000-0000-7000-8000-000000000001"]})
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "findings[2].attachment_ids"
    body = inspection(street["e1"])
    body["findings"][1]["grade"] = "extreme"
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=body)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "findings[1].grade"
    assert await _count(session, Inspection) == 0 and await _count(session, Hazard) == 0


async def test_inspection_idempotent_retry_replays_the_first_answer(client, street, session):
    headers = {**street["admin"], "Idempotency-Key": "field-app-7f3a"}
    first = await client.post("/api/v1/inspections", headers=headers, json=inspection(street["e1"]))
    again = await client.post("/api/v1/inspections", headers=headers, json=inspection(street["e1"]))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await _count(session, Inspection) == 1 and await _count(session, Hazard) == 2
    other = await client.post("/api/v1/inspections", headers=headers, json=inspection(street["e1"], performed_on="2025-06-11"))
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert await _count(session, Inspection) == 1


async def test_inspection_rules_for_enterprise_users(client, world, street):
    ent = await world.as_("enterprise_user", enterprise=street["e1"])
    r = await client.post("/api/v1/inspections", headers=ent, json=inspection(street["e1"], kind="enforcement"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = await client.post("/api/v1/inspections", headers=ent,
                          json=inspection(street["e1"], kind="principal_self", led_by_principal=True, findings=[]))
    assert r.status_code == 201 and r.json()["led_by_principal"] is True
    r = await client.post("/api/v1/inspections", headers=ent, json=inspection(street["e2"], kind="principal_self"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enterprise_id"


async def test_inspection_future_date_and_limits(client, street):
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=inspection(street["e1"], performed_on="2025-06-17"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "performed_on"
    many = [{"grade": "general", "title": f"f{i}"} for i in range(51)]
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=inspection(street["e1"], findings=many))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "findings"


async def test_inspection_list_filters(client, street):
    a = (await client.post("/api/v1/inspections", headers=street["admin"], json=inspection(street["e1"], findings=[]))).json()
    b = (await client.post("/api/v1/inspections", headers=street["admin"],
                           json=inspection(street["e2"], kind="enforcement", findings=[], performed_on="2025-05-01"))).json()
    r = await client.get("/api/v1/inspections", headers=street["admin"])
    assert [i["id"] for i in r.json()["items"]] == [b["id"], a["id"]]
    r = await client.get("/api/v1/inspections?kind=enforcement", headers=street["admin"])
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]
    r = await client.get("/api/v1/inspections?performed_from=2025-06-01", headers=street["admin"])
    assert [i["id"] for i in r.json()["items"]] == [a["id"]]
    r = await client.get(f"/api/v1/inspections?village_id={street['v2'].id}", headers=street["admin"])
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]


async def test_events_feed_is_ordered_scoped_and_resumable(client, world, street):
    admin = street["admin"]
    h1 = await create_hazard(client, admin, street["e1"], grade="general")
    h2 = await create_hazard(client, admin, street["e2"])
    await drive(client, admin, h1, "plan")
    r = await client.get("/api/v1/events", headers=admin)
    items = r.json()["items"]
    assert [(i["type"], i["resource_id"]) for i in items] == [
        ("hazard.created", h1["id"]),
        ("hazard.created", h2["id"]),
        ("hazard.major_notified", h2["id"]),
        ("hazard.status_changed", h1["id"]),
    ]
    ids = [i["id"] for i in items]
    assert ids == sorted(ids)
    assert items[3]["data"] == {"from": "reported", "to": "rectifying", "action": "plan"}
    r = await client.get(f"/api/v1/events?after={ids[1]}", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == ids[2:]
    assert r.json()["next_cursor"] == ids[-1]
    r = await client.get(f"/api/v1/events?after={ids[-1]}", headers=admin)
    assert r.json()["items"] == [] and r.json()["next_cursor"] == ids[-1]
    r = await client.get(f"/api/v1/events?after=00{ids[-1]}", headers=admin)  # the string form of earlier versions
    assert r.status_code == 200 and r.json()["next_cursor"] == ids[-1]
    village = await world.as_("village_officer", org_unit=street["v1"])
    r = await client.get("/api/v1/events", headers=village)
    assert {i["resource_id"] for i in r.json()["items"]} == {h1["id"]}
    viewer = await world.as_("district_viewer")
    r = await client.get("/api/v1/events?type=hazard.major_notified", headers=viewer)
    assert [i["resource_id"] for i in r.json()["items"]] == [h2["id"]]
    r = await client.get("/api/v1/events?after=abc", headers=admin)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "after"


async def test_events_are_not_written_when_the_request_fails(client, street):
    r = await client.post("/api/v1/hazards", headers=street["admin"], json={
        "enterprise_id": str(street["e1"].id), "grade": "general", "source": "patrol", "title": "t",
        "discovered_on": "2025-06-01", "attachment_ids": ["00000000-0000-7000-8000-000000000001"]})
    assert r.status_code == 422
    r = await client.get("/api/v1/events", headers=street["admin"])
    assert r.json()["items"] == []


async def test_one_flush_inserts_parents_first_in_any_unit_of_work_order(client, street, session, monkeypatch):
    """An inspection, its hazards and their history go to the database in one flush (one
    statement per table): the mapped dependencies, not the order of adding, put each row
    after the row it refers to. The unit of work's internal sets are shuffled here."""
    shuffle_unit_of_work(monkeypatch)
    findings = [{"grade": "major" if i % 2 else "general", "title": f"隐患{i}", "deadline": "2025-06-20"}
                for i in range(4)]
    for _ in range(12):
        r = await client.post("/api/v1/inspections", headers=street["admin"],
                              json=inspection(street["e1"], findings=findings))
        assert r.status_code == 201, r.text
    assert await _count(session, Inspection) == 12
    assert await _count(session, Hazard) == 48
