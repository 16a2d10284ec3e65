"""A small street built by hand — three enterprises in two villages, hazards from 2023 to
2026 — and every figure of /compliance, /targets, /stats/hazards and /dashboard checked
against numbers worked out below by hand."""

from __future__ import annotations

from datetime import date

import pytest

from app.db.models import Drill, Inspection, SupervisionTask

PLAN = {"responsible_person": "李明", "measures": "整改", "funds": "1000", "contingency_plan": "预案"}


async def hazard(client, admin, e, grade, discovered_on, *steps):  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/hazards", headers=admin, json={
        "enterprise_id": str(e.id), "grade": grade, "source": "patrol" if grade == "general" else "supervision",
        "title": f"{grade} {discovered_on}", "discovered_on": discovered_on})
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    for kind, on, extra in steps:
        if kind == "plan":
            body = {**PLAN, "deadline": extra, "effective_on": on}
            r = await client.post(f"/api/v1/hazards/{hid}/plan", headers=admin, json=body)
        elif kind == "close":
            r = await client.post(f"/api/v1/hazards/{hid}/submit", headers=admin, json={"evidence": "e", "effective_on": on})
            assert r.status_code == 200, r.text
            r = await client.post(f"/api/v1/hazards/{hid}/review", headers=admin, json={"decision": "approve", "effective_on": extra})
        elif kind == "void":
            r = await client.post(f"/api/v1/hazards/{hid}/void", headers=admin, json={"reason": "不构成隐患", "effective_on": on})
        assert r.status_code == 200, r.text
    return hid


@pytest.fixture
async def street(client, world, session, clock):
    clock.set("2026-03-15T09:00:00+08:00")  # today: 2026-03-15, Q1 2026, H1 2026
    v1, v2 = await world.village("东湖村"), await world.village("西岭村")
    # A: hazardous chemicals (high-risk: monthly C1, half-yearly C2), registered long ago, village 1
    a = await world.enterprise(v1, "hazardous_chemicals", registered_on=date(2020, 1, 1))
    # B: industry/trade (quarterly C1, yearly C2), village 1
    b = await world.enterprise(v1, "industry_trade", registered_on=date(2020, 1, 1))
    # C: construction (high-risk), village 2, registered 2026-02-10 → C1 from March 2026, C2 from H2 2026
    c = await world.enterprise(v2, "construction", registered_on=date(2026, 2, 10))
    admin = await world.as_("street_admin")
    for on in ("2026-01-05", "2026-02-05", "2026-03-05"):  # A: Jan–Mar 2026 done, all earlier months missed
        session.add(Inspection(enterprise_id=a.id, village_id=v1.id, sector=a.sector, kind="principal_self",
                               performed_on=date.fromisoformat(on), led_by_principal=True))
    session.add(Inspection(enterprise_id=b.id, village_id=v1.id, sector=b.sector, kind="principal_self",
                           performed_on=date(2025, 11, 3), led_by_principal=True))  # B: Q4 2025 done only
    session.add(Drill(enterprise_id=a.id, village_id=v1.id, sector=a.sector, kind="evacuation", held_on=date(2025, 9, 1), participants=20))
    session.add(Drill(enterprise_id=b.id, village_id=v1.id, sector=b.sector, kind="evacuation", held_on=date(2024, 6, 1), participants=20))
    session.add(SupervisionTask(kind="supervision_round", title="2026上半年督导", assignee_org_unit_id=v1.id,
                                target_org_unit_id=v1.id, due_on=date(2026, 3, 31), status="accepted",
                                completed_on=date(2026, 3, 1), created_by=(await world.user("supervisor")).id))
    await session.flush()
    # Hazards (M = major, G = general):
    m1 = await hazard(client, admin, a, "major", "2023-05-01", ("plan", "2023-06-01", "2024-06-30"), ("close", "2024-06-20", "2024-06-25"))
    m2 = await hazard(client, admin, a, "major", "2023-09-01", ("plan", "2023-10-01", "2024-09-30"), ("close", "2025-01-10", "2025-01-15"))
    m3 = await hazard(client, admin, b, "major", "2024-04-01", ("plan", "2024-04-10", "2024-12-31"), ("close", "2024-12-01", "2024-12-05"))
    m4 = await hazard(client, admin, b, "major", "2024-08-01", ("void", "2024-08-10", None))
    m5 = await hazard(client, admin, a, "major", "2025-02-01", ("plan", "2025-02-10", "2026-02-28"))
    m6 = await hazard(client, admin, c, "major", "2026-03-01", ("plan", "2026-03-02", "2026-06-30"))
    g1 = await hazard(client, admin, a, "general", "2025-03-01", ("plan", "2025-03-02", "2025-03-31"), ("close", "2025-03-20", "2025-03-21"))
    g2 = await hazard(client, admin, c, "general", "2026-03-10", ("plan", "2026-03-11", "2026-03-12"))
    return {"v1": v1, "v2": v2, "a": a, "b": b, "c": c, "admin": admin,
            "ids": {"m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5, "m6": m6, "g1": g1, "g2": g2}}


async def test_small_street_compliance(client, street):
    r = await client.get("/api/v1/compliance", headers=street["admin"], params={"as_of": "2026-03-15", "limit": 200})
    got = {i["enterprise_id"]: i for i in r.json()["items"]}
    a, b, c = (got[str(street[k].id)] for k in "abc")
    # A monthly from Jan 2024: 24 months of 2024–2025 missed, Jan+Feb 2026 done, March current and done
    assert a["principal_inspection"] == {"period": "2026-03", "status": "done", "missed_periods": 24}
    # A half-yearly drills: H1 2024, H2 2024, H1 2025 missed; H2 2025 done; H1 2026 current
    assert a["drill"] == {"period": "2026-H1", "status": "due", "missed_periods": 3}
    # B quarterly: Q1 2024 – Q3 2025 missed (7), Q4 2025 done; Q1 2026 due
    assert b["principal_inspection"] == {"period": "2026-Q1", "status": "due", "missed_periods": 7}
    # B yearly: 2024 done, 2025 missed, 2026 due
    assert b["drill"] == {"period": "2026", "status": "due", "missed_periods": 1}
    # C: monthly from March 2026 (first full month after 2026-02-10) → due; half-year H1 2026 not owed
    assert c["principal_inspection"] == {"period": "2026-03", "status": "due", "missed_periods": 0}
    assert c["drill"] == {"period": "2026-H1", "status": "not_applicable", "missed_periods": 0}
    s = r.json()["summary"]
    assert s["enterprises"] == 3
    assert (s["principal_inspection"]["applicable"], s["principal_inspection"]["done"], s["principal_inspection"]["rate"]) == (3, 1, 0.3333)
    assert (s["drill"]["applicable"], s["drill"]["done"], s["drill"]["not_applicable"]) == (2, 0, 1)


async def test_small_street_targets(client, street):
    async def t(as_of, **params):  # type: ignore[no-untyped-def]
        r = await client.get("/api/v1/targets", headers=street["admin"], params={"as_of": as_of, **params})
        return {x["code"]: x for x in r.json()["items"]}

    # 2024-12-31: stock M1 closed, M2 open (deadline 2024-09-30 passed) → T1 at risk that day
    on = await t("2024-12-31")
    assert on["stock_cleared"]["status"] == "at_risk"
    assert on["stock_cleared"]["figures"] == {"stock_total": 2, "open_stock": 1, "closed_by_deadline": 1,
                                              "open_at_deadline": 1, "overdue_open_stock": 1}
    after = await t("2026-03-15")
    assert after["stock_cleared"]["status"] == "missed"
    # T2: 2024 increment M3 (M4 void does not count) = 1; 2025: M5 = 1 → 1 < 1 is false → missed
    assert after["increment_reduced"]["status"] == "missed"
    assert after["increment_reduced"]["figures"] == {"count_2024": 1, "count_2025": 1, "count_ytd": 1, "count_prev_same_dates": 1}
    # T3 on 2026-03-15: open majors M5 (deadline 2026-02-28, overdue) and M6 → at risk
    assert after["dynamic_zero"]["status"] == "at_risk"
    assert after["dynamic_zero"]["figures"] == {"open_major": 2, "overdue_open_major": 1, "overdue_open_major_at_year_end": 0}
    # cut by village: village 2 has only M6, not overdue
    v2 = await t("2026-03-15", village_id=str(street["v2"].id))
    assert v2["dynamic_zero"]["status"] == "on_track" and v2["dynamic_zero"]["figures"]["open_major"] == 1
    assert v2["stock_cleared"]["status"] == "met"  # no stock there
    # cut by sector: hazardous_chemicals holds M1, M2, M5
    hc = await t("2025-06-30", sector="hazardous_chemicals")
    assert hc["increment_reduced"]["figures"] == {"count_2024": 0, "count_2025": 1, "count_ytd": 1, "count_prev_same_dates": 0}
    assert hc["increment_reduced"]["status"] == "at_risk"


async def test_small_street_statistics(client, world, street):
    admin = street["admin"]
    r = await client.get("/api/v1/stats/hazards", headers=admin, params={"group_by": "village"})
    rows = {x["key"]: x for x in r.json()["items"]}
    v1, v2 = rows[str(street["v1"].id)], rows[str(street["v2"].id)]
    # village 1: M1 closed (2023-05-01 → 2024-06-25: 421 days), M2 closed (2023-09-01 → 2025-01-15: 502 days),
    # M3 closed (2024-04-01 → 2024-12-05: 248 days), M4 void, M5 open overdue, G1 closed (20 days)
    assert (v1["label"], v1["total"], v1["open"], v1["overdue"], v1["closed"], v1["void"]) == ("东湖村", 6, 1, 1, 4, 1)
    assert v1["closure_rate"] == 0.8 and v1["median_days_to_close"] == (248 + 421) / 2
    # village 2: M6 open (deadline 2026-06-30), G2 open and overdue (deadline 2026-03-12)
    assert (v2["total"], v2["open"], v2["overdue"], v2["closed"], v2["closure_rate"], v2["median_days_to_close"]) == (2, 2, 1, 0, 0.0, None)
    r = await client.get("/api/v1/stats/hazards", headers=admin, params={"group_by": "grade", "from": "2025-01-01"})
    rows = {x["key"]: x for x in r.json()["items"]}
    assert (rows["major"]["label"], rows["major"]["total"], rows["general"]["total"]) == ("重大", 2, 2)
    r = await client.get("/api/v1/stats/hazards", headers=admin, params={"group_by": "month", "from": "2026-01-01", "to": "2026-12-31"})
    assert [(x["key"], x["total"]) for x in r.json()["items"]] == [("2026-03", 2)]
    r = await client.get("/api/v1/stats/hazards", headers=admin, params={"group_by": "status"})
    assert {x["key"]: x["total"] for x in r.json()["items"]} == {"closed": 4, "rectifying": 3, "void": 1}
    # scoped: a village officer of village 2 counts only village 2
    village2 = await world.as_("village_officer", org_unit=street["v2"])
    r = await client.get("/api/v1/stats/hazards", headers=village2, params={"group_by": "grade"})
    assert {x["key"]: x["total"] for x in r.json()["items"]} == {"general": 1, "major": 1}
    r = await client.get("/api/v1/stats/hazards", headers=admin, params={"group_by": "weekday"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "group_by"
    r = await client.get("/api/v1/stats/hazards", headers=admin, params={"group_by": "grade", "from": "2026-01-01", "to": "2025-01-01"})
    assert r.status_code == 422


async def test_small_street_dashboard(client, world, street):
    r = await client.get("/api/v1/dashboard", headers=street["admin"], params={"as_of": "2026-03-15"})
    d = r.json()
    assert d["campaign_phase"] == "consolidation"
    assert d["major_hazards"] == {"open": 2, "overdue": 1, "listed": 0}
    assert [t["status"] for t in d["targets"]] == ["missed", "missed", "at_risk"]
    assert d["compliance"]["principal_inspection"]["rate"] == 0.3333
    by_village = {x["key"]: x for x in d["by_village"]}
    v1 = by_village[str(street["v1"].id)]
    assert (v1["label"], v1["open_major"], v1["overdue_major"], v1["principal_inspection_rate"], v1["drill_rate"]) == ("东湖村", 1, 1, 0.5, 0.0)
    v2 = by_village[str(street["v2"].id)]
    assert (v2["open_major"], v2["overdue_major"], v2["principal_inspection_rate"], v2["drill_rate"]) == (1, 0, 0.0, None)
    by_sector = {x["key"]: x for x in d["by_sector"]}
    assert by_sector["hazardous_chemicals"]["open_major"] == 1 and by_sector["construction"]["open_major"] == 1
    assert d["supervision"]["done"] >= 1
    village2 = await world.as_("village_officer", org_unit=street["v2"])
    r = await client.get("/api/v1/dashboard", headers=village2, params={"as_of": "2026-03-15"})
    d = r.json()
    assert d["major_hazards"] == {"open": 1, "overdue": 0, "listed": 0}
    assert [x["key"] for x in d["by_village"]] == [str(street["v2"].id)]
