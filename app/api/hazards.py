"""/hazards: the ledger (H1–H10), its lifecycle actions, history, escalations and listing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from app.api.deps import Ctx, Reader, Scope, Today, Writer
from app.api.errors import problem_responses
from app.api.fastjson import json_response
from app.api.http import IfMatch, answer, check_if_match, etag, set_etag
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, encode_cursor
from app.api.params import (
    DiscoveredFrom,
    DiscoveredTo,
    EnterpriseFilter,
    HazardId,
    ListedFilter,
    OverdueFilter,
    SectorFilter,
    TitleSearch,
    VillageFilter,
)
from app.api.routing import TransactionalRoute
from app.api.schemas.hazards import (
    EscalationCreate,
    EscalationList,
    EscalationRead,
    ExtendRequest,
    HazardCreate,
    HazardPage,
    HazardRead,
    HazardUpdate,
    HistoryEntry,
    HistoryList,
    ListingRequest,
    PlanRead,
    PlanRequest,
    ReasonRequest,
    ReviewRequest,
    SubmitRequest,
)
from app.db import readers
from app.db.repositories import hazards as repo
from app.domain.errors import NotFound
from app.domain.hazards import (
    Grade,
    HazardStatus,
    Plan,
    Source,
    allowed_actions,
    is_overdue,
)
from app.services import hazards as service

router = APIRouter(prefix="/api/v1/hazards", tags=["hazards"], route_class=TransactionalRoute)

StatusFilter = Annotated[HazardStatus | None, Query(description="Only hazards in this state.", examples=["rectifying"])]
GradeFilter = Annotated[Grade | None, Query(description="Only `major` (重大) or only `general` (一般) hazards.", examples=["major"])]
SourceFilter = Annotated[Source | None, Query(description="Only hazards of this source.", examples=["supervision"])]

ACTION_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


def action_answers(description: str) -> dict[int | str, dict[str, Any]]:
    return {**answer(description, etag=True), **ACTION_ERRORS}


def _plan(h: Mapping[str, Any], today: date) -> dict[str, Any]:
    # PlanRead's fields are the hazard's columns of the same names; a reported hazard has no
    # plan yet, so no plan deadline either
    planned = h["status"] != HazardStatus.reported
    return {name: (h[name] if planned or name != "deadline" else None) for name in PlanRead.model_fields}


# HazardRead's fields that are not a column of the same name, and how each is derived.
DERIVED: dict[str, Callable[[Mapping[str, Any], date], Any]] = {
    "overdue": lambda h, today: is_overdue(h["status"], h["deadline"], today),  # H6
    "plan": _plan,
    "allowed_actions": lambda h, today: allowed_actions(h["status"]),  # H2
}
# Every other field of the response schema is read from the row or model by its name: the
# schema is the one list of a hazard's fields, and of the columns the fast paths select.
COLUMN_FIELDS = tuple(name for name in HazardRead.model_fields if name not in DERIVED)
ROW_COLUMNS = tuple(dict.fromkeys((*COLUMN_FIELDS, *PlanRead.model_fields, "status", "deadline")))


def _hazard_dict_function() -> Callable[[Mapping[str, Any], date], dict[str, Any]]:
    """hazard_dict as one dict display over the schema's fields, generated once: as fast as
    a hand-written one, without a second list of the fields."""
    items = ", ".join(
        f"{name!r}: _derived[{name!r}](h, today)" if name in DERIVED else f"{name!r}: h[{name!r}]"
        for name in HazardRead.model_fields
    )
    namespace: dict[str, Any] = {"_derived": DERIVED}
    exec(f"def hazard_dict(h, today):\n    return {{{items}}}\n", namespace)  # noqa: S102 - names from the schema
    return namespace["hazard_dict"]  # type: ignore[no-any-return]


_hazard_dict = _hazard_dict_function()


def hazard_dict(h: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The HazardRead representation of a row, as plain data in the schema's field order
    (hot paths encode it with orjson; tests/api/test_fast_paths.py holds it to the
    response model's own serialization of the ORM object)."""
    return _hazard_dict(h, today)


def to_read(h: Any, today: date) -> HazardRead:
    """From an ORM object (write paths): the response model, validated by pydantic."""
    row = {name: getattr(h, name) for name in ROW_COLUMNS}
    return HazardRead.model_validate(hazard_dict(row, today))


async def load_hazard(ctx: Ctx, hazard_id: HazardId) -> Any:
    """The path's hazard within the caller's scope, or 404 (A2)."""
    return await service.load(ctx, hazard_id)


async def load_hazard_for_update(ctx: Ctx, hazard_id: HazardId, if_match: IfMatch = None) -> Any:
    """Locks the row for the action and checks If-Match (412 when stale)."""
    hazard = await service.load(ctx, hazard_id, for_update=True)
    check_if_match(if_match, hazard.version)
    return hazard


CurrentHazard = Annotated[Any, Depends(load_hazard)]
HazardForUpdate = Annotated[Any, Depends(load_hazard_for_update)]


def _answer(hazard: Any, response: Response, today: date) -> HazardRead:
    set_etag(response, hazard.version)
    return to_read(hazard, today)


@router.get(
    "",
    response_model=HazardPage,
    summary="List hazards",
    description=(
        "Hazards the caller can see (A1), newest first, keyset paginated: pass `next_cursor` back as `cursor` "
        "until it is null. The filters combine (and). `overdue` follows H6: open and past the deadline, today in "
        "Asia/Shanghai."
    ),
    responses={**answer("A page of hazards, newest first."), **problem_responses(401, 422)},
)
async def list_hazards(
    conn: Reader,
    scope: Scope,
    today: Today,
    status: StatusFilter = None,
    grade: GradeFilter = None,
    source: SourceFilter = None,
    village_id: VillageFilter = None,
    sector: SectorFilter = None,
    enterprise_id: EnterpriseFilter = None,
    overdue: OverdueFilter = None,
    listed: ListedFilter = None,
    discovered_from: DiscoveredFrom = None,
    discovered_to: DiscoveredTo = None,
    q: TitleSearch = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HazardPage:
    filters = repo.HazardFilters(
        status, grade, source, village_id, sector, enterprise_id, overdue, listed, discovered_from, discovered_to, q
    )
    rows = await readers.hazard_page(
        conn, scope, filters, today=today, limit=limit, before=decode_id_cursor(cursor), columns=ROW_COLUMNS
    )
    next_cursor = encode_cursor(rows[-1]["id"]) if len(rows) == limit else None
    return json_response({"items": [hazard_dict(r, today) for r in rows], "next_cursor": next_cursor})


@router.post(
    "",
    response_model=HazardRead,
    status_code=201,
    summary="Record a hazard",
    description=(
        "A hazard of an enterprise the caller can see; `village_id` and `sector` are taken from the enterprise. "
        "Enterprise users record `self_inspection` hazards. A major hazard records the notification of the "
        "principal and the actual controller (H8)."
    ),
    responses={
        **answer("The hazard as recorded, `reported`.", status=201, etag=True, location=True),
        **problem_responses(401, 403, 422),
    },
    dependencies=[Idempotent],
)
async def create_hazard(ctx: Ctx, _: Writer, body: HazardCreate, response: Response) -> HazardRead:
    hazard = await service.create(ctx, service.NewHazard(**body.model_dump()))
    response.headers["Location"] = f"/api/v1/hazards/{hazard.id}"
    return _answer(hazard, response, ctx.today)


@router.get(
    "/{hazard_id}",
    response_model=HazardRead,
    summary="Get a hazard",
    description="A hazard the caller can see, with its plan, its state and the actions that state allows; its "
    "`ETag` is what the actions expect in `If-Match`. Any other id answers 404 (A2).",
    responses={**answer("The hazard.", etag=True), **problem_responses(401, 404, 422)},
)
async def get_hazard(conn: Reader, scope: Scope, today: Today, hazard_id: HazardId) -> Response:
    row = await readers.hazard(conn, scope, hazard_id, ROW_COLUMNS)
    if row is None:
        raise NotFound(f"no hazard {hazard_id}")
    return json_response(hazard_dict(row, today), headers={"ETag": etag(row["version"])})


@router.patch(
    "/{hazard_id}",
    response_model=HazardRead,
    summary="Change a hazard's description",
    description="Descriptive fields only; the state, deadline and plan change through the actions.",
    responses=action_answers("The hazard as changed."),
)
async def update_hazard(ctx: Ctx, hazard: HazardForUpdate, body: HazardUpdate, response: Response) -> HazardRead:
    service.update_descriptive(ctx, hazard, service.DescriptiveChanges(**body.model_dump(exclude_unset=True)))
    return _answer(hazard, response, ctx.today)


@router.post(
    "/{hazard_id}/plan",
    response_model=HazardRead,
    summary="Plan the rectification",
    description="`reported` → `rectifying`. A major hazard needs the five elements (H3); a general one the "
    "responsible person and the deadline.",
    responses=action_answers("The hazard, now `rectifying`, with its plan."),
    dependencies=[Idempotent],
)
async def plan_hazard(ctx: Ctx, hazard: HazardForUpdate, body: PlanRequest, response: Response) -> HazardRead:
    funds = None if body.funds is None else Decimal(body.funds)
    plan = Plan(body.responsible_person, body.measures, funds, body.deadline, body.contingency_plan)
    await service.plan(ctx, hazard, service.PlanInput(
        plan, attachment_ids=body.attachment_ids, comment=body.comment, effective_on=body.effective_on))
    return _answer(hazard, response, ctx.today)


@router.post(
    "/{hazard_id}/submit",
    response_model=HazardRead,
    summary="Submit the rectification for review",
    description="`rectifying` → `pending_review`, with evidence: a text and/or attachments (H4).",
    responses=action_answers("The hazard, now `pending_review`."),
    dependencies=[Idempotent],
)
async def submit_hazard(ctx: Ctx, hazard: HazardForUpdate, body: SubmitRequest, response: Response) -> HazardRead:
    await service.submit(ctx, hazard, service.SubmitInput(
        body.evidence, attachment_ids=body.attachment_ids, comment=body.comment, effective_on=body.effective_on))
    return _answer(hazard, response, ctx.today)


@router.post(
    "/{hazard_id}/review",
    response_model=HazardRead,
    summary="Review a rectification (sign off or send back)",
    description="`approve`: `pending_review` → `closed` (销号); `reject`: back to `rectifying`, with a comment. "
    "Major hazards: the sector's lead department or street_admin; general: also the village officer (H5).",
    responses=action_answers("The hazard, `closed` (approved) or back in `rectifying` (rejected)."),
    dependencies=[Idempotent],
)
async def review_hazard(ctx: Ctx, hazard: HazardForUpdate, body: ReviewRequest, response: Response) -> HazardRead:
    await service.review(ctx, hazard, service.ReviewInput(
        approve=body.decision == "approve", comment=body.comment, effective_on=body.effective_on))
    return _answer(hazard, response, ctx.today)


@router.post(
    "/{hazard_id}/reopen",
    response_model=HazardRead,
    summary="Reopen a closed hazard",
    description="street_admin only, with a reason: `closed` → `rectifying` (H2).",
    responses=action_answers("The hazard, `rectifying` again."),
    dependencies=[Idempotent],
)
async def reopen_hazard(ctx: Ctx, hazard: HazardForUpdate, body: ReasonRequest, response: Response) -> HazardRead:
    await service.reopen(ctx, hazard, service.ReasonInput(body.reason, body.effective_on))
    return _answer(hazard, response, ctx.today)


@router.post(
    "/{hazard_id}/void",
    response_model=HazardRead,
    summary="Void a hazard found not to be one",
    description="From any open state, with a reason; by those who may sign the hazard off (H5).",
    responses=action_answers("The hazard, now `void`."),
    dependencies=[Idempotent],
)
async def void_hazard(ctx: Ctx, hazard: HazardForUpdate, body: ReasonRequest, response: Response) -> HazardRead:
    await service.void(ctx, hazard, service.ReasonInput(body.reason, body.effective_on))
    return _answer(hazard, response, ctx.today)


@router.post(
    "/{hazard_id}/extend",
    response_model=HazardRead,
    summary="Extend the rectification deadline",
    description="A later deadline with a reason; recorded and counted in `extensions` (H6). Not by enterprises.",
    responses=action_answers("The hazard with its new deadline and one more extension."),
    dependencies=[Idempotent],
)
async def extend_hazard_deadline(ctx: Ctx, hazard: HazardForUpdate, body: ExtendRequest, response: Response) -> HazardRead:
    await service.extend(ctx, hazard, service.ExtendInput(body.deadline, body.reason, body.effective_on))
    return _answer(hazard, response, ctx.today)


@router.get(
    "/{hazard_id}/history",
    response_model=HistoryList,
    summary="A hazard's history",
    description="Every step, append-only (H7), oldest first: `at` when it was recorded, `effective_on` the "
    "business date it took effect, who took it and the state before and after.",
    responses={**answer("The hazard's history, oldest first."), **problem_responses(401, 404, 422)},
)
async def get_hazard_history(ctx: Ctx, hazard: CurrentHazard) -> HistoryList:
    rows = await repo.history(ctx.session, hazard.id)
    return HistoryList(items=[HistoryEntry.model_validate(r) for r in rows])


@router.post(
    "/{hazard_id}/escalations",
    response_model=EscalationRead,
    status_code=201,
    summary="Escalate a slow rectification",
    description="函告, 通报, 约谈 or 曝光 on an open hazard; street_admin and supervisor (H9).",
    responses={
        **answer("The escalation recorded; `Location` is the hazard's list of escalations.", status=201, location=True),
        **ACTION_ERRORS,
    },
    dependencies=[Idempotent],
)
async def escalate_hazard(ctx: Ctx, hazard: HazardForUpdate, body: EscalationCreate, response: Response) -> EscalationRead:
    escalation = await service.escalate(ctx, hazard, service.EscalationInput(body.kind, body.note, body.effective_on))
    response.headers["Location"] = f"/api/v1/hazards/{hazard.id}/escalations"
    return EscalationRead.model_validate(escalation)


@router.get(
    "/{hazard_id}/escalations",
    response_model=EscalationList,
    summary="A hazard's escalations",
    description="函告, 通报, 约谈 and 曝光 recorded on the hazard (H9), oldest first.",
    responses={**answer("The hazard's escalations."), **problem_responses(401, 404, 422)},
)
async def list_hazard_escalations(ctx: Ctx, hazard: CurrentHazard) -> EscalationList:
    rows = await repo.escalations(ctx.session, hazard_id=hazard.id)
    return EscalationList(items=[EscalationRead.model_validate(r) for r in rows])


@router.post(
    "/{hazard_id}/listing",
    response_model=HazardRead,
    summary="List or delist a hazard for supervision (挂牌督办)",
    description="street_admin and supervisor (H9); `listed: false` delists (摘牌).",
    responses=action_answers("The hazard, listed or delisted."),
    dependencies=[Idempotent],
)
async def set_hazard_listing(ctx: Ctx, hazard: HazardForUpdate, body: ListingRequest, response: Response) -> HazardRead:
    await service.set_listing(ctx, hazard, service.ListingInput(body.listed, body.comment, body.effective_on))
    return _answer(hazard, response, ctx.today)
