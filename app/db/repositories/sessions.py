"""Refresh-token families (A5): one row per login. Each statement decides on its own, under
the row's lock, so two requests presenting the same refresh token cannot both rotate it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7

_CREATE = text(
    "INSERT INTO refresh_family (id, user_id, generation, expires_at) VALUES (:id, :user_id, 0, :expires_at)"
)
# The current generation moves on only when the presented one is the current one; a
# concurrent second use waits for the row lock, re-reads the row and finds it moved.
_ROTATE = text(
    """
    UPDATE refresh_family SET generation = generation + 1, expires_at = :expires_at
    WHERE id = :id AND user_id = :user_id AND generation = :generation
      AND revoked_at IS NULL AND expires_at > :now
    RETURNING generation
    """
)
_REVOKE = text(
    """
    UPDATE refresh_family SET revoked_at = :now, revoked_reason = :reason
    WHERE id = :id AND user_id = :user_id AND revoked_at IS NULL
    """
)
# A generation that is not the current one was used before: the family is compromised.
_REVOKE_REUSED = text(
    """
    UPDATE refresh_family SET revoked_at = :now, revoked_reason = 'reuse'
    WHERE id = :id AND user_id = :user_id AND revoked_at IS NULL AND generation <> :generation
    """
)
_PURGE = text("DELETE FROM refresh_family WHERE expires_at < :now")


async def create(session: AsyncSession, user_id: uuid.UUID, *, expires_at: datetime, now: datetime) -> uuid.UUID:
    family = uuid7()
    await session.execute(_CREATE, {"id": family, "user_id": user_id, "expires_at": expires_at})
    if now.microsecond % 50 == 0:  # now and then, forget sessions that ended long ago
        await session.execute(_PURGE, {"now": now})
    return family


async def rotate(
    session: AsyncSession, family: uuid.UUID, user_id: uuid.UUID, generation: int, *, now: datetime, expires_at: datetime
) -> int | None:
    """The family's next generation, or None when `generation` is not the current one (a
    reuse), or the family is revoked or over."""
    params = {"id": family, "user_id": user_id, "generation": generation, "now": now, "expires_at": expires_at}
    return (await session.execute(_ROTATE, params)).scalar_one_or_none()


async def revoke(session: AsyncSession, family: uuid.UUID, user_id: uuid.UUID, *, now: datetime, reason: str) -> bool:
    """True when this call revoked it (False: unknown, another user's, or revoked before)."""
    result = await session.execute(_REVOKE, {"id": family, "user_id": user_id, "now": now, "reason": reason})
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_reused(session: AsyncSession, family: uuid.UUID, user_id: uuid.UUID, generation: int, *, now: datetime) -> bool:
    """Revokes the family when `generation` is an earlier one; True when it did."""
    params = {"id": family, "user_id": user_id, "generation": generation, "now": now}
    return bool((await session.execute(_REVOKE_REUSED, params)).rowcount)  # type: ignore[attr-defined]
