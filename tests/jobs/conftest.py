"""A database of the module's own with committed data (workers need real transactions),
and helpers to run the real engine's workers in this process or as other processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from app.db import migrate
from app.db.session import Database
from tests.conftest import Clock, test_settings
from tests.jobs.probe import PROBE_TABLE


@pytest.fixture(scope="module")
async def jobs_url(scratch_database) -> str:  # type: ignore[no-untyped-def]
    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    return url


@pytest.fixture(scope="module")
async def jobs_db(jobs_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(jobs_url, pool_size=6, max_overflow=4)
    from app.db.reference import ensure_reference_data

    async with db.transaction() as session:
        await ensure_reference_data(session)
        await session.execute(text(PROBE_TABLE))
    yield db
    await db.dispose()


@pytest.fixture
def job_clock() -> Clock:
    return Clock(datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc))


async def marks(db: Database) -> list[str]:
    async with db.transaction() as session:
        return list((await session.execute(text("SELECT mark FROM job_probe ORDER BY at, mark"))).scalars())


async def wait_for(predicate, timeout: float = 20.0, every: float = 0.1):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def worker(db: Database, url: str, clock=None, **kw):  # type: ignore[no-untyped-def]
    """A real worker (PgQueuer queue manager, and the schedules unless schedules=False) in
    this process, stopped at the end of the block."""
    from app.jobs.engine import run_worker
    from app.jobs.registry import JobEnv

    env = JobEnv(db, test_settings(), clock or (lambda: datetime.now(timezone.utc)))
    stop = asyncio.Event()
    kw.setdefault("schedules", False)
    running = asyncio.create_task(run_worker(env, url, stop=stop, **kw))
    try:
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


async def drain(db: Database, url: str, clock=None) -> None:  # type: ignore[no-untyped-def]
    """Runs a worker until no job is ready."""
    from app.jobs.engine import run_worker
    from app.jobs.registry import JobEnv

    env = JobEnv(db, test_settings(), clock or (lambda: datetime.now(timezone.utc)))
    await asyncio.wait_for(run_worker(env, url, drain=True), 60)
