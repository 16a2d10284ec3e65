"""/audit: the trail of every write, for street_admin."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field
from sqlalchemy import select

from app.api.deps import Session, StreetAdmin
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.pagination import Limit, SeqCursor, decode_cursor, encode_cursor
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.common import Id, Instant, OutputModel, text
from app.db.models import AuditLog
from app.domain.errors import FieldError, RuleViolation

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], route_class=TransactionalRoute)


class WriteMethod(StrEnum):
    """The HTTP methods that write."""

    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


class AuditEntry(OutputModel):
    """One successful write."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.AUDIT_ENTRY]})

    id: int
    seq: int = Field(description="Position in the hash chain: commit order.")
    at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    org_unit_id: uuid.UUID | None
    client_address: str | None
    request_id: str | None
    method: WriteMethod | None = Field(description="The HTTP request's; none for a command or a job.")
    path: str | None
    action: str | None = Field(description="What was done, as the service says (e.g. `hazard.plan`).")
    resource: str | None
    resource_id: str | None
    status_code: int | None
    prev_hash: str
    hash: str


class AuditPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.AUDIT_ENTRY], "next_cursor": "AAAAAAAAE_8"}]})

    items: list[AuditEntry]
    next_cursor: str | None


@router.get(
    "",
    response_model=AuditPage,
    summary="Read the audit trail",
    description="Every successful write — who, role, org unit, client address, request id, method, path, action, "
    "resource, time — newest first, hash-chained. street_admin only.",
    responses={**answer("A page of the trail, newest first."), **problem_responses(401, 403, 422)},
)
async def list_audit_entries(
    session: Session,
    _: StreetAdmin,
    actor_id: Annotated[Id | None, Query(description="Only writes by this user.", examples=[ex.ADMIN_ID])] = None,
    resource: Annotated[text(40) | None, Query(description="Only writes to this kind of resource (the collection: `hazards`, `inspections` ...).", examples=["hazards"])] = None,
    resource_id: Annotated[text(64) | None, Query(description="Only writes to this resource.", examples=[ex.HAZARD_ID])] = None,
    method: Annotated[WriteMethod | None, Query(description="Only writes with this HTTP method.", examples=["POST"])] = None,
    from_: Annotated[
        Instant | None, Query(alias="from", description="Only writes at or after this instant.", examples=["2025-03-01T00:00:00+08:00"])
    ] = None,
    to: Annotated[Instant | None, Query(description="Only writes at or before this instant.", examples=["2025-03-31T23:59:59+08:00"])] = None,
    limit: Limit = 50,
    cursor: SeqCursor = None,
) -> AuditPage:
    stmt = select(AuditLog).where(AuditLog.seq.is_not(None)).order_by(AuditLog.seq.desc()).limit(limit)
    after = decode_cursor(cursor)
    if after is not None:
        if not isinstance(after[0], int):
            raise RuleViolation("invalid cursor", [FieldError("cursor", "not a cursor issued by this API")])
        stmt = stmt.where(AuditLog.seq < after[0])
    for column, value in ((AuditLog.actor_id, actor_id), (AuditLog.resource, resource),
                          (AuditLog.resource_id, resource_id), (AuditLog.method, method)):
        if value is not None:
            stmt = stmt.where(column == value)
    if from_ is not None:
        stmt = stmt.where(AuditLog.at >= from_)
    if to is not None:
        stmt = stmt.where(AuditLog.at <= to)
    rows = list((await session.execute(stmt)).scalars())
    next_cursor = encode_cursor(rows[-1].seq) if len(rows) == limit else None
    return AuditPage(items=[AuditEntry.model_validate(r) for r in rows], next_cursor=next_cursor)
