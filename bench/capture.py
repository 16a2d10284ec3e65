"""The SQL a request costs, as the service sends it: the app is built in-process on the bench
database (the same code, analytics cache off so that the statements run), one request is
made through httpx's ASGI transport, and every statement is recorded — those that go
through SQLAlchemy (cursor events) and those that go to asyncpg directly (the service's
hot-read pool). The raw-SQL side replays them. The app's SQL changes as it is optimised;
capturing keeps "the same SQL" true without copies to keep in step.

Left out of the replay (per-request overhead of the API, not the scenario's data work):
the caller's principal lookup, transaction control (BEGIN/COMMIT/SET/SAVEPOINT), the
commit-order lock, the analytics cache and the audit-trail head."""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

@dataclass
class Stmt:
    """One statement as the service sent it: `fetch` (a query, rows fetched) or `copy`
    (COPY (query) TO STDOUT with the same options), or `cursor` (a server-side cursor,
    SQLAlchemy's stream)."""

    sql: str
    args: tuple[Any, ...]
    method: str = "fetch"
    options: dict[str, Any] = field(default_factory=dict)
    via: str = "orm"  # "orm": SQLAlchemy's pool; "reader": the hot-read asyncpg pool

_INSIDE_COPY: contextvars.ContextVar[bool] = contextvars.ContextVar("inside_copy", default=False)
_DATA = re.compile(r"^\s*(SELECT|WITH)\b", re.I)
_OVERHEAD = re.compile(r"\bapp_user\b|pg_advisory|analytics_cache|\baudit_log\b", re.I)


def is_data_statement(sql: str) -> bool:
    return bool(_DATA.match(sql)) and not _OVERHEAD.search(sql)


@dataclass
class Captured:
    path: str
    status: int
    statements: list[Stmt] = field(default_factory=list)  # the data statements, in order
    overhead: list[str] = field(default_factory=list)  # what was left out
    body_bytes: int = 0


@contextmanager
def _recording(engine: Any, sink: list[Stmt]) -> Iterator[None]:
    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        streaming = bool(context is not None and context.execution_options.get("stream_results"))
        sink.append(Stmt(statement, tuple(parameters or ()), "cursor" if streaming else "fetch"))

    event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)
    originals = {}
    for name in ("fetch", "fetchrow", "fetchval", "execute"):
        original = getattr(asyncpg.connection.Connection, name)
        originals[name] = original

        def wrapper(self, query, *args, __original=original, **kwargs):  # type: ignore[no-untyped-def]
            if not _INSIDE_COPY.get():  # asyncpg's own quote_literal round trip of a COPY
                sink.append(Stmt(query, tuple(args), via="reader"))
            return __original(self, query, *args, **kwargs)

        setattr(asyncpg.connection.Connection, name, wrapper)
    original_copy = asyncpg.connection.Connection.copy_from_query
    originals["copy_from_query"] = original_copy

    async def copy_wrapper(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        options = {k: v for k, v in kwargs.items() if k not in ("output", "timeout")}
        sink.append(Stmt(query, tuple(args), "copy", options, via="reader"))
        token = _INSIDE_COPY.set(True)
        try:
            return await original_copy(self, query, *args, **kwargs)
        finally:
            _INSIDE_COPY.reset(token)

    asyncpg.connection.Connection.copy_from_query = copy_wrapper
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(asyncpg.connection.Connection, name, original)
        event.remove(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


class AppCapture:
    """One in-process app on the bench database for a series of captures."""

    def __init__(self, url: str, users: dict[str, tuple[uuid.UUID, str]]) -> None:
        import secrets

        from app.db.session import Database
        from app.main import create_app
        from app.services.security import TokenService
        from app.settings import Settings

        secret = secrets.token_urlsafe(36)
        overrides: dict[str, Any] = {"env": "production", "database_url": url, "jwt_secret": secret,
                                     "audit_key": secret[::-1], "access_token_ttl_seconds": 86400}
        if "analytics_cache" in Settings.model_fields:
            overrides["analytics_cache"] = False  # capture the statements that compute the answer
        self.settings = Settings(**overrides)
        self.db = Database.from_url(url, pool_size=2, max_overflow=0)
        self.app = create_app(self.settings, database=self.db)
        tokens = TokenService(self.settings)
        self.tokens = {name: tokens.issue(uid, role) for name, (uid, role) in users.items()}

    async def capture(self, path: str, user: str) -> Captured:
        sink: list[Stmt] = []
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.invalid", timeout=600) as client:
            with _recording(self.db.engine, sink):
                r = await client.get(path, headers={"Authorization": f"Bearer {self.tokens[user]}"})
        out = Captured(path=path, status=r.status_code, body_bytes=len(r.content))
        for st in sink:
            if is_data_statement(st.sql):
                out.statements.append(st)
            else:
                out.overhead.append(" ".join(st.sql.split())[:120])
        if r.status_code != 200:
            raise RuntimeError(f"capturing {path}: {r.status_code} {r.text[:300]}")
        return out

    async def session_settings(self) -> dict[str, dict[str, str]]:
        """The settings each of the service's pools starts its connections with (jit,
        timezone, plan cache mode ...): the raw side replays a statement with the settings
        of the pool that ran it."""
        query = "SELECT name, setting FROM pg_settings WHERE source = 'client'"
        skip = ("application_name", "client_encoding", "DateStyle")
        async with self.db.engine.connect() as conn:
            orm = {n: v for n, v in (await conn.exec_driver_sql(query)).all() if n not in skip}
        async with self.db.reader() as raw:
            reader = {r["name"]: r["setting"] for r in await raw.fetch(query) if r["name"] not in skip}
        return {"orm": orm, "reader": reader}

    async def close(self) -> None:
        await self.db.dispose()
