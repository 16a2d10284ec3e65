"""C5 (K5) through HTTP against PostgreSQL: the level history from the overrides as made,
the department inspections that count, and the scope; and hazard statistics by criterion."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from app.db.models import Inspection
from app.main import create_app
from tests.conftest import test_settings

URL = "/api/v1/compliance/differentiated"


async def inspect(session, e, on, kind="department"):  # type: ignore[no-untyped-def]
    session.add(Inspection(enterprise_id=e.id, village_id=e.village_id, sector=e.sector, kind=kind,
                           performed_on=date.fromisoformat(on), led_by_principal=False))
    await session.flush()


async def override(client, headers, e, level, clock, at):  # type: ignore[no-untyped-def]
    clock.set(at)
    r = await client.put(f"/api/v1/enterprises/{e.id}/risk", headers=headers, json={"level": level, "reason": "复核调整"})
    assert r.status_code == 200, r.text


async def c5_of(client, headers, e, as_of):  # type: ignore[no-untyped-def]
    r = await client.get(URL, headers=headers, params={"as_of": as_of, "village_id": str(e.village_id)})
    assert r.status_code == 200, r.text
    return next(i for i in r.json()["items"] if i["enterprise_id"] == str(e.id))


@pytest.fixture
async def admin(world):
    return await world.as_("street_admin")


async def test_c5_red_enterprise_becomes_yellow_in_may(client, world, session, admin, clock):
    e = await world.enterprise(await world.village(), registered_on=date(2025, 1, 1))
    await override(client, admin, e, "red", clock, "2024-12-20T02:00:00+00:00")
    await override(client, admin, e, "yellow", clock, "2025-05-10T02:00:00+00:00")
    for on in ("2025-01-15", "2025-03-03", "2025-05-20", "2025-06-10"):
        await inspect(session, e, on)
    await inspect(session, e, "2025-02-10", kind="village_patrol")  # only the department's inspection counts
    c = await c5_of(client, admin, e, "2025-05-31")
    assert (c["risk_level"], c["kind"]) == ("yellow", "half_year")
    # May began red: owed monthly; February and April were missed
    assert c["differentiated_inspection"] == {
        "period": "2025-05", "status": "done", "missed_periods": 2, "missed": ["2025-02", "2025-04"],
    }
    # June began yellow, but H1 began red: neither is owed
    c = await c5_of(client, admin, e, "2025-06-30")
    assert c["differentiated_inspection"] == {
        "period": "2025-H1", "status": "not_applicable", "missed_periods": 2, "missed": ["2025-02", "2025-04"],
    }
    # half-years are owed from H2; the June inspection is not in it
    c = await c5_of(client, admin, e, "2025-07-01")
    assert c["differentiated_inspection"]["period"] == "2025-H2"
    assert c["differentiated_inspection"]["status"] == "due"
    c = await c5_of(client, admin, e, "2026-01-01")
    assert c["differentiated_inspection"] == {
        "period": "2026-H1", "status": "due", "missed_periods": 3, "missed": ["2025-02", "2025-04", "2025-H2"],
    }


async def test_c5_a_past_as_of_ignores_later_overrides(client, world, session, admin, clock):
    e = await world.enterprise(await world.village(), registered_on=date(2025, 1, 1))
    await override(client, admin, e, "orange", clock, "2024-12-20T02:00:00+00:00")
    await override(client, admin, e, "red", clock, "2025-05-31T16:30:00+00:00")  # 1 June in Shanghai
    await inspect(session, e, "2025-02-01")
    c = await c5_of(client, admin, e, "2025-05-31")
    assert (c["risk_level"], c["kind"]) == ("orange", "quarter")
    assert c["differentiated_inspection"] == {"period": "2025-Q2", "status": "due", "missed_periods": 0, "missed": []}
    c = await c5_of(client, admin, e, "2025-06-01")
    assert c["risk_level"] == "red"
    assert c["differentiated_inspection"]["period"] == "2025-06"  # months from June; Q2 stays owed


async def test_c5_without_override_uses_the_computed_level(client, world, admin):
    e = await world.enterprise(await world.village(), registered_on=date(2025, 1, 1))
    r = await client.get(f"/api/v1/enterprises/{e.id}/risk", headers=admin)
    computed = r.json()["computed_level"]
    c = await c5_of(client, admin, e, "2025-06-16")
    assert c["risk_level"] == computed
    kind = {"red": "month", "orange": "quarter", "yellow": "half_year", "blue": "year"}[computed]
    assert c["kind"] == kind


async def test_c5_scope_another_village_sees_none(client, world, admin):
    v1, v2 = await world.village(), await world.village()
    e1, e2 = await world.enterprise(v1), await world.enterprise(v2)
    officer = await world.as_("village_officer", org_unit=v1)
    ids = {i["enterprise_id"] for i in (await client.get(URL, headers=officer)).json()["items"]}
    assert str(e1.id) in ids and str(e2.id) not in ids
    r = await client.get(URL, headers=officer, params={"village_id": str(v2.id)})
    assert r.status_code == 200 and r.json()["items"] == []
    e3 = await world.enterprise(v1)
    own = await world.as_("enterprise_user", enterprise=e3)
    assert [i["enterprise_id"] for i in (await client.get(URL, headers=own)).json()["items"]] == [str(e3.id)]


async def test_c5_pages_in_id_order(client, world, admin):
    v = await world.village()
    made = sorted([str((await world.enterprise(v)).id) for _ in range(3)])
    r = await client.get(URL, headers=admin, params={"village_id": str(v.id), "limit": 2})
    body = r.json()
    assert [i["enterprise_id"] for i in body["items"]] == made[:2] and body["next_cursor"]
    r = await client.get(URL, headers=admin, params={"village_id": str(v.id), "limit": 2, "cursor": body["next_cursor"]})
    assert [i["enterprise_id"] for i in r.json()["items"]] == made[2:] and r.json()["next_cursor"] is None


async def test_c5_bad_input_names_the_field(client, admin):
    r = await client.get(URL, headers=admin, params={"as_of": "2025-13-01"})
    assert r.status_code == 422 and "as_of" in r.text
    r = await client.get(URL, headers=admin, params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.text


async def _criteria(session, sector, n):  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    rows = await session.execute(text(
        "SELECT c.code, c.article, c.item, d.number, d.title FROM criterion c JOIN criteria_document d ON d.id = c.document_id "
        "WHERE :sector = ANY(c.sectors) AND c.grade = 'major' AND c.effective_to IS NULL "
        "AND c.version = (SELECT max(version) FROM criteria_version) ORDER BY c.code LIMIT :n"), {"sector": sector, "n": n})
    return list(rows)


@pytest.fixture
async def reference(db, clock):  # type: ignore[no-untyped-def]
    app = create_app(test_settings(analytics_source="reference"), database=db, clock=clock)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_stats_by_criterion_counts_each_code_with_its_article(client, reference, world, session):
    v1, v2 = await world.village(), await world.village()
    e1, e2 = await world.enterprise(v1), await world.enterprise(v2)
    a, b = await _criteria(session, e1.sector, 2)
    for code, status in ((a.code, "reported"), (a.code, "closed"), (b.code, "reported")):
        await world.hazard(e1, status=status, criterion_code=code)
    await world.hazard(e1, grade="general")  # no criterion
    await world.hazard(e2, criterion_code=b.code)
    officer = await world.as_("village_officer", org_unit=v1)
    r = await client.get("/api/v1/stats/hazards", headers=officer, params={"group_by": "criterion"})
    assert r.status_code == 200, r.text
    ref = await reference.get("/api/v1/stats/hazards", headers=officer, params={"group_by": "criterion"})
    assert ref.content == r.content
    rows = {i["key"]: i for i in r.json()["items"]}
    assert set(rows) == {a.code, b.code, None}
    assert (rows[a.code]["total"], rows[a.code]["closed"], rows[a.code]["open"]) == (2, 1, 1)
    assert rows[b.code]["total"] == 1  # another village's hazard is not counted
    assert rows[None]["total"] == 1 and rows[None]["label"] is None
    assert rows[a.code]["label"].startswith(a.number) and f"《{a.title}》" in rows[a.code]["label"]
    assert a.article and a.article in rows[a.code]["label"]
