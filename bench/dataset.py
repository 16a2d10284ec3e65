"""The benchmark's district: 400 villages, 12 departments, 40,000 enterprises (15 % high-risk),
1,000,000 hazards discovered 2023-01-01..2026-11-28 with their history, 300,000 inspections,
60,000 drills, 60,000 trainings, 8,000 reports from the public, supervision rounds and a few
accounts, written by the service's own generator (app/db/generator.py, the one the demo
street uses at small scale) with the data set's "today" fixed at REF_DATE.

This module adds what only the benchmark needs: its own database brought to the head
revision, COPY without per-row foreign-key triggers when the role may
(session_replication_role = replica; the rows are consistent by construction), hazards and
their history on two connections at once, VACUUM ANALYZE afterwards, and a marker
(bench_meta) so that `--reuse` can keep a complete load of the same generator, seed and
sizes."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from app.db.generator import Account, District, Generator, Profile, Sizes, uuid7

__all__ = ["DEFAULT_SEED", "REF_DATE", "District", "Loader", "Sizes", "reusable", "uuid7"]

GENERATOR_VERSION = 5
DEFAULT_SEED = 20240101

REF_DATE = date(2026, 11, 29)  # the data set's "today": nothing in it happens on or after this day

PASSWORD = "bench-password-2026"
BENCH_PROFILE = Profile(
    accounts=(
        Account("bench_admin", "street_admin", "street_office"),
        Account("bench_supervisor", "supervisor", "street_office"),
        Account("bench_zhujian", "department_officer", "housing_construction"),
        Account("bench_yingji", "department_officer", "emergency_management"),
        Account("bench_district", "district_viewer", None),
    ),
    village_officers_every=10,
)


class Loader:
    def __init__(self, url: str, sizes: Sizes, seed: int, *, log: Any = print) -> None:
        self.url = url
        self.sizes = sizes
        self.seed = seed
        self.log = log
        self.replica = False
        self.timings: dict[str, float] = {}

    async def _connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self.url)
        if self.replica:
            await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET synchronous_commit = off")
        return conn

    async def run(self) -> dict[str, Any]:
        from app.services.security import PasswordHashing
        from app.settings import Settings

        started = time.perf_counter()
        await self._schema()
        conn = await self._probe_replica()
        try:
            # the password is hashed once (argon2 is slow on purpose) and reused
            password_hash = PasswordHashing(Settings(env="dev")).hash(PASSWORD)
            generator = Generator(REF_DATE, self.sizes, self.seed, BENCH_PROFILE, password_hash, log=self.log)
            conn2 = await self._connect() if self.replica else None
            try:
                counts = await generator.write(conn, conn2)
            finally:
                if conn2 is not None:
                    await conn2.close()
            self.timings.update(generator.timings)
            t0 = time.perf_counter()
            await conn.execute("RESET session_replication_role")
            from bench.run import refill_read_model

            await refill_read_model(conn)  # COPY as replica fired no trigger
            self.timings["read_model"] = round(time.perf_counter() - t0, 1)
            self.log(f"  read_model: {self.timings['read_model']} s")
            t0 = time.perf_counter()
            for table in ("hazard_history", "hazard", "inspection", "enterprise_state", "enterprise", "drill", "training",
                          "supervision_task", "public_report", "escalation", "org_unit", "app_user", "sector"):
                await conn.execute(f"VACUUM (ANALYZE) {table}")
            try:
                await conn.execute("CHECKPOINT")
            except asyncpg.PostgresError:
                pass
            self.timings["vacuum_analyze"] = round(time.perf_counter() - t0, 1)
            self.log(f"  vacuum_analyze: {self.timings['vacuum_analyze']} s")
            total = round(time.perf_counter() - started, 1)
            meta = {
                "generator_version": GENERATOR_VERSION,
                "seed": self.seed,
                "sizes": asdict(self.sizes),
                "counts": counts,
                "timings_s": self.timings,
                "generation_seconds": total,
                "reference_date": REF_DATE.isoformat(),
                "loaded_at": datetime.now(UTC).isoformat(),
                "foreign_key_checks_during_copy": not self.replica,
                "max_history_id": await conn.fetchval("SELECT coalesce(max(id), 0) FROM hazard_history"),
            }
            await conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
            await conn.execute(
                "INSERT INTO bench_meta VALUES ('dataset', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                json.dumps(meta),
            )
            return meta
        finally:
            await conn.close()

    async def _schema(self) -> None:
        from app.db import migrate

        t0 = time.perf_counter()
        await asyncio.to_thread(migrate.upgrade, self.url)
        from sqlalchemy.ext.asyncio import AsyncSession

        from app.db.reference import ensure_reference_data
        from app.db.session import Database

        db = Database.from_url(self.url, pool_size=1, max_overflow=0)
        try:
            async with db.transaction() as session:
                assert isinstance(session, AsyncSession)
                await ensure_reference_data(session)
        finally:
            await db.dispose()
        self.timings["schema_and_reference"] = round(time.perf_counter() - t0, 1)

    async def _probe_replica(self) -> asyncpg.Connection:
        """COPY without per-row foreign-key triggers when we may (superuser): the rows are
        consistent by construction. Otherwise the checks run; it is only slower."""
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute("SET session_replication_role = replica")
            self.replica = True
        except asyncpg.InsufficientPrivilegeError:
            self.replica = False
        await conn.execute("SET synchronous_commit = off")
        return conn


async def read_meta(url: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('bench_meta') IS NOT NULL")
        if not exists:
            return None
        raw = await conn.fetchval("SELECT value FROM bench_meta WHERE key = 'dataset'")
        return json.loads(raw) if raw else None
    finally:
        await conn.close()


async def reusable(url: str, sizes: Sizes, seed: int) -> dict[str, Any] | None:
    """The marker of a complete load with the same generator, seed and sizes, if any (and
    its counts still match: the bench's own writes are removed before each run)."""
    meta = await read_meta(url)
    if not meta or meta.get("generator_version") != GENERATOR_VERSION or meta.get("seed") != seed:
        return None
    if meta.get("sizes") != asdict(sizes):
        return None
    return meta
