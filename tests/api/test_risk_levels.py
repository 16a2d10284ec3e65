"""K4 at the scale of a street: the facts of the score come from the analytics read model
and are those of the ledger; the hazard export filters by level; the hazard statistics are
cut by level and the dashboard counts the enterprises at each level, within the scope (A1)."""

from __future__ import annotations

from datetime import date

import pytest

from app.db.repositories import risk as risk_repo
from app.db.repositories.read_model import READ_MODEL, REFERENCE
from app.domain.access import Scope, ScopeKind

TODAY = date(2025, 6, 16)  # the clock fixture's business date


@pytest.fixture
async def street(world, client):  # type: ignore[no-untyped-def]
    v1, v2 = await world.village(), await world.village()
    admin = await world.as_("street_admin")
    e = {
        # an open major hazard past its deadline, an open general one, a closed and a void one
        "overdue": await world.enterprise(v1, "hazardous_chemicals", standardization_level="3"),
        # open major hazards not yet due (one due today: not overdue, H6), general ones in each open state
        "open": await world.enterprise(v1, "industry_trade", tags=["dust_explosion"]),
        # only closed or void hazards; principal-led inspections and drills on time
        "tidy": await world.enterprise(v1, "commerce", high_risk=True, registered_on=date(2024, 5, 20)),
        # no hazards, nothing held since 2020: periods missed
        "idle": await world.enterprise(v2, "construction", high_risk=False),
        # closed since 2025: owes nothing now
        "closed": await world.enterprise(v2, "fire", status="closed"),
        # a red one by its hazards, in the other village
        "red": await world.enterprise(v2, "gas", benchmark=True),
    }
    h = world.hazard
    await h(e["overdue"], status="rectifying", discovered_on=date(2025, 4, 1), deadline=date(2025, 6, 1))
    await h(e["overdue"], status="reported", grade="general", discovered_on=date(2025, 6, 2))
    await h(e["overdue"], status="closed", discovered_on=date(2025, 1, 2), deadline=date(2025, 2, 1))
    await h(e["overdue"], status="void", grade="general", discovered_on=date(2025, 3, 2))
    await h(e["open"], status="rectifying", discovered_on=date(2025, 5, 1), deadline=TODAY)
    await h(e["open"], status="pending_review", discovered_on=date(2025, 5, 3), deadline=date(2025, 8, 1))
    for status in ("reported", "rectifying", "pending_review"):
        await h(e["open"], status=status, grade="general", discovered_on=date(2025, 5, 10), deadline=date(2025, 9, 1))
    await h(e["tidy"], status="closed", discovered_on=date(2024, 8, 1), deadline=date(2024, 9, 1))
    await h(e["tidy"], status="void", discovered_on=date(2024, 9, 1))
    for _ in range(3):  # one counter row of the read model holding three
        await h(e["red"], status="rectifying", discovered_on=date(2025, 1, 5), deadline=date(2025, 3, 1))
    # C1 monthly (high-risk) for `tidy`: every month from June 2024 to May 2025 but one; C2 twice
    for month in [m for m in range(6, 18) if m != 9]:
        day = date(2024 + (month - 1) // 12, (month - 1) % 12 + 1, 15)
        r = await client.post("/api/v1/inspections", headers=admin, json={
            "enterprise_id": str(e["tidy"].id), "kind": "principal_self", "performed_on": day.isoformat(),
            "led_by_principal": True})
        assert r.status_code == 201, r.text
    for day in ("2024-10-10", "2025-03-03"):
        r = await client.post("/api/v1/drills", headers=admin, json={
            "enterprise_id": str(e["tidy"].id), "kind": "evacuation", "held_on": day, "participants": 30,
            "scenario": "仓库起火"})
        assert r.status_code == 201, r.text
    return {
        "v1": v1, "v2": v2, "e": e, "admin": admin,
        "village1": await world.as_("village_officer", org_unit=v1),
        "village2": await world.as_("village_officer", org_unit=v2),
        "ent_red": await world.as_("enterprise_user", enterprise=e["red"]),
    }


async def test_k4_the_facts_from_the_read_model_are_the_ledgers(session, street):
    enterprises = list(street["e"].values())
    street_scope = Scope(ScopeKind.all)
    village2 = Scope(ScopeKind.village, village_id=street["v2"].id)
    for today in (TODAY, date(2025, 6, 1), date(2025, 6, 2), date(2024, 12, 31), date(2025, 1, 1), date(2026, 3, 1)):
        want = await risk_repo.facts(session, enterprises, today, REFERENCE)
        got = await risk_repo.facts(session, enterprises, today, READ_MODEL)
        assert got == want, today
        # the whole scope at once reads the same facts, from either source
        for source in (REFERENCE, READ_MODEL):
            assert (await risk_repo.facts_in_scope(session, street_scope, today, source))[0] == want, (today, source)
            in_village2 = (await risk_repo.facts_in_scope(session, village2, today, source))[0]
            assert in_village2 == {e.id: want[e.id] for e in enterprises if e.village_id == street["v2"].id}
    facts = await risk_repo.facts(session, enterprises, TODAY, READ_MODEL)
    e = street["e"]
    # the set is varied enough for the comparison to mean something
    assert (facts[e["overdue"].id].open_major, facts[e["overdue"].id].overdue_major, facts[e["overdue"].id].open_general) == (1, 1, 1)
    assert (facts[e["open"].id].open_major, facts[e["open"].id].overdue_major, facts[e["open"].id].open_general) == (2, 0, 3)
    assert (facts[e["tidy"].id].open_major, facts[e["tidy"].id].open_general) == (0, 0)
    assert (facts[e["red"].id].open_major, facts[e["red"].id].overdue_major) == (3, 3)
    assert facts[e["idle"].id].missed_periods == 4 + 1  # quarterly C1 and yearly C2 in the 12 months before
    assert 0 < facts[e["tidy"].id].missed_periods < facts[e["idle"].id].missed_periods
    assert facts[e["closed"].id].missed_periods == 0


async def _levels(client, headers, enterprises):  # type: ignore[no-untyped-def]
    out = {}
    for key, e in enterprises.items():
        r = await client.get(f"/api/v1/enterprises/{e.id}/risk", headers=headers)
        assert r.status_code == 200, r.text
        out[key] = r.json()
    return out


async def test_k4_hazard_statistics_by_the_enterprises_level(client, street, world):
    e, admin = street["e"], street["admin"]
    levels = {k: v["level"] for k, v in (await _levels(client, admin, e)).items()}
    assert len(set(levels.values())) >= 3  # several rows to tell apart
    r = await client.get("/api/v1/stats/hazards?group_by=risk_level", headers=admin)
    assert r.status_code == 200, r.text
    rows = r.json()["items"]
    by_grade = {}
    for g in ("village", "sector"):  # the same hazards, cut another way
        by_grade[g] = sum(x["total"] for x in (await client.get(f"/api/v1/stats/hazards?group_by={g}", headers=admin)).json()["items"])
    assert sum(x["total"] for x in rows) == by_grade["village"] == by_grade["sector"]
    order = ["red", "orange", "yellow", "blue"]
    assert [x["key"] for x in rows] == sorted({x["key"] for x in rows}, key=order.index)  # most severe first
    labels = {"red": "重大风险", "orange": "较大风险", "yellow": "一般风险", "blue": "低风险"}
    assert all(x["label"] == labels[x["key"]] for x in rows)
    # each level's row counts the hazards of the enterprises at that level
    for row in rows:
        ids = [k for k, v in levels.items() if v == row["key"]]
        want = {"total": 0, "open": 0, "overdue": 0}
        for k in ids:
            hazards = (await client.get(f"/api/v1/hazards?enterprise_id={e[k].id}&limit=200", headers=admin)).json()["items"]
            want["total"] += len(hazards)
            want["open"] += sum(h["status"] in ("reported", "rectifying", "pending_review") for h in hazards)
            want["overdue"] += sum(bool(h["overdue"]) for h in hazards)
        assert {f: row[f] for f in want} == want, row["key"]
    # an override moves an enterprise's hazards to the official's level
    r = await client.put(f"/api/v1/enterprises/{e['open'].id}/risk", headers=admin,
                         json={"level": "red", "reason": "近期发生险情，提级管控"})
    assert r.status_code == 200, r.text
    red = {x["key"]: x for x in (await client.get("/api/v1/stats/hazards?group_by=risk_level", headers=admin)).json()["items"]}["red"]
    before = {x["key"]: x for x in rows}.get("red", {"total": 0})
    assert red["total"] == before["total"] + (5 if levels["open"] != "red" else 0)
    # A1: a village officer's rows count his village's hazards only
    v2 = (await client.get("/api/v1/stats/hazards?group_by=risk_level", headers=street["village2"])).json()["items"]
    assert sum(x["total"] for x in v2) == 3 and [x["key"] for x in v2] == [levels["red"]]


async def test_k4_the_dashboard_counts_the_enterprises_at_each_level(client, street):
    e, admin = street["e"], street["admin"]
    assessed = await _levels(client, admin, e)
    r = await client.put(f"/api/v1/enterprises/{e['idle'].id}/risk", headers=admin,
                         json={"level": "orange", "reason": "专项检查发现问题较多"})
    assert r.status_code == 200, r.text
    assessed["idle"] = r.json()

    def counts(keys):  # type: ignore[no-untyped-def]
        out = {level: sum(assessed[k]["level"] == level for k in keys) for level in ("red", "orange", "yellow", "blue")}
        return out | {"overridden": sum(assessed[k]["overridden"] for k in keys)}

    # the street admin sees every enterprise: those of this test's street, and perhaps none other
    panel = (await client.get("/api/v1/dashboard", headers=admin)).json()["risk_levels"]
    assert panel == counts(e)
    assert panel["overridden"] == 1 and len({k for k, v in panel.items() if v and k != "overridden"}) >= 2
    # A1: a village officer counts his village's enterprises only; the levels are today's whatever as_of
    v1 = [k for k in e if e[k].village_id == street["v1"].id]
    v2 = [k for k in e if e[k].village_id == street["v2"].id]
    for as_of in ("", "?as_of=2024-12-31"):
        assert (await client.get(f"/api/v1/dashboard{as_of}", headers=street["village1"])).json()["risk_levels"] == counts(v1)
        assert (await client.get(f"/api/v1/dashboard{as_of}", headers=street["village2"])).json()["risk_levels"] == counts(v2)
    assert (await client.get("/api/v1/dashboard", headers=street["ent_red"])).json()["risk_levels"] == counts(["red"])
    assert counts(v1) != counts(v2)


async def test_k4_statistics_by_level_are_the_same_from_either_source(client, street, db, clock):
    import httpx

    from app.main import create_app
    from tests.conftest import test_settings

    app = create_app(test_settings(analytics_source="reference"), database=db, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as reference:
        for who in ("admin", "village1", "village2", "ent_red"):
            for path in ("/api/v1/stats/hazards?group_by=risk_level", "/api/v1/stats/hazards?group_by=risk_level&grade=major",
                         "/api/v1/dashboard"):
                got, want = await client.get(path, headers=street[who]), await reference.get(path, headers=street[who])
                assert got.status_code == want.status_code == 200, got.text
                assert got.content == want.content, (who, path)
