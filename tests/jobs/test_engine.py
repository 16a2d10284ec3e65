"""The job engine on the real PgQueuer and PostgreSQL: transactional enqueue (R7), workers
that restart or die, failing jobs, the schema the pinned release expects, schedules read
in Asia/Shanghai."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg
import pytest
from sqlalchemy import text

from app.db.unit_of_work import UnitOfWork
from app.jobs.schedules import next_fire
from app.settings import to_plain_url
from tests.conftest import test_settings
from tests.jobs.conftest import marks, wait_for, worker



def _uow(db):  # type: ignore[no-untyped-def]
    return UnitOfWork.open(db, test_settings().audit_keys)


async def _enqueue(db, mark: str, *, commit: bool, name: str = "test.probe", **payload):  # type: ignore[no-untyped-def]
    uow = _uow(db)
    try:
        uow.enqueue(name, {"mark": mark, **payload})
        uow.event("probe.ran", "probes", uuid.uuid4())
        if commit:
            await uow.commit()
        else:
            await uow.rollback()
    finally:
        await uow.close()


async def _queued(db, mark: str) -> int:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await session.scalar(
            text("SELECT count(*) FROM pgqueuer WHERE convert_from(payload, 'UTF8')::jsonb->>'mark' = :m"), {"m": mark}
        )


async def test_a_rolled_back_write_enqueues_nothing(jobs_db, jobs_url):
    await _enqueue(jobs_db, "rolled-back", commit=False)
    assert await _queued(jobs_db, "rolled-back") == 0
    await _enqueue(jobs_db, "committed", commit=True)
    assert await _queued(jobs_db, "committed") == 1


async def test_an_error_before_commit_enqueues_nothing(jobs_db, jobs_url):
    uow = _uow(jobs_db)
    try:
        uow.enqueue("test.probe", {"mark": "failed-write"})
        await uow.session.execute(text("SELECT 1"))
        with pytest.raises(Exception):
            await uow.session.execute(text("INSERT INTO org_unit (id, kind, name) VALUES (gen_random_uuid(), 'bogus', 'x')"))
        await uow.rollback()
    finally:
        await uow.close()
    assert await _queued(jobs_db, "failed-write") == 0


async def test_a_committed_job_survives_a_worker_restart(jobs_db, jobs_url):
    async with worker(jobs_db, jobs_url):
        await asyncio.sleep(0.5)
    # no worker runs while the write commits
    await _enqueue(jobs_db, "while-down", commit=True)
    await asyncio.sleep(0.5)
    assert "while-down:done" not in await marks(jobs_db)
    async with worker(jobs_db, jobs_url):
        await wait_for(lambda: _has(jobs_db, "while-down:done"))
    assert (await marks(jobs_db)).count("while-down:done") == 1


async def _has(db, mark: str) -> bool:  # type: ignore[no-untyped-def]
    return mark in await marks(db)


def _spawn(url: str, heartbeat: float) -> asyncio.subprocess.Process:
    return asyncio.create_subprocess_exec(  # type: ignore[return-value]
        sys.executable, "-m", "tests.jobs.probe", url, str(heartbeat),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )


async def test_a_killed_workers_job_is_taken_over(jobs_db, jobs_url):
    first = await _spawn(jobs_url, 2.0)
    try:
        await asyncio.wait_for(first.stdout.readline(), 30)  # type: ignore[union-attr]
        await _enqueue(jobs_db, "orphan", commit=True, sleep=60)
        await wait_for(lambda: _has(jobs_db, "orphan:started"), timeout=30)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    async with worker(jobs_db, jobs_url, heartbeat_timeout=timedelta(seconds=2)):
        # the job is picked again once its heartbeat is stale; this time it finishes quickly
        async with jobs_db.transaction() as session:
            await session.execute(text(
                "UPDATE pgqueuer SET payload = convert_to('{\"mark\": \"orphan\", \"sleep\": 0}', 'UTF8') "
                "WHERE convert_from(payload, 'UTF8')::jsonb->>'mark' = 'orphan'"
            ))
        await wait_for(lambda: _has(jobs_db, "orphan:done"), timeout=30)
    got = await marks(jobs_db)
    assert got.count("orphan:started") == 2 and got.count("orphan:done") == 1


async def test_a_job_that_keeps_failing_ends_failed_with_its_error(jobs_db, jobs_url):
    await _enqueue(jobs_db, "doomed", commit=True, name="test.fail")

    async def failed() -> bool:
        async with jobs_db.transaction() as session:
            return bool(await session.scalar(text(
                "SELECT count(*) FROM pgqueuer WHERE status = 'failed' AND entrypoint = 'test.fail'")))

    async with worker(jobs_db, jobs_url):
        await wait_for(failed, timeout=40)
    assert (await marks(jobs_db)).count("doomed:attempt") == 2
    from app.db.repositories import jobs as jobs_repo

    async with jobs_db.transaction() as session:
        page = await jobs_repo.page(session, status="failed", limit=10)
    doomed = [j for j in page if j.entrypoint == "test.fail"]
    assert doomed and "the probe failed on purpose (doomed)" in doomed[0].error
    assert doomed[0].attempts == 2

    # street_admin reads it through the API
    import httpx

    from app.main import create_app
    from tests.factories import World

    app = create_app(test_settings(), database=jobs_db)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        admin = world.headers(await world.user("street_admin"))
        supervisor = world.headers(await world.user("supervisor"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        r = await client.get("/api/v1/jobs", params={"status": "failed"}, headers=admin)
        assert r.status_code == 200, r.text
        item = next(j for j in r.json()["items"] if j["task"] == "test.fail")
        assert item["status"] == "failed" and item["attempts"] == 2 and item["error_type"] == "RuntimeError"
        assert item["error"] == "the probe failed on purpose (doomed)"
        r = await client.get("/api/v1/jobs", params={"status": "failed", "limit": 1}, headers=admin)
        assert len(r.json()["items"]) == 1 and r.json()["next_cursor"]
        r2 = await client.get("/api/v1/jobs", params={"status": "failed", "cursor": r.json()["next_cursor"]}, headers=admin)
        assert r2.status_code == 200 and all(j["id"] > r.json()["items"][0]["id"] for j in r2.json()["items"])
        assert (await client.get("/api/v1/jobs", params={"status": "failed"}, headers=supervisor)).status_code == 403


async def test_the_schema_is_what_the_pinned_release_declares(jobs_url):
    from pgqueuer import AsyncpgDriver
    from pgqueuer.adapters.persistence import qb, schema_inspect, schema_plan
    from pgqueuer.domain.schema.declaration import target

    conn = await asyncpg.connect(to_plain_url(jobs_url))
    try:
        settings = qb.DBSettings()
        live = await schema_inspect.inspect(AsyncpgDriver(conn), settings)
        plan = schema_plan.plan(live, target(settings), settings)
    finally:
        await conn.close()
    assert list(plan.statements) == []


def test_schedules_are_read_in_shanghai():
    # 09:00 in Shanghai is 01:00 UTC; seen at 10:00 Shanghai (02:00 UTC) it is tomorrow's
    assert next_fire("0 9 * * *", datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc)) == datetime(
        2025, 6, 17, 1, 0, tzinfo=timezone.utc)
    assert next_fire("0 9 * * *", datetime(2025, 6, 16, 0, 30, tzinfo=timezone.utc)) == datetime(
        2025, 6, 16, 1, 0, tzinfo=timezone.utc)
    # Monday 09:00 Shanghai: Sunday 23:00 UTC is already Monday 07:00 there
    assert next_fire("0 9 * * 1", datetime(2025, 6, 15, 23, 0, tzinfo=timezone.utc)) == datetime(
        2025, 6, 16, 1, 0, tzinfo=timezone.utc)
    # 00:30 Shanghai on the 1st is 16:30 UTC the day before
    assert next_fire("30 0 1 * *", datetime(2025, 6, 2, 0, 0, tzinfo=timezone.utc)) == datetime(
        2025, 6, 30, 16, 30, tzinfo=timezone.utc)
