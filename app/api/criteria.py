"""/criteria: the library of major-hazard criteria (K1), reference data every caller reads;
street_admin loads a new version. The read side goes router → repository (reads only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.api.deps import Ctx, CurrentUser, Session
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Limit, SeqCursor, decode_cursor, encode_cursor
from app.api.params import SectorFilter
from app.api.routing import TransactionalRoute
from app.api.schemas.common import CriterionCode, Day, text
from app.api.schemas.criteria import (
    CriteriaVersionCreate,
    CriteriaVersionList,
    CriteriaVersionRead,
    CriterionPage,
    CriterionRead,
)
from app.db.models import CriteriaDocument, CriteriaVersion, Criterion
from app.db.repositories import criteria as repo
from app.domain.enums import EnterpriseTag
from app.domain.errors import FieldError, NotFound, RuleViolation
from app.domain.hazards import Grade
from app.services import criteria as service

router = APIRouter(prefix="/api/v1/criteria", tags=["criteria"], route_class=TransactionalRoute)

VersionParam = Annotated[
    int | None,
    Query(ge=1, le=1_000_000, description="A library version (default: the one in force, the highest).", examples=[1]),
]


def to_read(c: Criterion, d: CriteriaDocument) -> CriterionRead:
    wanted = set(c.source_ids)
    return CriterionRead(
        code=c.code, version=c.version, sectors=c.sectors, tags=c.tags, grade=c.grade,
        standard={
            "title": d.title, "issuer": d.issuer, "number": d.number, "article": c.article, "item": c.item,
            "article_text": c.article_text, "published_on": d.published_on, "complete": d.complete,
        },
        text=c.text, effective_from=c.effective_from, effective_to=c.effective_to,
        sources=[s for s in d.sources if isinstance(s, dict) and s.get("id") in wanted],
    )


def _version_read(v: CriteriaVersion) -> CriteriaVersionRead:
    return CriteriaVersionRead(version=v.version, note=v.note, criteria_count=v.criteria_count, loaded_by=v.loaded_by,
                               loaded_at=v.loaded_at)


async def _version(session: Any, version: int | None) -> int:
    if version is None:
        current = await repo.current_version(session)
        if current is None:
            raise NotFound("no criteria library is loaded")
        return current
    if await repo.version_row(session, version) is None:
        raise RuleViolation("unknown library version", [FieldError("version", f"no library version {version}")])
    return version


@router.get(
    "",
    response_model=CriterionPage,
    summary="List criteria",
    description=(
        "The criteria of the library (K1) in document order, each with its standard (title, issuer, document number, "
        "article and item), its wording as published, the dates it is in force and its sources. Filter by sector, "
        "document number, grade, tag or a day in force. Every authenticated caller may read them."
    ),
    responses={**answer("A page of criteria, in document order."), **problem_responses(401, 404, 422)},
)
async def list_criteria(
    session: Session,
    _: CurrentUser,
    sector: SectorFilter = None,
    document: Annotated[
        text(100) | None, Query(description="Only those of this document number (文号).", examples=["应急管理部令第10号"])
    ] = None,
    grade: Annotated[Grade | None, Query(description="`major`: only major-hazard criteria.", examples=["major"])] = None,
    major: Annotated[bool | None, Query(description="`true`: only major-hazard criteria; `false`: only the others.",
                                       examples=[True])] = None,
    tag: Annotated[EnterpriseTag | None, Query(description="Only those for enterprises with this tag.",
                                               examples=["dust_explosion"])] = None,
    in_force_on: Annotated[Day | None, Query(description="Only those in force on this day.", examples=["2025-06-01"])] = None,
    version: VersionParam = None,
    limit: Limit = 50,
    cursor: SeqCursor = None,
) -> CriterionPage:
    v = await _version(session, version)
    if major is not None:
        wanted = Grade.major if major else Grade.general
        if grade is not None and grade != wanted:
            return CriterionPage(items=[], next_cursor=None)
        grade = wanted
    after = decode_cursor(cursor)
    if after and not -(2**31) <= after[0] < 2**31:  # positions are int4: beyond them, before or past the end
        if after[0] > 0:
            return CriterionPage(items=[], next_cursor=None)
        after = None
    filters = repo.CriteriaFilters(sector=sector, document=document, grade=grade, tag=tag, in_force_on=in_force_on)
    rows = await repo.list_page(session, v, filters, limit=limit, after=after[0] if after else None)
    next_cursor = encode_cursor(rows[-1][0].position) if len(rows) == limit else None
    return CriterionPage(items=[to_read(c, d) for c, d in rows], next_cursor=next_cursor)


@router.get(
    "/versions",
    response_model=CriteriaVersionList,
    summary="List library versions",
    description="Every loaded version of the criteria library, newest (in force) first.",
    responses={**answer("The versions, newest first."), **problem_responses(401)},
)
async def list_versions(ctx: Ctx) -> CriteriaVersionList:
    return CriteriaVersionList(items=[_version_read(v) for v in await service.versions(ctx)])


@router.post(
    "/versions",
    response_model=CriteriaVersionRead,
    status_code=201,
    summary="Load a new library version",
    description=(
        "street_admin only. The whole library as document files in the format of `app/data/criteria` (one object per "
        "published document with its `standard` and `criteria`); it becomes the version in force, all or nothing. "
        "Every problem is a 422 naming `documents[i].criteria[j].field`. Hazards keep the version they cited."
    ),
    responses={**answer("The version as loaded.", status=201, location=True), **problem_responses(401, 403, 422)},
    dependencies=[Idempotent],
)
async def load_version(ctx: Ctx, body: CriteriaVersionCreate, response: Response) -> CriteriaVersionRead:
    version = await service.load_version(
        ctx, [d.model_dump(mode="json", exclude_unset=True) for d in body.documents], body.note)
    response.headers["Location"] = f"/api/v1/criteria?version={version.version}"
    return _version_read(version)


@router.get(
    "/{criterion_code}",
    response_model=CriterionRead,
    summary="Get a criterion",
    description="One criterion by its code, of the version in force unless `version` is given; an unknown code answers 404.",
    responses={**answer("The criterion."), **problem_responses(401, 404, 422)},
)
async def get_criterion(
    session: Session,
    _: CurrentUser,
    criterion_code: Annotated[CriterionCode, Path(description="The criterion's code.", examples=["GMQY-2023-13-1"])],
    version: VersionParam = None,
) -> CriterionRead:
    row = await repo.get(session, await _version(session, version), criterion_code)
    if row is None:
        raise NotFound(f"no criterion {criterion_code}")
    return to_read(*row)
