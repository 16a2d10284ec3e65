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
# Several hits at once, each bucket's counted together: (bucket, its count after them).
# In bucket order, so two such statements wait on each other's rows instead of deadlocking.
_HIT_MANY = text(
    """
    INSERT INTO rate_counter (bucket, window_start, count, expires_at)
    SELECT b.bucket, :window_start, count(*), :expires_at
    FROM unnest(CAST(:buckets AS text[])) AS b(bucket)
    GROUP BY b.bucket ORDER BY b.bucket
    ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counter.count + EXCLUDED.count
    RETURNING bucket, count
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


async def hit_many(session: AsyncSession, buckets: list[str], seconds: int, now: datetime) -> tuple[list[int], datetime]:
    """`hit()` for each of `buckets` in turn, in one statement: the count each hit saw."""
    start, end = window(now, seconds)
    if not buckets:
        return [], end
    rows = await session.execute(_HIT_MANY, {"buckets": buckets, "window_start": start, "expires_at": end})
    after = {bucket: int(count) for bucket, count in rows}
    hits = {bucket: 0 for bucket in after}
    for bucket in buckets:
        hits[bucket] += 1
    seen = dict.fromkeys(after, 0)
    counts = []
    for bucket in buckets:  # the i-th of k hits on a bucket saw (its count before them) + i
        seen[bucket] += 1
        counts.append(after[bucket] - hits[bucket] + seen[bucket])
    if 1 in counts and now.microsecond % 50 == 0:  # now and then, forget expired windows
        await session.execute(_PURGE, {"now": now})
    return counts, end


async def take(session: AsyncSession, bucket: str, seconds: int, max_hits: int, now: datetime) -> tuple[bool, datetime]:
    """(whether an attempt was left and is now taken, the end of the window)."""
    start, end = window(now, seconds)
    params = {"bucket": bucket, "window_start": start, "expires_at": end, "max_hits": max_hits}
    count = (await session.execute(_TAKE, params)).scalar_one_or_none()
    return count is not None, end


async def clear(session: AsyncSession, bucket: str) -> None:
    await session.execute(_CLEAR, {"bucket": bucket})
