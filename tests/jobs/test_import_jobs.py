"""The ledger imports' jobs (I1–I2) under failure: a worker killed while it validates leaves
the import `validating`, and another worker, once the killed one's heartbeat is stale, takes
the job over and validates it from the start (no row staged twice); the commit then writes
every row once, and a commit job run again afterwards writes nothing more."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import sys
import uuid
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import func, select, text

from app.db.models import Drill, LedgerImport, LedgerImportError, LedgerImportRow
from app.db.unit_of_work import unit_of_work
from app.main import create_app
from app.services.imports import COMMIT_TASK
from tests.conftest import Clock, test_settings
from tests.factories import World
from tests.jobs.conftest import drain, wait_for, worker

NOW = datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc)
ROWS = 60_000
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _drills(code: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["统一社会信用代码", "演练类型", "演练日期", "参演人数"])
    for i in range(ROWS):
        writer.writerow([code, "疏散演练", "2025-03-01", i % 100 + 1])
    return out.getvalue().encode()


async def _state(db, import_id: uuid.UUID) -> tuple[str, int, int | None, int, int]:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        imp = (await session.execute(select(LedgerImport).where(LedgerImport.id == import_id))).scalar_one()
        staged = await session.scalar(select(func.count()).select_from(LedgerImportRow).where(LedgerImportRow.import_id == import_id))
        errors = await session.scalar(select(func.count()).select_from(LedgerImportError).where(LedgerImportError.import_id == import_id))
        return imp.status, imp.rows_done, imp.rows_total, int(staged or 0), int(errors or 0)


async def _drill_count(db, enterprise_id: uuid.UUID) -> int:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Drill).where(Drill.enterprise_id == enterprise_id)) or 0)


async def test_a_worker_killed_while_it_validates_leaves_an_import_another_worker_finishes(jobs_db, jobs_url):
    app = create_app(test_settings(), database=jobs_db, clock=Clock(NOW))
    async with jobs_db.transaction() as session:
        world = World(session, app)
        enterprise = await world.enterprise(await world.village("断点村"))
        auth = await world.as_("street_admin")

    # a worker of its own process, beating every second (heartbeat timeout 2 s)
    first = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.jobs.probe", jobs_url, "2",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=ROOT,
    )
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        try:
            await asyncio.wait_for(first.stdout.readline(), 30)  # type: ignore[union-attr]
            r = await client.post("/api/v1/imports", headers=auth, data={"kind": "drills"},
                                  files={"file": ("drills.csv", _drills(enterprise.credit_code), "text/csv")})
            assert r.status_code == 201, r.text
            import_id = uuid.UUID(r.json()["id"])

            async def midway() -> bool:
                status, done, total, _, _ = await _state(jobs_db, import_id)
                assert status == "validating", status  # killed before it could finish
                return total == ROWS and 0 < done < ROWS

            await wait_for(midway, timeout=120, every=0.02)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()

        status, done, total, staged, _ = await _state(jobs_db, import_id)
        assert status == "validating" and 0 < done < ROWS and staged > 0  # stuck where the kill left it

        async with worker(jobs_db, jobs_url, clock=Clock(NOW), heartbeat_timeout=timedelta(seconds=2)):
            async def finished() -> bool:
                return (await _state(jobs_db, import_id))[0] != "validating"

            await wait_for(finished, timeout=180)
            # validated again from the start: every row staged once, none lost, no error
            assert await _state(jobs_db, import_id) == ("ready", ROWS, ROWS, ROWS, 0)
            body = (await client.get(f"/api/v1/imports/{import_id}", headers=auth)).json()
            assert body["counts"] == {"valid": ROWS, "invalid": 0, "duplicates": 0}

            r = await client.post(f"/api/v1/imports/{import_id}/commit", headers=auth, json={})
            assert r.status_code == 202 and r.json()["status"] == "committing", r.text

            async def committed() -> bool:
                return (await _state(jobs_db, import_id))[0] == "committed"

            await wait_for(committed, timeout=180)
        assert await _drill_count(jobs_db, enterprise.id) == ROWS

    # the commit's job run again (a retry after the commit): nothing more is written
    async with unit_of_work(jobs_db, test_settings().audit_keys) as uow:
        uow.enqueue(COMMIT_TASK, {"import_id": str(import_id)})
        await uow.session.execute(text("SELECT 1"))
    await drain(jobs_db, jobs_url, clock=Clock(NOW))
    async with jobs_db.transaction() as session:
        assert not await session.scalar(text(
            "SELECT count(*) FROM pgqueuer WHERE entrypoint = :e AND status <> 'successful'"), {"e": COMMIT_TASK})
    assert await _drill_count(jobs_db, enterprise.id) == ROWS
    assert (await _state(jobs_db, import_id))[0] == "committed"
