"""The analytics cache: shared through PostgreSQL, exact — any write through the API
moves the audit trail's head, and the next question is computed afresh."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import AnalyticsCache
from app.main import create_app
from tests.api.helpers import create_hazard
from tests.conftest import test_settings


@pytest.fixture
async def cached_client(db, clock):
    app = create_app(test_settings(analytics_cache=True), database=db, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def test_answers_are_reused_until_the_next_write(cached_client, world, session):
    v = await world.village()
    e = await world.enterprise(v, "hazardous_chemicals")
    admin = await world.as_("street_admin")
    await create_hazard(cached_client, admin, e)
    first = await cached_client.get("/api/v1/stats/hazards?group_by=grade", headers=admin)
    entry = (await session.execute(select(AnalyticsCache))).scalar_one()
    again = await cached_client.get("/api/v1/stats/hazards?group_by=grade", headers=admin)
    assert first.json() == again.json() == {
        "group_by": "grade", "from": None, "to": None,
        "items": [{"key": "major", "label": "重大", "total": 1, "open": 1, "overdue": 0, "closed": 0, "void": 0,
                   "closure_rate": 0.0, "median_days_to_close": None}],
    }
    await session.refresh(entry)
    version = entry.version
    await create_hazard(cached_client, admin, e, grade="general")  # a write: the head moves
    third = await cached_client.get("/api/v1/stats/hazards?group_by=grade", headers=admin)
    assert {i["key"]: i["total"] for i in third.json()["items"]} == {"general": 1, "major": 1}
    await session.refresh(entry)
    assert entry.version > version
    # Every answer says the version of the data it reflects: the cached entry's, then the new head.
    assert first.headers["Data-Version"] == again.headers["Data-Version"] == str(version)
    assert third.headers["Data-Version"] == str(entry.version)


async def test_answers_are_kept_apart_by_scope(cached_client, world, session):
    v1, v2 = await world.village(), await world.village()
    admin = await world.as_("street_admin")
    await create_hazard(cached_client, admin, await world.enterprise(v1, "fire"), grade="general")
    one = await world.as_("village_officer", org_unit=v1)
    two = await world.as_("village_officer", org_unit=v2)
    a = await cached_client.get("/api/v1/stats/hazards?group_by=grade", headers=one)
    b = await cached_client.get("/api/v1/stats/hazards?group_by=grade", headers=two)
    assert [i["total"] for i in a.json()["items"]] == [1] and b.json()["items"] == []
    assert (await session.execute(select(func.count()).select_from(AnalyticsCache))).scalar_one() == 2
    for path in ("/api/v1/dashboard", "/api/v1/targets", "/api/v1/compliance", "/api/v1/compliance/supervision",
                 "/api/v1/compliance/training?year=2025"):
        first = await cached_client.get(path, headers=one)
        assert first.status_code == 200 and first.json() == (await cached_client.get(path, headers=one)).json()


async def test_concurrent_misses_compute_once_and_share_the_answer(scratch_database):
    """Pollers that miss together wait for the first computation instead of repeating it;
    each takes a connection of its own, as separate workers would."""
    import asyncio

    from app.db import migrate
    from app.db.session import Database
    from app.domain.access import Scope, ScopeKind
    from app.services.analytics_cache import cache_key, cached

    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=6, max_overflow=0)
    computed = 0
    started = asyncio.Event()

    async def compute() -> bytes:
        nonlocal computed
        computed += 1
        started.set()
        await asyncio.sleep(0.3)  # long enough for the others to arrive and queue
        return b'{"answer": 42}'

    key = cache_key("q", Scope(ScopeKind.all))

    async def ask() -> bytes:
        async with db.transaction() as session:
            payload, _ = await cached(session, db, key, compute)
            return payload

    try:
        first = asyncio.create_task(ask())
        await started.wait()
        answers = await asyncio.gather(first, *(ask() for _ in range(4)))
        assert answers == [b'{"answer": 42}'] * 5
        assert computed == 1
    finally:
        await db.dispose()
