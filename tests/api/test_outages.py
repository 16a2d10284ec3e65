"""Outages: a request that needs the database while it cannot be reached answers 503
(problem+json, Retry-After), never 500; connections that died are replaced, and the
first statement of a transaction (or a read) is retried once on a fresh one."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import select

from app.db import migrate
from app.db.models import Hazard
from app.db.reference import ensure_reference_data
from app.db.session import Database
from app.main import create_app
from app.settings import to_plain_url
from tests.conftest import Clock, test_settings
from tests.factories import World

APPS = ("anquan", "anquan-read", "anquan-side")
PASSWORD = "outage-test-password"
HAZARD = {"grade": "general", "source": "supervision", "title": "消防栓无水", "discovered_on": "2025-06-01"}


async def _street(world):  # type: ignore[no-untyped-def]
    e = await world.enterprise(await world.village(), "fire")
    admin = await world.user("street_admin", password=PASSWORD)
    return e, admin, world.headers(admin)


def _is_outage_answer(r: httpx.Response) -> bool:
    return (
        r.status_code == 503
        and r.headers.get("content-type", "").startswith("application/problem+json")
        and int(r.headers.get("retry-after", "0")) > 0
        and r.json()["code"] == "database_unavailable"
    )


async def _backends(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(to_plain_url(url))
    try:
        rows = await conn.fetch(
            "SELECT application_name, count(*) AS n FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = ANY($1::text[]) GROUP BY 1", list(APPS))
        return {r["application_name"]: r["n"] for r in rows}
    finally:
        await conn.close()


async def _terminate_all(url: str, *, seen: bool) -> int:
    """Every connection of the service dead. `seen`: the service's event loop runs
    meanwhile and notices the closed sockets; otherwise it is kept from running (the
    terminations run on a thread of their own while the loop waits), so that the service
    finds each connection dead only when it uses it."""
    if seen:
        killed = await _terminate(url)
        await asyncio.sleep(0.1)
        return killed
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _terminate(url)).result()  # blocks this loop on purpose


async def _terminate(url: str) -> int:
    """pg_terminate_backend on every connection of the service (this database only), and
    wait until the backends are gone."""
    conn = await asyncpg.connect(to_plain_url(url), server_settings={"application_name": "outage-test"})
    try:
        pids = [r["pid"] for r in await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = ANY($1::text[]) AND pid <> pg_backend_pid()", list(APPS))]
        killed = [pid for pid in pids if await conn.fetchval("SELECT pg_terminate_backend($1)", pid)]
        while await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", killed):
            await asyncio.sleep(0.02)
        return len(killed)
    finally:
        await conn.close()


@pytest.mark.parametrize("seen", [True, False], ids=["known-dead", "found-dead-on-use"])
async def test_terminated_backends_are_replaced_without_an_error(live, seen):
    e, admin_user, admin = await live.build(_street)
    url = live.db.engine.url.render_as_string(hide_password=False)
    async with live.client() as client:
        async def round_trip() -> list[int]:
            # login first: its first statement goes to the side pool, not to a read
            login = await client.post("/api/v1/auth/token", data={"username": admin_user.username, "password": PASSWORD})
            h = await client.post("/api/v1/hazards", headers=admin, json={**HAZARD, "enterprise_id": str(e.id)})
            read = await client.get(f"/api/v1/hazards/{h.json()['id']}", headers=admin) if h.status_code == 201 else h
            return [login.status_code, h.status_code, read.status_code]

        assert await round_trip() == [200, 201, 200]
        assert set(await _backends(url)) == set(APPS)  # every pool holds a connection
        for _ in range(3):
            assert await _terminate_all(url, seen=seen) >= len(APPS)
            assert await round_trip() == [200, 201, 200]


class _Street:
    def __init__(self, server, db, app, enterprise, headers) -> None:  # type: ignore[no-untyped-def]
        self.server, self.db, self.app, self.enterprise, self.headers = server, db, app, enterprise, headers


@pytest.fixture
async def own_server():  # type: ignore[no-untyped-def]
    """An embedded PostgreSQL of this test's own, to stop and start (never a shared server)."""
    from app.db.embedded import EmbeddedPostgres

    base = Path(tempfile.mkdtemp(prefix="anquan-outage-"))
    server = await asyncio.to_thread(EmbeddedPostgres, base / "pgdata")
    url = server.url()
    db = None
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        db = Database.from_url(url, pool_size=4, max_overflow=2)
        app = create_app(test_settings(), database=db, clock=Clock(datetime(2025, 6, 16, 2, tzinfo=timezone.utc)))
        async with db.transaction() as s:
            await ensure_reference_data(s)
            w = World(s, app)
            e, _, headers = await _street(w)
        yield _Street(server, db, app, e, headers)
    finally:
        if db is not None:
            await db.dispose()
        await asyncio.to_thread(server.stop)
        shutil.rmtree(base, ignore_errors=True)


async def test_a_server_stopped_mid_stream_answers_503_then_recovers_and_loses_nothing(own_server):
    street = own_server
    transport = httpx.ASGITransport(app=street.app)
    answers: list[tuple[str, httpx.Response]] = []
    stop = asyncio.Event()

    async def stream(client: httpx.AsyncClient, n: int) -> None:
        i = 0
        while not stop.is_set() and i < 2000:
            i += 1
            w = await client.post("/api/v1/hazards", headers={**street.headers, "Idempotency-Key": f"k-{n}-{i}"},
                                  json={**HAZARD, "enterprise_id": str(street.enterprise.id), "title": f"t{n}-{i}"})
            answers.append(("write", w))
            r = await client.get("/api/v1/hazards", headers=street.headers, params={"limit": 5})
            answers.append(("read", r))
            await asyncio.sleep(0.01)

    async with httpx.AsyncClient(transport=transport, base_url="http://t") as a, \
            httpx.AsyncClient(transport=transport, base_url="http://t") as b:
        streams = [asyncio.create_task(stream(a, 1)), asyncio.create_task(stream(b, 2))]
        try:
            await asyncio.sleep(0.5)
            before = len(answers)
            await asyncio.to_thread(street.server.halt)
            stopped = len(answers)
            await asyncio.sleep(1.0)
            during = len(answers)
            await asyncio.to_thread(street.server.resume)
            recovered_at = len(answers)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:  # until both kinds succeed again, a few times over
                tail = answers[recovered_at:]
                if sum(1 for _, r in tail if r.status_code in (200, 201)) >= 8:
                    break
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.gather(*streams)
    statuses = [r.status_code for _, r in answers]
    assert set(statuses) <= {200, 201, 503}, [r.text for r in (r for _, r in answers) if r.status_code not in (200, 201, 503)][:3]
    assert all(_is_outage_answer(r) for _, r in answers if r.status_code == 503)
    assert all(r.status_code in (200, 201) for _, r in answers[:before])
    assert any(r.status_code == 503 for _, r in answers[before:during])  # the outage was seen
    # and nothing else while it lasted (but for the one request of each stream in flight)
    assert all(r.status_code == 503 for _, r in answers[stopped + 2:during])
    assert {k for k, r in answers[-8:] if r.status_code in (200, 201)} == {"write", "read"}
    acknowledged = {r.json()["id"] for k, r in answers if k == "write" and r.status_code == 201}
    async with street.db.transaction() as s:
        stored = {str(i) for i in (await s.execute(select(Hazard.id))).scalars()}
    assert acknowledged and acknowledged <= stored  # every acknowledged write is there


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_wrong_database_url_answers_503_with_one_log_line_per_failure(tmp_path):
    port, nowhere = _free_port(), _free_port()  # nothing listens on `nowhere`
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")}
    env.update({"DATABASE_URL": f"postgresql://anquan@127.0.0.1:{nowhere}/anquan", "ANQUAN_ENV": "dev",
                "ANQUAN_DATA_DIR": str(tmp_path)})
    log = tmp_path / "stderr.log"
    with log.open("w") as err:
        # `app.serve` refuses to start on an unreachable database (tests/test_startup.py); a
        # worker started by a process manager of its own (uvicorn --factory) serves anyway.
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
                                 "--host", "127.0.0.1", "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=err, env=env)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
                await asyncio.sleep(0.2)
            answers = [await client.post("/api/v1/auth/token", data={"username": "admin", "password": "x" * 12})
                       for _ in range(3)]
            ready = await client.get("/readyz")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert all(_is_outage_answer(r) for r in answers), [(r.status_code, r.text) for r in answers]
    assert ready.status_code == 503
    text = log.read_text()
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if "Connection refused" in line or "database unavailable" in line]
    assert len(lines) == len(answers), text  # one line per failure, naming the cause
