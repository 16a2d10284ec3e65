"""Answers of the expensive aggregates, shared by every worker through PostgreSQL and
valid for exactly one version of the data: the head of the audit trail. Every write
appends to the audit trail in commit order, so an answer computed on a snapshot whose head
is H is served only while the head is still H — never a stale figure — and a dashboard
that polls between writes costs two index lookups."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.session import Database
from app.domain.access import Scope

_HEAD = text("SELECT coalesce(max(seq), 0) FROM audit_log")
_GET = text("SELECT payload FROM analytics_cache WHERE key = :key AND version = :version")
# Two int4 keys: a lock space apart from the single-key advisory locks used elsewhere.
_ONE_AT_A_TIME = text("SELECT pg_advisory_xact_lock(7270, hashtext(:key))")
_PURGE = text("DELETE FROM analytics_cache WHERE computed_at < now() - interval '1 day'")
_PUT = text(
    """
    INSERT INTO analytics_cache (key, version, payload, computed_at) VALUES (:key, :version, :payload, now())
    ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, payload = EXCLUDED.payload, computed_at = now()
    WHERE analytics_cache.version <= EXCLUDED.version
    """
)


def cache_key(name: str, scope: Scope, **params: Any) -> str:
    """The question and who asks it: answers are scoped, so the scope is part of the key."""
    parts = [name, scope.kind.value, ",".join(sorted(scope.sectors)), str(scope.village_id), str(scope.enterprise_id)]
    parts += [f"{k}={params[k]}" for k in sorted(params)]
    raw = "|".join(parts)
    return raw if len(raw) <= 200 else name + "|" + hashlib.sha256(raw.encode()).hexdigest()


async def snapshot(session: AsyncSession, db: Database) -> None:
    """Every statement of the request reads one snapshot, so the head and the figures agree."""
    if not db.is_bound and not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def data_version(session: AsyncSession, db: Database) -> int:
    """The head of the audit trail in this request's snapshot: the version its figures reflect."""
    await snapshot(session, db)
    return int((await session.execute(_HEAD)).scalar_one())


async def cached(
    session: AsyncSession, db: Database, key: str, compute: Callable[[], Awaitable[bytes]], *, enabled: bool = True
) -> tuple[bytes, int]:
    """(the answer, the data version it reflects)."""
    version = await data_version(session, db)
    if not enabled:
        return await compute(), version
    hit = (await session.execute(_GET, {"key": key, "version": version})).scalar_one_or_none()
    if hit is not None:
        return bytes(hit), version
    # One computation per question at a time: when a dashboard's pollers miss together, the
    # first computes and the others wait for its answer instead of each computing it again.
    # The lock lasts until this request's transaction ends, after the answer is stored.
    await session.execute(_ONE_AT_A_TIME, {"key": key})
    async with db.autocommit() as side:  # read committed: sees an answer stored meanwhile
        hit = (await side.execute(_GET, {"key": key, "version": version})).scalar_one_or_none()
    if hit is not None:
        return bytes(hit), version
    payload = await compute()
    async with db.autocommit() as writer:
        await writer.execute(_PUT, {"key": key, "version": version, "payload": payload})
        if secrets.randbelow(100) == 0:  # now and then, forget questions nobody asked for a day
            await writer.execute(_PURGE)
    return payload, version
