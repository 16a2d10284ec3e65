"""/drills: emergency drills of enterprises (§22), the input of C2."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import Ctx, Scope, Session, Writer
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import DrillId, EnterpriseFilter, VillageFilter
from app.api.routing import TransactionalRoute
from app.api.schemas.common import Day
from app.api.schemas.drills import DrillCreate, DrillKind, DrillPage, DrillRead
from app.db.repositories import drills as repo
from app.domain.errors import NotFound
from app.services import drills as service

router = APIRouter(prefix="/api/v1/drills", tags=["drills"], route_class=TransactionalRoute)


@router.post(
    "",
    response_model=DrillRead,
    status_code=201,
    summary="Record a drill",
    description=(
        "A drill held by an enterprise the caller can see (enterprise users: their own); `village_id` and "
        "`sector` are taken from the enterprise. `held_on` may not be in the future (Asia/Shanghai). "
        "C2 counts `evacuation` drills. An enterprise the caller cannot see is a 422 on `enterprise_id`."
    ),
    responses={**answer("The drill as recorded.", status=201, location=True), **problem_responses(401, 403, 422)},
    dependencies=[Idempotent],
)
async def create_drill(ctx: Ctx, _: Writer, body: DrillCreate, response: Response) -> DrillRead:
    drill = await service.record(ctx, body.model_dump())
    response.headers["Location"] = f"/api/v1/drills/{drill.id}"
    return DrillRead.model_validate(drill)


@router.get(
    "",
    response_model=DrillPage,
    summary="List drills",
    description="Drills of the enterprises the caller can see (A1), newest first, keyset paginated.",
    responses={**answer("A page of drills, newest first."), **problem_responses(401, 422)},
)
async def list_drills(
    session: Session,
    scope: Scope,
    enterprise_id: EnterpriseFilter = None,
    village_id: VillageFilter = None,
    kind: Annotated[DrillKind | None, Query(description="Only drills of this kind.", examples=["evacuation"])] = None,
    held_from: Annotated[Day | None, Query(description="Only those held on or after this date.", examples=["2025-01-01"])] = None,
    held_to: Annotated[Day | None, Query(description="Only those held on or before this date.", examples=["2025-06-30"])] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> DrillPage:
    filters = repo.DrillFilters(enterprise_id, village_id, kind, held_from, held_to)
    rows = await repo.list_page(session, scope, filters, limit=limit, before=decode_id_cursor(cursor))
    return DrillPage(items=[DrillRead.model_validate(r) for r in rows], next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/{drill_id}",
    response_model=DrillRead,
    summary="Get a drill",
    description="A drill of an enterprise the caller can see; any other id answers 404 (A2).",
    responses={**answer("The drill."), **problem_responses(401, 404, 422)},
)
async def get_drill(session: Session, scope: Scope, drill_id: DrillId) -> DrillRead:
    drill = await repo.get(session, scope, drill_id)
    if drill is None:
        raise NotFound(f"no drill {drill_id}")
    return DrillRead.model_validate(drill)
