"""docs/examples.md 1–12 through HTTP against PostgreSQL, and the SQL cadence engine held to
the pure reference (app/domain/cadence.py) on a random street."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app.db.models import Drill, EnterpriseState, Inspection, SupervisionTask, Training
from app.domain.cadence import EnterpriseState as DomainState
from app.domain.cadence import evaluate_c1, evaluate_c2


async def inspect(session, e, on, kind="principal_self", led=True):  # type: ignore[no-untyped-def]
    session.add(Inspection(enterprise_id=e.id, village_id=e.village_id, sector=e.sector, kind=kind,
                           performed_on=date.fromisoformat(on), led_by_principal=led))
    await session.flush()


async def drill(session, e, on, kind="evacuation"):  # type: ignore[no-untyped-def]
    session.add(Drill(enterprise_id=e.id, village_id=e.village_id, sector=e.sector, kind=kind,
                      held_on=date.fromisoformat(on), participants=30))
    await session.flush()


async def compliance_of(client, headers, e, as_of):  # type: ignore[no-untyped-def]
    r = await client.get("/api/v1/compliance", headers=headers, params={"as_of": as_of, "village_id": str(e.village_id)})
    assert r.status_code == 200, r.text
    return next(i for i in r.json()["items"] if i["enterprise_id"] == str(e.id))


@pytest.fixture
async def admin(world):
    return await world.as_("street_admin")


async def test_c1_example_1(client, world, session, admin):
    e = await world.enterprise(await world.village(), "industry_trade", registered_on=date(2024, 2, 10))
    await inspect(session, e, "2024-03-30")
    await inspect(session, e, "2024-05-06")
    c = await compliance_of(client, admin, e, "2024-11-20")
    assert c["principal_inspection"] == {"period": "2024-Q4", "status": "due", "missed_periods": 1}


async def test_c1_example_2(client, world, session, admin):
    e = await world.enterprise(await world.village(), "industry_trade", registered_on=date(2024, 2, 10))
    for on in ("2024-03-30", "2024-05-06", "2024-12-31"):
        await inspect(session, e, on)
    c = await compliance_of(client, admin, e, "2024-12-31")
    assert c["principal_inspection"] == {"period": "2024-Q4", "status": "done", "missed_periods": 1}
    c = await compliance_of(client, admin, e, "2025-01-01")
    assert c["principal_inspection"] == {"period": "2025-Q1", "status": "due", "missed_periods": 1}


async def test_c1_example_3(client, world, session, admin):
    e = await world.enterprise(await world.village(), "industry_trade", registered_on=date(2024, 2, 10))
    await inspect(session, e, "2024-05-06", led=False)
    await inspect(session, e, "2024-05-07", kind="village_patrol")
    c = await compliance_of(client, admin, e, "2024-08-01")
    assert c["principal_inspection"] == {"period": "2024-Q3", "status": "due", "missed_periods": 1}


async def test_c1_example_4(client, world, session, admin):
    e = await world.enterprise(await world.village(), "hazardous_chemicals", registered_on=date(2025, 1, 15))
    await inspect(session, e, "2025-02-03")
    await inspect(session, e, "2025-04-10")
    c = await compliance_of(client, admin, e, "2025-05-20")
    assert c["principal_inspection"] == {"period": "2025-05", "status": "due", "missed_periods": 1}


async def test_c1_example_5_default_as_of_is_today_in_shanghai(client, world, admin, clock):
    e = await world.enterprise(await world.village(), "hazardous_chemicals", registered_on=date(2024, 1, 1))
    clock.set("2025-03-31T16:30:00+00:00")
    r = await client.get("/api/v1/compliance", headers=admin, params={"village_id": str(e.village_id)})
    assert r.json()["as_of"] == "2025-04-01"
    assert r.json()["items"][0]["principal_inspection"]["period"] == "2025-04"


async def test_c2_example_6(client, world, session, admin):
    e = await world.enterprise(await world.village(), "industry_trade", registered_on=date(2023, 5, 1))
    await drill(session, e, "2024-11-11")
    assert (await compliance_of(client, admin, e, "2025-12-31"))["drill"] == {"period": "2025", "status": "due", "missed_periods": 0}
    assert (await compliance_of(client, admin, e, "2026-01-01"))["drill"] == {"period": "2026", "status": "due", "missed_periods": 1}


async def test_c2_example_7(client, world, session, admin):
    e = await world.enterprise(await world.village(), "hazardous_chemicals", registered_on=date(2024, 7, 1))
    await drill(session, e, "2024-09-09")
    await drill(session, e, "2025-03-01", kind="fire")  # not an evacuation drill
    assert (await compliance_of(client, admin, e, "2025-08-01"))["drill"] == {"period": "2025-H2", "status": "due", "missed_periods": 1}


async def test_c3_example_8(client, world, session, admin):
    v = await world.village()
    creator = await world.user("street_admin")
    for completed_on, status in ((date(2024, 6, 28), "accepted"), (date(2025, 1, 15), "accepted"), (None, "submitted")):
        session.add(SupervisionTask(kind="supervision_round", title="督导", assignee_org_unit_id=v.id, target_org_unit_id=v.id,
                                    due_on=date(2025, 8, 31), status=status, completed_on=completed_on, created_by=creator.id))
    await session.flush()
    r = await client.get("/api/v1/compliance/supervision", headers=admin, params={"as_of": "2025-09-01", "kind": "village"})
    item = next(i for i in r.json()["items"] if i["org_unit_id"] == str(v.id))
    assert (item["period"], item["status"], item["missed_periods"], item["missed"]) == ("2025-H2", "due", 1, ["2024-H2"])
    village = await world.as_("village_officer", org_unit=v)
    r = await client.get("/api/v1/compliance/supervision", headers=village, params={"as_of": "2025-09-01"})
    assert [i["org_unit_id"] for i in r.json()["items"]] == [str(v.id)]


async def test_c4_example_9(client, world, session, admin):
    v = await world.village()
    ents = {}
    for name in "ABCDE":
        ents[name] = await world.enterprise(v, "industry_trade", tags=["dust_explosion"], name=f"粉尘{name}",
                                            status="closed" if name == "E" else "active")
    def training(e, role, on, passed=True):  # type: ignore[no-untyped-def]
        return Training(enterprise_id=e.id, village_id=v.id, sector=e.sector, trainee_role=role, topic="粉尘防爆",
                        held_on=date.fromisoformat(on), hours=4, passed=passed)
    a_training = training(ents["A"], "principal", "2025-03-01")
    session.add_all([a_training, training(ents["B"], "fire_safety_responsible", "2025-06-01"),
                     training(ents["C"], "employee", "2025-04-01"), training(ents["D"], "principal", "2024-12-20")])
    await session.flush()
    r = await client.get("/api/v1/compliance/training", headers=admin, params={"year": 2025, "village_id": str(v.id)})
    body = r.json()
    assert (body["total"], body["covered"], body["rate"]) == (4, 2, 0.5)
    assert sorted(u["name"] for u in body["uncovered"]) == ["粉尘C", "粉尘D"]
    a_training.passed = False
    await session.flush()
    r = await client.get("/api/v1/compliance/training", headers=admin, params={"year": 2025, "village_id": str(v.id)})
    assert (r.json()["covered"], r.json()["rate"]) == (1, 0.25)
    r = await client.get("/api/v1/compliance/training", headers=admin, params={"year": 2023})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "year"


# --- targets: hazards built through the API with business dates --------------------------

PLAN = {"responsible_person": "李明", "measures": "整改", "funds": "1000", "contingency_plan": "预案"}


async def major(client, admin, e, discovered_on, *steps):  # type: ignore[no-untyped-def]
    """steps: ("plan", effective_on, deadline) | ("close", submitted_on, closed_on) | ("extend", on, deadline)."""
    r = await client.post("/api/v1/hazards", headers=admin, json={"enterprise_id": str(e.id), "grade": "major",
                          "source": "supervision", "title": "重大隐患", "discovered_on": discovered_on})
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    for step in steps:
        if step[0] == "plan":
            r = await client.post(f"/api/v1/hazards/{hid}/plan", headers=admin, json={**PLAN, "effective_on": step[1], "deadline": step[2]})
        elif step[0] == "extend":
            r = await client.post(f"/api/v1/hazards/{hid}/extend", headers=admin, json={"deadline": step[2], "reason": "延期", "effective_on": step[1]})
        else:
            r = await client.post(f"/api/v1/hazards/{hid}/submit", headers=admin, json={"evidence": "done", "effective_on": step[1]})
            assert r.status_code == 200, r.text
            r = await client.post(f"/api/v1/hazards/{hid}/review", headers=admin, json={"decision": "approve", "effective_on": step[2]})
        assert r.status_code == 200, r.text
    return hid


async def targets_on(client, admin, as_of, **params):  # type: ignore[no-untyped-def]
    r = await client.get("/api/v1/targets", headers=admin, params={"as_of": as_of, **params})
    assert r.status_code == 200, r.text
    return {t["code"]: t for t in r.json()["items"]}


async def test_t1_example_10(client, world, admin, clock):
    clock.set("2025-01-09T10:00:00+08:00")
    v = await world.village()
    e = await world.enterprise(v, "industry_trade")
    await major(client, admin, e, "2023-03-01", ("plan", "2024-03-01", "2024-06-30"), ("close", "2024-06-09", "2024-06-10"))
    await major(client, admin, e, "2023-11-20", ("plan", "2024-03-01", "2024-10-31"), ("close", "2025-01-07", "2025-01-08"))
    await major(client, admin, e, "2024-02-01")
    r = await client.post("/api/v1/hazards", headers=admin, json={"enterprise_id": str(e.id), "grade": "general",
                          "source": "patrol", "title": "一般隐患", "discovered_on": "2023-05-01"})
    assert r.status_code == 201  # a general hazard of 2023 never counts
    v_only = {"village_id": str(v.id)}
    t1 = (await targets_on(client, admin, "2024-06-01", **v_only))["stock_cleared"]
    assert t1["status"] == "on_track" and t1["figures"]["open_stock"] == 2 and t1["figures"]["stock_total"] == 2
    t1 = (await targets_on(client, admin, "2024-11-15", **v_only))["stock_cleared"]
    assert t1["status"] == "at_risk" and t1["figures"]["open_stock"] == 1 and t1["figures"]["overdue_open_stock"] == 1
    t1 = (await targets_on(client, admin, "2025-01-10", **v_only))["stock_cleared"]
    assert t1["status"] == "missed"
    assert t1["figures"] == {"stock_total": 2, "open_stock": 0, "closed_by_deadline": 1, "open_at_deadline": 1, "overdue_open_stock": 0}


async def test_t2_example_11(client, world, admin, clock):
    clock.set("2026-01-05T10:00:00+08:00")
    v = await world.village()
    e = await world.enterprise(v, "industry_trade")
    for d in ("2024-01-10", "2024-03-05", "2024-08-01", "2024-09-15", "2024-12-30", "2025-02-01", "2025-05-20", "2025-11-11"):
        await major(client, admin, e, d)
    t2 = (await targets_on(client, admin, "2025-06-30", village_id=str(v.id)))["increment_reduced"]
    assert t2["status"] == "at_risk" and (t2["figures"]["count_ytd"], t2["figures"]["count_prev_same_dates"]) == (2, 2)
    t2 = (await targets_on(client, admin, "2026-01-05", village_id=str(v.id)))["increment_reduced"]
    assert t2["status"] == "met" and (t2["figures"]["count_2025"], t2["figures"]["count_2024"]) == (3, 5)


async def test_t3_example_12(client, world, admin, clock):
    clock.set("2026-05-01T10:00:00+08:00")
    v = await world.village()
    e = await world.enterprise(v, "industry_trade")
    hid = await major(client, admin, e, "2026-03-01", ("plan", "2026-03-02", "2026-04-30"))
    t3 = (await targets_on(client, admin, "2026-05-01", village_id=str(v.id)))["dynamic_zero"]
    assert t3["status"] == "at_risk" and t3["figures"]["overdue_open_major"] == 1
    r = await client.post(f"/api/v1/hazards/{hid}/extend", headers=admin, json={"deadline": "2026-05-31", "reason": "设备到货延迟"})
    assert r.status_code == 200
    t3 = (await targets_on(client, admin, "2026-05-01", village_id=str(v.id)))["dynamic_zero"]
    assert t3["status"] == "on_track" and t3["figures"]["overdue_open_major"] == 0
    clock.set("2026-05-20T10:00:00+08:00")
    r = await client.post(f"/api/v1/hazards/{hid}/submit", headers=admin, json={"evidence": "已整改"})
    r = await client.post(f"/api/v1/hazards/{hid}/review", headers=admin, json={"decision": "approve"})
    assert r.status_code == 200
    t3 = (await targets_on(client, admin, "2027-01-01", village_id=str(v.id)))["dynamic_zero"]
    assert t3["status"] == "met"


# --- the SQL engine against the pure reference --------------------------------------------

def _random_timeline(rng: random.Random) -> list[tuple[date, str, bool]]:
    registered = date(2023, 6, 1) + timedelta(days=rng.randrange(0, 900))
    states = [(registered, "active", rng.random() < 0.3)]
    day = registered
    for _ in range(rng.randrange(0, 4)):
        day = day + timedelta(days=rng.randrange(1, 300))
        status = rng.choice(["active", "active", "suspended", "closed"])
        high = rng.random() < 0.4
        if (status, high) != states[-1][1:]:
            states.append((day, status, high))
    return states


async def test_c1_c2_sql_engine_matches_the_pure_rules(client, world, session, admin):
    rng = random.Random(20251)
    v = await world.village()
    expected_inputs = []
    for _ in range(40):
        timeline = _random_timeline(rng)
        first = timeline[0]
        e = await world.enterprise(v, "industry_trade", registered_on=first[0], status=first[1], high_risk=first[2])
        for on, status, high in timeline[1:]:
            session.add(EnterpriseState(enterprise_id=e.id, effective_on=on, status=status, high_risk=high))
        inspections, drills = [], []
        for _ in range(rng.randrange(0, 14)):
            on = date(2023, 10, 1) + timedelta(days=rng.randrange(0, 1000))
            kind = rng.choice(["principal_self", "principal_self", "village_patrol"])
            led = rng.random() < 0.85
            inspections.append((on, kind, led))
            session.add(Inspection(enterprise_id=e.id, village_id=v.id, sector=e.sector, kind=kind, performed_on=on, led_by_principal=led))
        for _ in range(rng.randrange(0, 5)):
            on = date(2023, 10, 1) + timedelta(days=rng.randrange(0, 1000))
            kind = rng.choice(["evacuation", "evacuation", "fire"])
            drills.append((on, kind))
            session.add(Drill(enterprise_id=e.id, village_id=v.id, sector=e.sector, kind=kind, held_on=on, participants=5))
        states = [DomainState(on, status, high) for on, status, high in timeline]
        expected_inputs.append((e, states, inspections, drills))
    await session.flush()
    for as_of in ("2024-01-01", "2024-06-30", "2024-07-01", "2025-03-31", "2025-12-31", "2026-02-28", "2026-06-15"):
        r = await client.get("/api/v1/compliance", headers=admin, params={"as_of": as_of, "village_id": str(v.id), "limit": 200})
        got = {i["enterprise_id"]: i for i in r.json()["items"]}
        d = date.fromisoformat(as_of)
        for e, states, inspections, drills in expected_inputs:
            c1, c2 = evaluate_c1(states, inspections, d), evaluate_c2(states, drills, d)
            item = got[str(e.id)]
            assert item["principal_inspection"] == {"period": c1.period, "status": c1.status.value, "missed_periods": c1.missed_periods}, (as_of, states, inspections)
            assert item["drill"] == {"period": c2.period, "status": c2.status.value, "missed_periods": c2.missed_periods}, (as_of, states, drills)


async def test_compliance_filters_summary_and_pages(client, world, session, admin):
    v = await world.village()
    a = await world.enterprise(v, "industry_trade", registered_on=date(2024, 1, 1))
    b = await world.enterprise(v, "industry_trade", registered_on=date(2024, 1, 1))
    c = await world.enterprise(v, "fire", registered_on=date(2025, 5, 15))  # not yet applicable in Q2 2025
    for q in ("2024-02-01", "2024-05-01", "2024-08-01", "2024-11-01", "2025-02-01", "2025-05-01"):
        await inspect(session, a, q)
    await inspect(session, b, "2025-04-02")
    base = {"as_of": "2025-06-01", "village_id": str(v.id)}
    r = await client.get("/api/v1/compliance", headers=admin, params=base)
    s = r.json()["summary"]["principal_inspection"]
    assert (s["applicable"], s["done"], s["due"], s["not_applicable"], s["with_missed"], s["rate"]) == (2, 2, 0, 1, 1, 1.0)
    r = await client.get("/api/v1/compliance", headers=admin, params={**base, "status": "missed", "obligation": "principal_inspection"})
    assert [i["enterprise_id"] for i in r.json()["items"]] == [str(b.id)]
    r = await client.get("/api/v1/compliance", headers=admin, params={**base, "status": "done", "obligation": "principal_inspection"})
    assert sorted(i["enterprise_id"] for i in r.json()["items"]) == sorted([str(a.id), str(b.id)])
    item = next(i for i in (await client.get("/api/v1/compliance", headers=admin, params=base)).json()["items"] if i["enterprise_id"] == str(c.id))
    assert item["principal_inspection"] == {"period": "2025-Q2", "status": "not_applicable", "missed_periods": 0}
    pages, cursor = [], None
    while True:
        r = await client.get("/api/v1/compliance", headers=admin, params={**base, "limit": 1, **({"cursor": cursor} if cursor else {})})
        pages += [i["enterprise_id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert sorted(pages) == sorted(str(x.id) for x in (a, b, c)) and len(pages) == 3
    other = await world.as_("village_officer", org_unit=await world.village())
    r = await client.get("/api/v1/compliance", headers=other, params={"as_of": "2025-06-01"})
    assert r.json()["items"] == [] and r.json()["summary"]["enterprises"] == 0
