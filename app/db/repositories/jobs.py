"""The job engine's queue, read for `GET /api/v1/jobs` (a read only: router → here → SQL).

A job that failed its last attempt is held in PgQueuer's queue with status `failed`; its
error is the traceback the engine logged for it (the log row of that status)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

JOB_STATUSES = ("queued", "picked", "failed")


@dataclass(frozen=True)
class JobRow:
    id: int
    entrypoint: str
    status: str
    attempts: int  # tries made (a picked job's current one included)
    created_at: datetime
    updated_at: datetime
    execute_after: datetime
    error: str | None
    error_type: str | None


def _error(traceback: Any) -> tuple[str | None, str | None]:
    if not isinstance(traceback, dict):
        return None, None
    message = traceback.get("exception_message")
    kind = traceback.get("exception_type")
    return (str(message) if message is not None else None), (str(kind) if kind is not None else None)


_PAGE = text(
    """
    SELECT q.id, q.entrypoint, q.status::text AS status,
           q.attempts + CASE WHEN q.status IN ('picked', 'failed') THEN 1 ELSE 0 END AS attempts, q.created, q.updated, q.execute_after,
           (SELECT l.traceback FROM pgqueuer_log l
             WHERE l.job_id = q.id AND l.traceback IS NOT NULL
             ORDER BY l.created DESC, l.id DESC LIMIT 1) AS traceback
    FROM pgqueuer q
    WHERE q.status = CAST(:status AS pgqueuer_status) AND q.id > :after
    ORDER BY q.id
    LIMIT :limit
    """
)


async def page(session: AsyncSession, *, status: str = "failed", after: int = 0, limit: int = 50) -> list[JobRow]:
    rows = (await session.execute(_PAGE, {"status": status, "after": after, "limit": limit})).mappings()
    out = []
    for r in rows:
        tb = r["traceback"]
        if isinstance(tb, str):
            tb = json.loads(tb)
        error, kind = _error(tb)
        out.append(JobRow(r["id"], r["entrypoint"], r["status"], r["attempts"], r["created"], r["updated"],
                          r["execute_after"], error, kind))
    return out
