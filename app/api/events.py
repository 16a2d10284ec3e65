"""/events: the change feed for district systems."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field
from sqlalchemy import select

from app.api.deps import Scope, Session
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.pagination import Limit
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.common import OutputModel, text
from app.db.models import Event
from app.db.repositories.scoping import scope_clause
from app.domain.errors import FieldError, RuleViolation

router = APIRouter(prefix="/api/v1/events", tags=["events"], route_class=TransactionalRoute)


class EventRead(OutputModel):
    """One change, as district systems read it."""

    model_config = ConfigDict(json_schema_extra={"examples": [ex.EVENT]})

    id: int = Field(description="Increases in commit order; pass the last one seen as `after`.")
    type: str = Field(examples=["hazard.status_changed"])
    at: datetime
    resource: str = Field(examples=["hazard"])
    resource_id: UUID
    data: dict[str, Any] | None = None


class EventPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.EVENT], "next_cursor": 1025}]})

    items: list[EventRead]
    next_cursor: int | None = Field(
        description="The id of the last event of this page: pass it as `after` to read on; when nothing is new it "
        "repeats `after` (null when the feed is empty and `after` was not given).",
        examples=[1025],
    )


@router.get(
    "",
    response_model=EventPage,
    summary="Read the change feed",
    description=(
        "Events after `after` (an event id, or a `next_cursor`), oldest first: hazard.created, "
        "hazard.status_changed, hazard.deadline_extended, hazard.major_notified, hazard.escalated, hazard.listed, "
        "hazard.delisted, inspection.recorded, report.received, report.verified, drill.recorded, training.recorded, "
        "supervision_task.created, supervision_task.status_changed, supervision_task.findings_recorded, "
        "supervision_task.referral_recorded. Ids follow commit order, so a "
        "reader polling with the last id it saw misses nothing. Scoped like everything else (A1)."
    ),
    responses={**answer("Up to `limit` events after `after`, oldest first."), **problem_responses(401, 422)},
)
async def list_events(
    session: Session,
    scope: Scope,
    after: Annotated[
        int | None,
        Query(
            ge=0,
            le=2**63 - 1,
            description="The last event id seen (`next_cursor` of the previous page); leave it out, or send 0, to "
            "read from the start. A number, as the ids are; the digits that earlier versions sent as a string "
            "read the same.",
            examples=[1024],
        ),
    ] = None,
    type: Annotated[
        text(40) | None, Query(description="Only events of this type (see above).", examples=["hazard.status_changed"])
    ] = None,
    limit: Limit = 100,
) -> EventPage:
    after_id = int(after) if after else 0
    if after_id > 2**63 - 1:
        raise RuleViolation("after is out of range", [FieldError("after", "out of range")])
    stmt = (
        select(Event.seq.label("id"), Event.type, Event.at, Event.resource, Event.resource_id, Event.data)
        .where(
            Event.seq > after_id,
            scope_clause(scope, enterprise_id=Event.enterprise_id, village_id=Event.village_id, sector=Event.sector),
        )
        .order_by(Event.seq)
        .limit(limit)
    )
    if type is not None:
        stmt = stmt.where(Event.type == type)
    rows = (await session.execute(stmt)).all()
    next_cursor = str(rows[-1].id) if rows else (after or None)
    return EventPage(items=[EventRead.model_validate(r) for r in rows], next_cursor=next_cursor)
