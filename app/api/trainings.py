"""/trainings: safety trainings of enterprises' people (§4, §20), the input of C4."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api.deps import Ctx, Scope, Session, Writer
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import EnterpriseFilter, TrainingId, VillageFilter
from app.api.routing import TransactionalRoute
from app.api.schemas.common import Day
from app.api.schemas.trainings import (
    TraineeRole,
    TrainingCreate,
    TrainingPage,
    TrainingRead,
)
from app.db.repositories import trainings as repo
from app.domain.errors import NotFound
from app.services import trainings as service

router = APIRouter(prefix="/api/v1/trainings", tags=["trainings"], route_class=TransactionalRoute)


@router.post(
    "",
    response_model=TrainingRead,
    status_code=201,
    summary="Record a training",
    description=(
        "A training of a person of an enterprise the caller can see (enterprise users: their own); `village_id` "
        "and `sector` are taken from the enterprise. `held_on` may not be in the future (Asia/Shanghai); `hours` "
        "is positive with one decimal place. C4 counts a training only when `passed` is true. An enterprise the "
        "caller cannot see is a 422 on `enterprise_id`."
    ),
    responses={**answer("The training as recorded.", status=201, location=True), **problem_responses(401, 403, 422)},
    dependencies=[Idempotent],
)
async def create_training(ctx: Ctx, _: Writer, body: TrainingCreate, response: Response) -> TrainingRead:
    training = await service.record(ctx, body.model_dump())
    response.headers["Location"] = f"/api/v1/trainings/{training.id}"
    return TrainingRead.model_validate(training)


@router.get(
    "",
    response_model=TrainingPage,
    summary="List trainings",
    description="Trainings of the enterprises the caller can see (A1), newest first, keyset paginated.",
    responses={**answer("A page of trainings, newest first."), **problem_responses(401, 422)},
)
async def list_trainings(
    session: Session,
    scope: Scope,
    enterprise_id: EnterpriseFilter = None,
    village_id: VillageFilter = None,
    trainee_role: Annotated[
        TraineeRole | None, Query(description="Only trainings of this trainee role.", examples=["fire_safety_responsible"])
    ] = None,
    passed: Annotated[bool | None, Query(description="`true`: only passed trainings (C4 counts these).", examples=[True])] = None,
    held_from: Annotated[Day | None, Query(description="Only those held on or after this date.", examples=["2025-01-01"])] = None,
    held_to: Annotated[Day | None, Query(description="Only those held on or before this date.", examples=["2025-06-30"])] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> TrainingPage:
    filters = repo.TrainingFilters(enterprise_id, village_id, trainee_role, passed, held_from, held_to)
    rows = await repo.list_page(session, scope, filters, limit=limit, before=decode_id_cursor(cursor))
    return TrainingPage(items=[TrainingRead.model_validate(r) for r in rows], next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/{training_id}",
    response_model=TrainingRead,
    summary="Get a training",
    description="A training of an enterprise the caller can see; any other id answers 404 (A2).",
    responses={**answer("The training."), **problem_responses(401, 404, 422)},
)
async def get_training(session: Session, scope: Scope, training_id: TrainingId) -> TrainingRead:
    training = await repo.get(session, scope, training_id)
    if training is None:
        raise NotFound(f"no training {training_id}")
    return TrainingRead.model_validate(training)
