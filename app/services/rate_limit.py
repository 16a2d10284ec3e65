"""Rate limits and login throttles (429 with Retry-After), counted in PostgreSQL in their
own short transactions so that a request's rollback does not undo the count."""

from __future__ import annotations

import math
from datetime import datetime

from app.db.repositories import rate_limits
from app.db.session import Database
from app.domain.errors import TooManyRequests


async def limit(db: Database, bucket: str, *, max_hits: int, seconds: int, now: datetime, what: str) -> None:
    """Count one hit; refuse it when the window's budget is spent."""
    async with db.autocommit() as session:
        count, window_end = await rate_limits.hit(session, bucket, seconds, now)
    if count > max_hits:
        raise TooManyRequests(f"too many {what}; retry later", retry_after=math.ceil((window_end - now).total_seconds()))


async def take_attempt(db: Database, bucket: str, *, max_hits: int, seconds: int, now: datetime, what: str) -> None:
    """Take one attempt from the window's budget before the work it guards (a password
    check), or refuse: every attempt counts until it is known to have succeeded (see reset)."""
    async with db.autocommit() as session:
        taken, window_end = await rate_limits.take(session, bucket, seconds, max_hits, now)
    if not taken:
        raise TooManyRequests(f"too many {what}; retry later", retry_after=math.ceil((window_end - now).total_seconds()))


async def reset(db: Database, bucket: str) -> None:
    async with db.autocommit() as session:
        await rate_limits.clear(session, bucket)
