"""/checklists: inspection checklists (K3). Templates are reference data every caller reads
(mobile apps cache them with ETag / If-None-Match); street_admin and the lead departments
manage them; the statistics count only the inspections the caller can see (A1)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from app.api.deps import Ctx, CurrentUser, Scope, Session, Writer
from app.api.errors import problem_responses
from app.api.http import IfMatch, answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import SectorFilter, day_from, day_to
from app.api.routing import TransactionalRoute
from app.api.schemas.checklists import (
    CHECKLIST_ID,
    ChecklistCreate,
    ChecklistPage,
    ChecklistRead,
    ChecklistStats,
)
from app.api.schemas.common import Id
from app.db.models import Checklist, ChecklistItem
from app.db.repositories import checklists as repo
from app.domain.enums import EnterpriseTag
from app.domain.errors import StaleVersion
from app.services import checklists as service

router = APIRouter(prefix="/api/v1/checklists", tags=["checklists"], route_class=TransactionalRoute)

ChecklistId = Annotated[Id, Path(description="A checklist version's id; an unknown one answers 404.", examples=[CHECKLIST_ID])]
IfNoneMatch = Annotated[
    str | None,
    Header(alias="If-None-Match", max_length=200, description="The `ETag` a client cached: 304 while it is current.",
           examples=['"1.1"']),
]


def etag_of(c: Checklist) -> str:
    """The version and its in-place revision, as the contract's ETag pattern has it (hex
    digits): the version, then the revision in eight digits."""
    return f'"{c.version:x}{c.revision:08x}"'


def _matches(header: str | None, tag: str) -> bool:
    if header is None:
        return False
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or tag in candidates


def to_read(c: Checklist, items: list[ChecklistItem], latest: bool) -> ChecklistRead:
    return ChecklistRead(
        id=c.id, series_id=c.series_id, name=c.name, version=c.version, sectors=c.sectors, tags=c.tags,
        is_default=c.is_default, latest=latest,
        items=[{"id": i.id, "position": i.position, "text": i.text, "criterion_code": i.criterion_code, "grade": i.grade}
               for i in items],
        created_at=c.created_at, updated_at=c.updated_at,
    )


async def _read(session: Any, c: Checklist) -> ChecklistRead:
    items = (await repo.items(session, [c.id]))[c.id]
    return to_read(c, items, await repo.latest_version(session, c.series_id) == c.version)


@router.get(
    "",
    response_model=ChecklistPage,
    summary="List checklists",
    description="Checklist versions (the latest of each checklist unless `all_versions=true`), with their items. "
    "Every authenticated caller may read them. The page has an `ETag`: send it in `If-None-Match` to get 304 "
    "while nothing on the page changed.",
    responses={**answer("A page of checklists.", etag=True), 304: {"description": "Not modified: the cached page is current."},
               **problem_responses(401, 422)},
)
async def list_checklists(
    session: Session,
    _: CurrentUser,
    response: Response,
    sector: SectorFilter = None,
    tag: Annotated[EnterpriseTag | None, Query(description="Only those for this tag.", examples=["confined_space"])] = None,
    series_id: Annotated[Id | None, Query(description="Only the versions of this checklist.", examples=[CHECKLIST_ID])] = None,
    all_versions: Annotated[bool, Query(description="`true`: every version, not only the latest.", examples=[True])] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
    if_none_match: IfNoneMatch = None,
) -> Any:
    rows = await repo.list_page(session, sector=sector, tag=tag, series_id=series_id, latest_only=not all_versions,
                                limit=limit, after=decode_id_cursor(cursor))
    latest = await repo.latest_versions(session, [r.series_id for r in rows])
    digest = hashlib.sha256(
        "|".join(f"{r.id}:{r.version}:{r.revision}:{latest[r.series_id]}" for r in rows).encode()
    ).hexdigest()[:32]
    tag_value = f'"{digest}"'
    if _matches(if_none_match, tag_value):
        return Response(status_code=304, headers={"ETag": tag_value})
    response.headers["ETag"] = tag_value
    items = await repo.items(session, [r.id for r in rows])
    return ChecklistPage(
        items=[to_read(r, items[r.id], latest[r.series_id] == r.version) for r in rows],
        next_cursor=next_id_cursor(rows, limit),
    )


@router.post(
    "",
    response_model=ChecklistRead,
    status_code=201,
    summary="Create a checklist",
    description="street_admin, or a department officer for sectors its department leads. Version 1 of a new checklist; "
    "items may be tied to criteria of the library (an item of a major-hazard criterion is major, K2).",
    responses={**answer("The checklist as created.", status=201, etag=True, location=True),
               **problem_responses(401, 403, 422)},
    dependencies=[Idempotent],
)
async def create_checklist(ctx: Ctx, _: Writer, body: ChecklistCreate, response: Response) -> ChecklistRead:
    checklist = await service.create(ctx, body.model_dump())
    response.headers["Location"] = f"/api/v1/checklists/{checklist.id}"
    response.headers["ETag"] = etag_of(checklist)
    return await _read(ctx.session, checklist)


@router.get(
    "/{checklist_id}",
    response_model=ChecklistRead,
    summary="Get a checklist",
    description="One version of a checklist with its items. Send `If-None-Match` with the `ETag` you cached: 304 "
    "without a body while it is current. Every authenticated caller may read it; an unknown id answers 404.",
    responses={**answer("The checklist version.", etag=True), 304: {"description": "Not modified: the cached copy is current."},
               **problem_responses(401, 404, 422)},
)
async def get_checklist(
    ctx: Ctx, checklist_id: ChecklistId, response: Response, if_none_match: IfNoneMatch = None
) -> Any:
    checklist = await service.load(ctx, checklist_id)
    tag = etag_of(checklist)
    if _matches(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    response.headers["ETag"] = tag
    return await _read(ctx.session, checklist)


@router.put(
    "/{checklist_id}",
    response_model=ChecklistRead,
    summary="Change a checklist",
    description=(
        "The new name, sectors, tags and items of the latest version of a checklist. A version no inspection has used "
        "is changed in place (200, a new ETag); a version in use is never changed: the content becomes the next version "
        "(201, a new id, Location). An older version answers 409. Same roles as creating one."
    ),
    responses={**answer("The version changed in place.", etag=True),
               **answer("The new version made because this one is in use.", status=201, etag=True, location=True),
               **problem_responses(401, 403, 404, 409, 412, 422)},
)
async def replace_checklist(
    ctx: Ctx, _: Writer, checklist_id: ChecklistId, body: ChecklistCreate, response: Response, if_match: IfMatch = None
) -> ChecklistRead:
    checklist = await service.load(ctx, checklist_id, for_update=True)
    if if_match is not None and not _matches(if_match, etag_of(checklist)):
        raise StaleVersion(f"If-Match {if_match} is stale; the current ETag is {etag_of(checklist)}",
                           current_etag=etag_of(checklist))
    result, created = await service.replace(ctx, checklist, body.model_dump())
    if created:
        response.status_code = 201
        response.headers["Location"] = f"/api/v1/checklists/{result.id}"
    response.headers["ETag"] = etag_of(result)
    return await _read(ctx.session, result)


@router.get(
    "/{checklist_id}/stats",
    response_model=ChecklistStats,
    summary="Most-failed items of a checklist",
    description="Per item of this version: how often the inspections the caller can see (A1) failed, passed or "
    "marked it not applicable, most failed first.",
    responses={**answer("The items' counts."), **problem_responses(401, 404, 422)},
)
async def checklist_stats(
    ctx: Ctx,
    scope: Scope,
    checklist_id: ChecklistId,
    performed_from: day_from("performed", "2025-01-01") = None,
    performed_to: day_to("performed", "2025-12-31") = None,
) -> ChecklistStats:
    checklist = await service.load(ctx, checklist_id)
    total, rows = await repo.item_stats(ctx.session, scope, checklist.id, performed_from=performed_from,
                                        performed_to=performed_to)
    return ChecklistStats(checklist_id=checklist.id, inspections=total, items=rows)
