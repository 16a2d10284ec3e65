"""The worker as a process: `python -m app.cli worker`, and the worker inside the API under
./scripts/run unless ANQUAN_WORKER_IN_PROCESS=false. A running worker registers the
schedules with the engine, their next run at the Asia/Shanghai cron time."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest

from app.db import migrate
from app.jobs.schedules import next_fire
from app.settings import to_plain_url
from tests.contract.live import free_port

ROOT = Path(__file__).resolve().parents[2]
import app.jobs.engine  # noqa: E402,F401  (registers the schedules)
from app.jobs.schedules import SCHEDULES  # noqa: E402

CRON = {name: s.cron for name, s in SCHEDULES.items()}
assert {"reminders", "target-digest", "escalation-proposals"} <= set(CRON)


def _env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
    return {**env, "DATABASE_URL": url, "ANQUAN_DATA_DIR": str(ROOT / "var" / "test-worker"), **extra}


def _schedules(url: str) -> dict[str, datetime]:
    import asyncio

    async def read() -> dict[str, datetime]:
        conn = await asyncpg.connect(to_plain_url(url))
        try:
            return {r["entrypoint"]: r["next_run"] for r in await conn.fetch("SELECT entrypoint, next_run FROM pgqueuer_schedules")}
        finally:
            await conn.close()

    return asyncio.run(read())


def _wait_for_schedules(url: str, process: subprocess.Popen, timeout: float = 60) -> dict[str, datetime]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the process exited"
        found = _schedules(url)
        if set(found) == set(CRON):
            return found
        time.sleep(0.3)
    raise AssertionError("the worker did not register its schedules")


def _check_times(found: dict[str, datetime]) -> None:
    now = datetime.now(timezone.utc)
    for name, cron in CRON.items():
        expected = next_fire(cron, now - timedelta(minutes=2))
        assert abs(found[name] - expected) < timedelta(minutes=3), (name, found[name], expected)


@pytest.fixture
def url(scratch_database) -> str:  # type: ignore[no-untyped-def]
    url = scratch_database()
    migrate.upgrade(url)
    return url


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def test_the_worker_command_runs_the_schedules_in_shanghai_time_and_stops_on_sigterm(url):
    process = subprocess.Popen([str(ROOT / ".venv/bin/python"), "-m", "app.cli", "worker"], cwd=ROOT, env=_env(url),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _check_times(_wait_for_schedules(url, process))
    finally:
        code = _stop(process)
    assert code == 0, process.stderr.read().decode()[-2000:] if process.stderr else ""


@pytest.mark.parametrize("in_process", [None, "false"])
def test_scripts_run_has_a_worker_in_process_unless_turned_off(url, in_process):
    extra = {} if in_process is None else {"ANQUAN_WORKER_IN_PROCESS": in_process}
    port = free_port()
    process = subprocess.Popen([str(ROOT / "scripts/run"), "--skip-setup", "--no-demo", "--port", str(port)],
                               cwd=ROOT, env=_env(url, **extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if in_process is None:
            _check_times(_wait_for_schedules(url, process))
        else:
            import httpx

            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
            time.sleep(3)
            assert _schedules(url) == {}
    finally:
        _stop(process)
