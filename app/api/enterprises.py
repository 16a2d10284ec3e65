"""/enterprises: the registry (E1, E2), scoped by A1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response

from app.api.deps import Ctx, Now, Scope, Scoring, Session, Today, Work, Writer
from app.api.errors import problem_responses
from app.api.http import IfMatch, answer, check_if_match, set_etag
from app.api.idempotency import Idempotent
from app.api.pagination import (
    Cursor,
    Limit,
    decode_id_cursor,
    encode_cursor,
    next_id_cursor,
)
from app.api.params import EnterpriseId, SectorFilter, VillageFilter
from app.api.routing import TransactionalRoute
from app.api.schemas.common import text
from app.api.schemas.enterprises import (
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseUpdate,
)
from app.api.schemas.risk import FeatureCollection, RiskOverrideCreate, RiskRead
from app.db.models import Enterprise
from app.db.repositories import enterprises as repo
from app.db.repositories import risk as risk_repo
from app.domain.enums import EnterpriseStatus, EnterpriseTag
from app.domain.risk import RiskLevel
from app.services import enterprises as service
from app.services import risk

RiskLevelFilter = Annotated[
    RiskLevel | None,
    Query(description="Only enterprises of this risk level (K4, overrides included). A page may hold fewer than "
          "`limit` items with a `next_cursor`: keep following it.", examples=["red"]),
]

router = APIRouter(prefix="/api/v1/enterprises", tags=["enterprises"], route_class=TransactionalRoute)


def to_read(e: Enterprise) -> EnterpriseRead:
    return EnterpriseRead(
        id=e.id,
        name=e.name,
        credit_code=e.credit_code,
        village_id=e.village_id,
        sector=e.sector,
        high_risk=e.high_risk,
        status=e.status,
        registered_on=e.registered_on,
        tags=e.tags,
        principal={"name": e.principal_name, "phone": e.principal_phone},
        actual_controller={"name": e.controller_name, "phone": e.controller_phone},
        address=e.address,
        standardization_level=e.standardization_level,
        benchmark=e.benchmark,
        location=service.location_of(e),
        created_at=e.created_at,
        updated_at=e.updated_at,
    )


@router.get(
    "",
    response_model=EnterprisePage,
    summary="List enterprises",
    description="Enterprises the caller can see (A1), in registration order, keyset paginated.",
    responses={**answer("A page of enterprises, in registration order."), **problem_responses(401, 422)},
)
async def list_enterprises(
    session: Session,
    scope: Scope,
    today: Today,
    scoring: Scoring,
    village_id: VillageFilter = None,
    sector: SectorFilter = None,
    high_risk: Annotated[
        bool | None, Query(description="`true`: only high-risk enterprises (高危); `false`: the others.", examples=[True])
    ] = None,
    status: Annotated[EnterpriseStatus | None, Query(description="Only enterprises in this status.", examples=["active"])] = None,
    tag: Annotated[EnterpriseTag | None, Query(description="Only enterprises with this tag.", examples=["dust_explosion"])] = None,
    q: Annotated[
        text(100) | None,
        Query(description="Part of the name, or the start of the credit code.", examples=["东湖化工"]),
    ] = None,
    risk_level: RiskLevelFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EnterprisePage:
    filters = repo.EnterpriseFilters(village_id, sector, high_risk, status, tag, q)
    if risk_level is not None:
        page = await risk.filter_page(session, scope, filters, risk_level, today=today, limit=limit,
                                      after=decode_id_cursor(cursor), scoring=scoring)
        next_cursor = encode_cursor(page.next_after) if page.next_after is not None else None
        return EnterprisePage(items=[to_read(e) for e, _ in page.rows], next_cursor=next_cursor)
    rows = await repo.list_page(session, scope, filters, limit=limit, after=decode_id_cursor(cursor))
    return EnterprisePage(items=[to_read(e) for e in rows], next_cursor=next_id_cursor(rows, limit))


@router.api_route("/geojson", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def geojson_other_methods() -> None:
    """/enterprises/geojson is the map, not an enterprise: other methods answer 405 (without
    this, PATCH would reach update_enterprise and answer 422 on the id "geojson")."""
    raise HTTPException(405)


@router.get(
    "/geojson",
    response_model=FeatureCollection,
    tags=["risk"],
    summary="Map of enterprises",
    description="K6: a GeoJSON FeatureCollection of the enterprises the caller can see (A1) that have coordinates, "
    "each a Point (WGS-84, [lng, lat]) with its name, village, sector and risk level (K4) as properties.",
    responses={**answer("The enterprises as GeoJSON features."), **problem_responses(401, 422)},
)
async def enterprises_geojson(
    session: Session,
    scope: Scope,
    today: Today,
    scoring: Scoring,
    village_id: VillageFilter = None,
    sector: SectorFilter = None,
    risk_level: RiskLevelFilter = None,
) -> FeatureCollection:
    features = await risk.map_features(session, scope, repo.EnterpriseFilters(village_id, sector), risk_level, today=today,
                                       scoring=scoring)
    return FeatureCollection(type="FeatureCollection", features=features)


@router.post(
    "",
    response_model=EnterpriseRead,
    status_code=201,
    summary="Register an enterprise",
    description=(
        "street_admin and supervisor register anywhere; a village officer in its village; a department officer "
        "in the sectors it leads. `high_risk` defaults from the sector. A duplicate credit code is 409."
    ),
    responses={**answer("The enterprise as registered.", status=201, etag=True, location=True), **problem_responses(401, 403, 409, 422)},
    dependencies=[Idempotent],
)
async def create_enterprise(
    work: Work, principal: Writer, body: EnterpriseCreate, response: Response, now: Now
) -> EnterpriseRead:
    enterprise = await service.create(work, principal, body.model_dump(), now=now)
    response.headers["Location"] = f"/api/v1/enterprises/{enterprise.id}"
    set_etag(response, enterprise.version)
    return to_read(enterprise)


@router.get(
    "/{enterprise_id}",
    response_model=EnterpriseRead,
    summary="Get an enterprise",
    description='An enterprise the caller can see (A1), with its contacts; its `ETag` is what `PATCH` expects in `If-Match`. Any other id answers 404 (A2).',
    responses={**answer("The enterprise.", etag=True), **problem_responses(401, 404, 422)},
)
async def get_enterprise(session: Session, scope: Scope, enterprise_id: EnterpriseId, response: Response) -> EnterpriseRead:
    enterprise = await service.load(session, scope, enterprise_id)
    set_etag(response, enterprise.version)
    return to_read(enterprise)


@router.patch(
    "/{enterprise_id}",
    response_model=EnterpriseRead,
    summary="Change an enterprise",
    description=(
        "Partial update; send `If-Match` with the ETag you read (412 when stale). A change of `status` or "
        "`high_risk` is recorded with its `effective_on` business date for the cadence engine. Enterprise users "
        "may update contacts, address and standardization only."
    ),
    responses={**answer("The enterprise as changed.", etag=True), **problem_responses(401, 403, 404, 412, 422)},
)
async def update_enterprise(
    work: Work,
    principal: Writer,
    scope: Scope,
    enterprise_id: EnterpriseId,
    body: EnterpriseUpdate,
    response: Response,
    now: Now,
    today: Today,
    if_match: IfMatch = None,
) -> EnterpriseRead:
    enterprise = await service.load(work.session, scope, enterprise_id, for_update=True)
    check_if_match(if_match, enterprise.version)
    enterprise = await service.update(
        work, principal, scope, enterprise, body.model_dump(exclude_unset=True), now=now, today=today
    )
    set_etag(response, enterprise.version)
    return to_read(enterprise)


def _risk_read(enterprise_id: Any, a: Any, history: list[Any]) -> RiskRead:
    return RiskRead(
        enterprise_id=enterprise_id, level=a.level, score=a.score, computed_level=a.computed_level,
        parts=[{"factor": p.factor, "points": p.points, "why": p.why} for p in a.parts], overridden=a.overridden,
        override_reason=a.override_reason, why=a.why, history=[dict(h._mapping) for h in history],
    )


@router.get(
    "/{enterprise_id}/risk",
    response_model=RiskRead,
    tags=["risk"],
    summary="Get an enterprise's risk level",
    description=(
        "K4: the four-colour level (red 重大, orange 较大, yellow 一般, blue 低) from the documented default score "
        "(app/domain/risk.py): inherent risk (sector, high-risk, tags), condition today (open and overdue major hazards, "
        "open general hazards, C1/C2 periods missed in the last 12 months) and management (standardization). Each part "
        "says why. An official's override wins and says so; every override is in `history`."
    ),
    responses={**answer("The risk level and its parts."), **problem_responses(401, 404, 422)},
)
async def get_risk(
    session: Session, scope: Scope, enterprise_id: EnterpriseId, today: Today, scoring: Scoring
) -> RiskRead:
    enterprise = await service.load(session, scope, enterprise_id)
    assessment = await risk.assess(session, enterprise, today, scoring)
    return _risk_read(enterprise.id, assessment, await risk_repo.history(session, enterprise.id))


@router.put(
    "/{enterprise_id}/risk",
    response_model=RiskRead,
    tags=["risk"],
    summary="Override an enterprise's risk level",
    description="K4: street_admin, or an officer of the lead department of the enterprise's sector, sets the level with "
    "a reason (`level: null` returns to the computed level). The override is kept in the history with the computed "
    "level and score of the day.",
    responses={**answer("The risk level with the override."), **problem_responses(401, 403, 404, 422)},
    dependencies=[Idempotent],
)
async def override_risk(
    ctx: Ctx, _: Writer, enterprise_id: EnterpriseId, body: RiskOverrideCreate, scoring: Scoring
) -> RiskRead:
    enterprise = await service.load(ctx.session, ctx.scope, enterprise_id, for_update=True)
    assessment = await risk.override(ctx, enterprise, body.level.value if body.level else None, body.reason, scoring)
    return _risk_read(enterprise.id, assessment, await risk_repo.history(ctx.session, enterprise.id))
