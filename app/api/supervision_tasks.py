"""/supervision-tasks: supervision rounds, hazard oversight, plan measures and ad-hoc tasks
(S1–S3), their submit/accept/return lifecycle, findings and referrals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.api.deps import Ctx
from app.api.errors import problem_responses
from app.api.hazards import to_read as hazard_read
from app.api.http import IfMatch, answer, check_if_match, set_etag
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import TaskId
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.common import Id
from app.api.schemas.supervision_tasks import (
    AcceptTaskRequest,
    FindingsRecorded,
    FindingsRequest,
    ReferralCreate,
    ReferralRead,
    ReturnTaskRequest,
    SubmitTaskRequest,
    SupervisionTaskCreate,
    SupervisionTaskPage,
    SupervisionTaskRead,
)
from app.db.models import SupervisionTask
from app.db.repositories import supervision_tasks as repo
from app.domain import supervision as rules
from app.domain.supervision import TaskAction, TaskKind, TaskStatus
from app.services import supervision_tasks as service

router = APIRouter(prefix="/api/v1/supervision-tasks", tags=["supervision"], route_class=TransactionalRoute)

ACTION_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


async def _read_many(ctx: service.Context, tasks: list[SupervisionTask]) -> list[SupervisionTaskRead]:
    ids = [t.id for t in tasks]
    found = await repo.hazard_ids(ctx.session, ctx.scope, ids)
    referrals = await repo.referrals(ctx.session, ids) if rules.sees_referrals(ctx.principal) else {}
    return [
        SupervisionTaskRead(
            id=t.id,
            kind=t.kind,
            title=t.title,
            description=t.description,
            assignee_org_unit_id=t.assignee_org_unit_id,
            target_org_unit_id=t.target_org_unit_id,
            hazard_id=t.hazard_id,
            due_on=t.due_on,
            status=t.status,
            report=t.submission,
            review_comment=t.review_comment,
            submitted_at=t.submitted_at,
            completed_on=t.completed_on,
            overdue=rules.is_overdue(t.status, t.due_on, ctx.today),
            allowed_actions=rules.allowed_actions(t.status),
            referrals=[ReferralRead.model_validate(r) for r in referrals.get(t.id, [])],
            hazard_ids=found.get(t.id, []),
            created_by=t.created_by,
            created_at=t.created_at,
            updated_at=t.updated_at,
        )
        for t in tasks
    ]


async def _answer(ctx: service.Context, task: SupervisionTask, response: Response) -> SupervisionTaskRead:
    set_etag(response, task.version)
    return (await _read_many(ctx, [task]))[0]


async def load_task(ctx: Ctx, task_id: TaskId) -> SupervisionTask:
    """The path's task if the caller can see it, or 404 (A2)."""
    return await service.load(ctx, task_id)


async def load_task_for_update(ctx: Ctx, task_id: TaskId, if_match: IfMatch = None) -> SupervisionTask:
    """Locks the row for the action and checks If-Match (412 when stale)."""
    task = await service.load(ctx, task_id, for_update=True)
    check_if_match(if_match, task.version)
    return task


CurrentTask = Annotated[SupervisionTask, Depends(load_task)]
TaskForUpdate = Annotated[SupervisionTask, Depends(load_task_for_update)]


@router.post(
    "",
    response_model=SupervisionTaskRead,
    status_code=201,
    summary="Create a supervision task",
    description=(
        "street_admin and supervisor hand a task to a village or department (S1, S2). A `supervision_round` "
        "names the village or department it is on (`target_org_unit_id`; C3 counts accepted rounds per "
        "half-year); `hazard_oversight` names an open hazard (`hazard_id`). `due_on` is not in the past."
    ),
    responses={**answer("The task as created, `open`.", status=201, etag=True, location=True), **problem_responses(401, 403, 422)},
    dependencies=[Idempotent],
)
async def create_supervision_task(ctx: Ctx, body: SupervisionTaskCreate, response: Response) -> SupervisionTaskRead:
    task = await service.create(ctx, body.model_dump())
    response.headers["Location"] = f"/api/v1/supervision-tasks/{task.id}"
    return await _answer(ctx, task, response)


@router.get(
    "",
    response_model=SupervisionTaskPage,
    summary="List supervision tasks",
    description=(
        "Newest first, keyset paginated. The street office and district systems see every task; a village or "
        "department officer the tasks assigned to or targeting its unit; enterprise users none. `overdue`: not "
        "accepted and past `due_on` (S2)."
    ),
    responses={**answer("A page of tasks, newest first."), **problem_responses(401, 422)},
)
async def list_supervision_tasks(
    ctx: Ctx,
    kind: Annotated[TaskKind | None, Query(description="Only tasks of this kind.", examples=["supervision_round"])] = None,
    status: Annotated[TaskStatus | None, Query(description="Only tasks in this state.", examples=["submitted"])] = None,
    assignee_org_unit_id: Annotated[
        Id | None, Query(description="Only tasks assigned to this unit.", examples=[ex.VILLAGE_ID])
    ] = None,
    target_org_unit_id: Annotated[
        Id | None, Query(description="Only tasks supervising this unit.", examples=[ex.VILLAGE_ID])
    ] = None,
    overdue: Annotated[
        bool | None, Query(description="`true`: only tasks not accepted and past `due_on` (S2).", examples=[True])
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SupervisionTaskPage:
    filters = repo.TaskFilters(kind, status, assignee_org_unit_id, target_org_unit_id, overdue)
    rows = await repo.list_page(
        ctx.session, rules.task_audience(ctx.principal), filters, today=ctx.today, limit=limit,
        before=decode_id_cursor(cursor),
    )
    return SupervisionTaskPage(items=await _read_many(ctx, rows), next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/{task_id}",
    response_model=SupervisionTaskRead,
    summary="Get a supervision task",
    description="With its referrals (street office and district systems only) and the hazards its findings created.",
    responses={**answer("The task.", etag=True), **problem_responses(401, 404, 422)},
)
async def get_supervision_task(ctx: Ctx, task: CurrentTask, response: Response) -> SupervisionTaskRead:
    return await _answer(ctx, task, response)


@router.post(
    "/{task_id}/submit",
    response_model=SupervisionTaskRead,
    summary="Submit a supervision task",
    description="`open` or `returned` → `submitted`, with a report; only officers of the assignee unit (S2).",
    responses={**answer("The task, now `submitted`.", etag=True), **ACTION_ERRORS},
    dependencies=[Idempotent],
)
async def submit_supervision_task(
    ctx: Ctx, task: TaskForUpdate, body: SubmitTaskRequest, response: Response
) -> SupervisionTaskRead:
    await service.act(ctx, task, TaskAction.submit, report=body.report)
    return await _answer(ctx, task, response)


@router.post(
    "/{task_id}/accept",
    response_model=SupervisionTaskRead,
    summary="Accept a supervision task",
    description=(
        "`submitted` → `accepted`; street_admin and supervisor (S2). Sets `completed_on` (default today; never "
        "in the future, never before the task was created), the date C3 counts a round by."
    ),
    responses={**answer("The task, now `accepted`.", etag=True), **ACTION_ERRORS},
    dependencies=[Idempotent],
)
async def accept_supervision_task(
    ctx: Ctx, task: TaskForUpdate, body: AcceptTaskRequest, response: Response
) -> SupervisionTaskRead:
    await service.act(ctx, task, TaskAction.accept, comment=body.comment, completed_on=body.completed_on)
    return await _answer(ctx, task, response)


@router.post(
    "/{task_id}/return",
    response_model=SupervisionTaskRead,
    summary="Return a supervision task",
    description="`submitted` → `returned`, with a comment saying why; street_admin and supervisor (S2).",
    responses={**answer("The task, now `returned`.", etag=True), **ACTION_ERRORS},
    dependencies=[Idempotent],
)
async def return_supervision_task(
    ctx: Ctx, task: TaskForUpdate, body: ReturnTaskRequest, response: Response
) -> SupervisionTaskRead:
    await service.act(ctx, task, TaskAction.return_, comment=body.comment)
    return await _answer(ctx, task, response)


@router.post(
    "/{task_id}/findings",
    response_model=FindingsRecorded,
    status_code=201,
    summary="Record a supervision task's findings",
    description=(
        "Each finding becomes a hazard of its enterprise with source `supervision`, linked to the task (S3), in "
        "one transaction: a bad finding is a 422 naming `findings[i].field` and nothing is written. street_admin "
        "and supervisor. `Location` and `ETag` are the task's."
    ),
    responses={**answer("The hazards created; `Location` and `ETag` are the task's.", status=201, etag=True, location=True), **ACTION_ERRORS},
    dependencies=[Idempotent],
)
async def record_supervision_findings(
    ctx: Ctx, task: TaskForUpdate, body: FindingsRequest, response: Response
) -> FindingsRecorded:
    created = await service.record_findings(ctx, task, [f.model_dump() for f in body.findings])
    response.headers["Location"] = f"/api/v1/supervision-tasks/{task.id}"
    set_etag(response, task.version)
    return FindingsRecorded(task_id=task.id, hazards=[hazard_read(h, ctx.today) for h in created])


@router.post(
    "/{task_id}/referrals",
    response_model=ReferralRead,
    status_code=201,
    summary="Record a referral (移交) on a supervision task",
    description=(
        "Misconduct found during supervision handed over to the competent body (S3); street_admin and "
        "supervisor. `referred_on` defaults to today. `Location` and `ETag` are the task's, which lists its "
        "referrals."
    ),
    responses={**answer("The task with the referral; `Location` and `ETag` are the task's.", status=201, etag=True, location=True), **ACTION_ERRORS},
    dependencies=[Idempotent],
)
async def create_task_referral(
    ctx: Ctx, task: TaskForUpdate, body: ReferralCreate, response: Response
) -> ReferralRead:
    referral = await service.refer(ctx, task, body.model_dump())
    response.headers["Location"] = f"/api/v1/supervision-tasks/{task.id}"
    set_etag(response, task.version)
    return ReferralRead.model_validate(referral)
