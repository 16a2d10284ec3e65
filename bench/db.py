"""Where the bench database lives: BENCH_DATABASE_URL's server, else a PostgreSQL on
127.0.0.1:5432 if it answers, else an embedded PostgreSQL under ./var/bench-pg. The bench
always works in its own database (`anquan_bench`), never in the service's."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench import BENCH_DATABASE

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme.startswith("postgres") else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def redact(url: str) -> str:
    """The URL without its password, for logs and the results file."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        cred, host = netloc.rsplit("@", 1)
        if ":" in cred:
            cred = cred.split(":", 1)[0] + ":***"
        netloc = f"{cred}@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def _answers(url: str, timeout: float = 3.0) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=timeout)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


@dataclass
class Server:
    """A PostgreSQL server and how the bench reached it."""

    admin_url: str  # a database to run CREATE/DROP DATABASE from
    origin: str  # 'BENCH_DATABASE_URL' | 'local' | 'embedded'
    embedded: Any = None

    @property
    def bench_url(self) -> str:
        return with_database(self.admin_url, BENCH_DATABASE)

    def stop(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None


async def locate_server(root: Path) -> Server:
    env = os.environ.get("BENCH_DATABASE_URL")
    if env:
        admin = env
        if urlsplit(env).path.strip("/") in ("", BENCH_DATABASE):
            admin = with_database(env, "postgres")
        return Server(with_database(admin, urlsplit(admin).path.strip("/") or "postgres"), "BENCH_DATABASE_URL")
    if await _answers(LOCAL_SERVER):
        return Server(LOCAL_SERVER, "local")
    from app.db.embedded import EmbeddedPostgres

    pgdata = root / "var" / "bench-pg"
    print(f"no PostgreSQL on 127.0.0.1:5432: starting an embedded one in {pgdata}", flush=True)
    embedded = EmbeddedPostgres(pgdata)
    return Server(embedded.url("postgres"), "embedded", embedded)


async def database_exists(server: Server) -> bool:
    conn = await asyncpg.connect(server.admin_url)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", BENCH_DATABASE))
    finally:
        await conn.close()


async def recreate_database(server: Server) -> None:
    conn = await asyncpg.connect(server.admin_url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            BENCH_DATABASE,
        )
        await conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}"')
        await conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    finally:
        await conn.close()
