"""Real concurrent transactions: exactly one winner, no lost or duplicated rows."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.db.models import Event, Hazard, HazardHistory, Inspection


async def _street(world):  # type: ignore[no-untyped-def]
    v = await world.village()
    e = await world.enterprise(v, "hazardous_chemicals")
    admin = await world.user("street_admin")
    dept = await world.user("department_officer", org_unit=await world.department("emergency_management"))
    return e, world.headers(admin), world.headers(dept)


async def _pending_review(live, enterprise) -> dict:  # type: ignore[no-untyped-def]
    async def build(world):  # type: ignore[no-untyped-def]
        return {"id": str((await world.hazard(enterprise, status="pending_review")).id)}

    return await live.build(build)


async def test_h2_two_concurrent_reviews_exactly_one_wins(live):
    e, admin, dept = await live.build(_street)
    h = await _pending_review(live, e)
    async with live.client() as client:
        etag = (await client.get(f"/api/v1/hazards/{h['id']}", headers=admin)).headers["ETag"]
        async with live.client() as other:
            results = await asyncio.gather(
                client.post(f"/api/v1/hazards/{h['id']}/review", headers={**admin, "If-Match": etag}, json={"decision": "approve"}),
                other.post(f"/api/v1/hazards/{h['id']}/review", headers={**dept, "If-Match": etag},
                           json={"decision": "reject", "comment": "证据不足"}),
            )
    codes = sorted(r.status_code for r in results)
    assert codes[0] == 200 and codes[1] in (409, 412), [r.text for r in results]
    async with live.db.transaction() as session:
        reviews = (await session.execute(select(func.count()).select_from(HazardHistory).where(
            HazardHistory.hazard_id == h["id"], HazardHistory.action.in_(["approve", "reject"])))).scalar_one()
    assert reviews == 1


async def test_h2_concurrent_reviews_without_if_match_one_wins(live):
    e, admin, dept = await live.build(_street)
    h = await _pending_review(live, e)
    async with live.client() as a, live.client() as b:
        results = await asyncio.gather(*[
            c.post(f"/api/v1/hazards/{h['id']}/review", headers=hd, json={"decision": "approve"})
            for c, hd in ((a, admin), (b, dept))
        ])
    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["current_status"] == "closed"


async def test_inspection_retries_create_exactly_one(live):
    e, admin, _ = await live.build(_street)
    body = {
        "enterprise_id": str(e.id), "kind": "supervision", "performed_on": "2025-06-10",
        "findings": [{"grade": "general", "title": "灭火器过期"}, {"grade": "general", "title": "通道堵塞"},
                     {"grade": "major", "title": "有限空间未审批"}],
    }
    headers = {**admin, "Idempotency-Key": "mobile-retry-0001"}
    clients = [live.client() for _ in range(4)]
    try:
        results = await asyncio.gather(*[c.post("/api/v1/inspections", headers=headers, json=body) for c in clients])
    finally:
        for c in clients:
            await c.aclose()
    assert [r.status_code for r in results] == [201] * 4, [r.text for r in results]
    assert len({r.text for r in results}) == 1  # every replay answers like the first
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in results) == 3
    async with live.db.transaction() as session:
        n_insp = (await session.execute(select(func.count()).select_from(Inspection).where(Inspection.enterprise_id == e.id))).scalar_one()
        n_haz = (await session.execute(select(func.count()).select_from(Hazard).where(Hazard.enterprise_id == e.id))).scalar_one()
    assert (n_insp, n_haz) == (1, 3)


async def test_event_ids_follow_commit_order_under_concurrency(live):
    e, admin, _ = await live.build(_street)
    async with live.db.transaction() as session:
        start = (await session.execute(select(func.coalesce(func.max(Event.id), 0)))).scalar_one()
    clients = [live.client() for _ in range(8)]
    try:
        await asyncio.gather(*[
            c.post("/api/v1/hazards", headers=admin, json={"enterprise_id": str(e.id), "grade": "general",
                                                           "source": "patrol", "title": f"t{i}", "discovered_on": "2025-06-01"})
            for i, c in enumerate(clients)
        ])
        r = await clients[0].get(f"/api/v1/events?after={start}", headers=admin)
    finally:
        for c in clients:
            await c.aclose()
    ids = [i["id"] for i in r.json()["items"]]
    assert len(ids) == 8 and ids == sorted(ids)
