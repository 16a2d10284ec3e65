"""reminders_10k: 10,000 hazard reminders due at once (deadline in 7 days, 09:00 Asia/Shanghai),
made by the `reminders` schedule and delivered by one worker of the real engine: in-app to
each enterprise's user and a text message to its principal through an SMS gateway on
loopback (a receiver in this process). Timed from the schedule's run until every reminder
is `sent` and every SMS has reached the receiver. Target: ≤ 60 s.

It works in the bench database of its own (BENCH_DATABASE_NAME): recreated, migrated, the
reference data, 1 village, 500 enterprises with a user each, 10,000 rectifying hazards."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from datetime import datetime, time as clock_time, timedelta
from pathlib import Path
from typing import Any

FANOUT_SCENARIOS = {"reminders_10k"}
HAZARDS = 10_000
ENTERPRISES = 500
SECONDS_TARGET = 60.0


class SmsReceiver:
    """A minimal HTTP/1.1 endpoint on loopback that answers 200 and counts the requests."""

    def __init__(self) -> None:
        self.count = 0
        self.server: asyncio.base_events.Server | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                self.count += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def _prepare(url: str, today: Any) -> None:
    from sqlalchemy import text

    from app.db import migrate
    from app.db.reference import ensure_reference_data
    from app.db.session import Database

    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            await session.execute(text(
                "INSERT INTO org_unit (id, kind, name, code) VALUES (gen_random_uuid(), 'village', '【演示】提醒村', 'bench-fanout')"))
            await session.execute(text(
                """
                INSERT INTO enterprise (id, name, credit_code, village_id, sector, high_risk, status, registered_on, tags,
                                        principal_name, principal_phone, controller_name, controller_phone)
                SELECT gen_random_uuid(), '【演示】提醒企业' || i || '有限公司', '9134' || lpad(i::text, 14, '0'),
                       (SELECT id FROM org_unit WHERE code = 'bench-fanout'), 'industry_trade', false, 'active',
                       DATE '2020-01-01', '{}', '王强', '1380013' || lpad((i % 10000)::text, 4, '0'), '王建国', '13900139000'
                FROM generate_series(1, :n) AS i
                """), {"n": ENTERPRISES})
            await session.execute(text(
                """
                INSERT INTO app_user (id, username, password_hash, role, enterprise_id)
                SELECT gen_random_uuid(), 'bench_fanout_' || row_number() OVER (), 'x', 'enterprise_user', e.id
                FROM enterprise e
                """))
            await session.execute(text(
                """
                INSERT INTO hazard (id, enterprise_id, village_id, sector, grade, source, title, discovered_on, status,
                                    status_effective_on, deadline, deadline_set_on, responsible_person)
                SELECT gen_random_uuid(), e.id, e.village_id, e.sector, 'general', 'patrol', '消防通道堵塞（' || i || '）',
                       CAST(:today AS date) - 3, 'rectifying', CAST(:today AS date) - 2, CAST(:today AS date) + 7,
                       CAST(:today AS date) - 2, '李明'
                FROM generate_series(1, :n) AS i
                JOIN LATERAL (SELECT id, village_id, sector FROM enterprise ORDER BY id OFFSET (i % :m) LIMIT 1) e ON true
                """), {"n": HAZARDS, "m": ENTERPRISES, "today": today})
            await session.execute(text("ANALYZE"))
    finally:
        await db.dispose()


async def run_fanout_bench(server: Any, root: Path, *, log: Callable[[str], None]) -> int:
    from sqlalchemy import text

    from app.db.session import Database
    from app.domain.calendar import SHANGHAI, business_date
    from app.jobs.engine import run_scheduled, run_worker
    from app.jobs.registry import JobEnv
    from app.settings import Settings
    from bench.db import recreate_database

    url = server.bench_url
    today = business_date(datetime.now(SHANGHAI))
    # 09:00 in Shanghai on the real business day: the reminders' send time, outside the quiet hours
    now = datetime.combine(today, clock_time(9, 0), tzinfo=SHANGHAI)
    log(f"reminders_10k: recreating {url.rsplit('/', 1)[-1]}")
    await recreate_database(server)
    await _prepare(url, today)
    receiver = SmsReceiver()
    port = await receiver.start()
    settings = Settings(env="dev", sms_gateway_url=f"http://127.0.0.1:{port}/sms",
                        notify_rate_limit_per_hour=100_000)
    # a worker's connections: its unit-of-work pool and the engine's own (dequeue, heartbeats, log)
    db = Database.from_url(url, pool_size=int(os.environ.get("BENCH_WORKER_POOL", "8")), max_overflow=0)
    clock = lambda: now + timedelta(seconds=time.monotonic() - started)  # noqa: E731
    env = JobEnv(db, settings, clock)
    stop = asyncio.Event()
    try:
        started = time.monotonic()
        summary = await run_scheduled(env, "reminders")
        scanned = time.monotonic()
        log(f"reminders_10k: {summary} in {scanned - started:.1f} s; one worker delivers")
        worker = asyncio.create_task(run_worker(env, url, stop=stop, schedules=False, batch_size=10,
                                                max_concurrent_tasks=20))

        async def counts() -> tuple[int, int]:
            async with db.transaction() as session:
                sent = await session.scalar(text("SELECT count(*) FROM reminder WHERE status = 'sent'"))
                in_app = await session.scalar(text("SELECT count(*) FROM notification WHERE channel = 'in_app'"))
            return sent, in_app

        sent = in_app = 0
        while time.monotonic() - started < 300:
            sent, in_app = await counts()
            if sent >= HAZARDS and receiver.count >= HAZARDS:
                break
            if worker.done():
                break
            await asyncio.sleep(0.5)
        finished = time.monotonic()
    finally:
        stop.set()
        try:
            await asyncio.wait_for(worker, 60)  # type: ignore[possibly-undefined]
        except Exception as exc:  # noqa: BLE001 - reported, the numbers stand
            log(f"reminders_10k: the worker stopped with {exc!r}")
        await receiver.stop()
        await db.dispose()
    result = {
        "scenario": "reminders_10k",
        "reminders": HAZARDS,
        "sent": sent,
        "in_app_notifications": in_app,
        "sms_received": receiver.count,
        "scan_seconds": round(scanned - started, 2),
        "total_seconds": round(finished - started, 2),
        "targets": {"all sent": sent >= HAZARDS and receiver.count >= HAZARDS,
                    "total_seconds <= 60": finished - started <= SECONDS_TARGET},
        "load_average": os.getloadavg(),
    }
    out = root / "var" / "bench" / "reminders_10k.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log("reminders_10k: " + json.dumps(result, ensure_ascii=False))
    return 0 if all(result["targets"].values()) else 1
