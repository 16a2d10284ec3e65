"""Fixed-window counters in PostgreSQL, shared by every worker and machine."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

_HIT = text(
    """
    INSERT INTO rate_counter (bucket, window_start, count, expires_at)
    VALUES (:bucket, :window_start, 1, :expires_at)
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counter.count + 1
    RETURNING count
    """
)
# One attempt taken from the window's budget, or none when it is spent: counted and checked
# in one statement, so concurrent attempts queue on the row and never overdraw it.
_TAKE = text(
    """
    INSERT INTO rate_counter (bucket, window_start, count, expires_at)
    VALUES (:bucket, :window_start, 1, :expires_at)
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counter.count + 1
    WHERE rate_counter.count < :max_hits
    RETURNING count
    """
)
_PURGE = text("DELETE FROM rate_counter WHERE expires_at < :now")
_CLEAR = text("DELETE FROM rate_counter WHERE bucket = :bucket")


def window(now: datetime, seconds: int) -> tuple[datetime, datetime]:
    elapsed = int((now - _EPOCH).total_seconds())
    start = _EPOCH + timedelta(seconds=elapsed - elapsed % seconds)
    return start, start + timedelta(seconds=seconds)


async def hit(session: AsyncSession, bucket: str, seconds: int, now: datetime) -> tuple[int, datetime]:
    start, end = window(now, seconds)
    count = (await session.execute(_HIT, {"bucket": bucket, "window_start": start, "expires_at": end})).scalar_one()
    if count == 1 and now.microsecond % 50 == 0:  # now and then, forget expired windows
        await session.execute(_PURGE, {"now": now})
    return int(count), end


async def take(session: AsyncSession, bucket: str, seconds: int, max_hits: int, now: datetime) -> tuple[bool, datetime]:
    """(whether an attempt was left and is now taken, the end of the window)."""
    start, end = window(now, seconds)
    params = {"bucket": bucket, "window_start": start, "expires_at": end, "max_hits": max_hits}
    count = (await session.execute(_TAKE, params)).scalar_one_or_none()
    return count is not None, end


async def clear(session: AsyncSession, bucket: str) -> None:
    await session.execute(_CLEAR, {"bucket": bucket})
