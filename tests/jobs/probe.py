"""Probe tasks for the engine's tests, registered like any task: they write what they did
into a table of the test database, so the test sees it from another connection. Run as
`python -m tests.jobs.probe URL [HEARTBEAT_SECONDS]` it is a worker with these tasks too."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from app.jobs.registry import JobEnv, task

PROBE_TABLE = "CREATE TABLE IF NOT EXISTS job_probe (mark text NOT NULL, pid integer NOT NULL, at timestamptz NOT NULL DEFAULT now())"


async def _mark(env: JobEnv, mark: str) -> None:
    async with env.db.transaction() as session:
        await session.execute(text("INSERT INTO job_probe (mark, pid) VALUES (:m, :p)"), {"m": mark, "p": os.getpid()})


@task("test.probe")
async def probe(env: JobEnv, payload: dict[str, Any]) -> None:
    await _mark(env, f"{payload['mark']}:started")
    if payload.get("sleep"):
        await asyncio.sleep(float(payload["sleep"]))
    await _mark(env, f"{payload['mark']}:done")


@task("test.fail", max_attempts=2)
async def fail(env: JobEnv, payload: dict[str, Any]) -> None:
    await _mark(env, f"{payload['mark']}:attempt")
    raise RuntimeError(f"the probe failed on purpose ({payload['mark']})")


async def _main(url: str, heartbeat: float) -> None:
    import signal

    from app.db.session import Database
    from app.jobs.engine import run_worker
    from tests.conftest import test_settings

    db = Database.from_url(url, pool_size=2, max_overflow=0)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("worker ready", flush=True)
    try:
        await run_worker(JobEnv(db, test_settings()), url, stop=stop, schedules=False,
                         heartbeat_timeout=timedelta(seconds=heartbeat))
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 30.0))
