"""/jobs: the job engine's queue, for the street office to see what failed (a read: router →
repository → SQL)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import Session, StreetAdmin
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.pagination import Limit, SeqCursor, decode_cursor, encode_cursor
from app.api.routing import TransactionalRoute
from app.api.schemas.automation import JobPage, JobRead, JobStatus
from app.db.repositories import jobs as repo

router = APIRouter(prefix="/api/v1/jobs", tags=["automation"], route_class=TransactionalRoute)


@router.get(
    "",
    response_model=JobPage,
    summary="List jobs of the job engine",
    description=(
        "The background jobs (reminders, deliveries, scans) by state, oldest first, keyset paginated; street_admin "
        "only. A job that failed every attempt stays `failed` with its last error: `?status=failed` lists them."
    ),
    responses={**answer("A page of jobs."), **problem_responses(401, 403, 422)},
)
async def list_jobs(
    session: Session,
    _: StreetAdmin,
    status: Annotated[JobStatus, Query(description="The jobs in this state.", examples=["failed"])] = JobStatus.failed,
    limit: Limit = 50,
    cursor: SeqCursor = None,
) -> JobPage:
    after = decode_cursor(cursor)
    rows = await repo.page(session, status=status.value, after=after[0] if after else 0, limit=limit)
    return JobPage(
        items=[
            JobRead(id=r.id, task=r.entrypoint, status=JobStatus(r.status), attempts=r.attempts, error=r.error,
                    error_type=r.error_type, created_at=r.created_at, updated_at=r.updated_at,
                    execute_after=r.execute_after)
            for r in rows
        ],
        next_cursor=encode_cursor(rows[-1].id) if len(rows) == limit else None,
    )
