"""/compliance, /targets, /stats, /dashboard, /campaign: the plan's dashboard figures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel

from app.api.deps import DB, CurrentUser, Scope, Session, Today
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.pagination import Cursor, decode_id_cursor, encode_cursor
from app.api.params import SectorFilter, VillageFilter
from app.api.routing import TransactionalRoute
from app.api.schemas.analytics import (
    Campaign,
    ComplianceFilter,
    CompliancePage,
    Dashboard,
    DifferentiatedPage,
    HazardStats,
    Obligation,
    PhaseRead,
    StatsGroup,
    SupervisedKind,
    SupervisionCompliance,
    TargetList,
    TrainingCompliance,
)
from app.api.schemas.common import Day
from app.db.repositories import compliance as compliance_repo
from app.db.repositories.enterprises import EnterpriseFilters
from app.domain.campaign import PHASES, phase_on, phase_status
from app.domain.errors import FieldError, RuleViolation
from app.domain.hazards import Grade
from app.services import compliance as service
from app.services.analytics_cache import cache_key, cached

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute)

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


async def get_as_of(
    today: Today,
    as_of: Annotated[
        Day | None,
        Query(
            description="The business date the figures are for (Asia/Shanghai), default today; a past date gives "
            "what was true then.",
            examples=["2025-06-30"],
        ),
    ] = None,
) -> date:
    if as_of is None:
        return today
    if not EARLIEST <= as_of <= LATEST:
        raise RuleViolation("as_of out of range", [FieldError("as_of", "must lie between 2000-01-01 and 2100-12-31")])
    return as_of


AsOf = Annotated[date, Depends(get_as_of)]


class Analytics:
    """What an analytics endpoint needs to answer from the shared cache or compute."""

    def __init__(self, request: Request, session: Session, db: DB, principal: CurrentUser, scope: Scope) -> None:
        self.session, self.db, self.principal, self.scope = session, db, principal, scope
        self.enabled = request.app.state.settings.analytics_cache
        self.source = request.app.state.settings.analytics_source
        self.scoring = request.app.state.risk_scoring

    async def answer(self, name: str, compute: Callable[[], Awaitable[BaseModel]], **params: Any) -> Response:
        """The JSON of `compute()`, from the cache while no write has happened since."""
        key = cache_key(
            name, self.scope, role=self.principal.role.value, unit=self.principal.org_unit_id, source=self.source,
            **params
        )

        async def render() -> bytes:
            return (await compute()).model_dump_json(by_alias=True).encode()

        payload, version = await cached(self.session, self.db, key, render, enabled=self.enabled)
        return Response(payload, media_type="application/json", headers={"Data-Version": str(version)})


async def analytics(request: Request, session: Session, db: DB, principal: CurrentUser, scope: Scope) -> Analytics:
    """The dependency (a coroutine: FastAPI would call the class itself in a worker thread)."""
    return Analytics(request, session, db, principal, scope)


Ax = Annotated[Analytics, Depends(analytics)]


@router.get(
    "/compliance",
    response_model=CompliancePage,
    tags=["compliance"],
    summary="Cadence compliance per enterprise (C1, C2)",
    description=(
        "For each visible enterprise on `as_of`: the principal-led inspection (C1: quarterly, monthly if high-risk) "
        "and the evacuation drill (C2: yearly, half-yearly if high-risk), each `{period, status, missed_periods}`. "
        "`status=due` lists enterprises with a current period not yet done, `missed` those with missed periods, "
        "`done` those whose every applicable current period is done; `obligation` narrows the filter to one. "
        "The summary covers the whole filtered set (before `status`)."
    ),
    responses={**answer("A page of enterprises with their C1 and C2 status, and the summary.", data_version=True), **problem_responses(401, 422)},
)
async def get_compliance(
    ax: Ax,
    as_of: AsOf,
    village_id: VillageFilter = None,
    sector: SectorFilter = None,
    status: Annotated[
        ComplianceFilter | None,
        Query(description="`due`: a current period not yet done; `missed`: missed periods; `done`: all done.",
              examples=["missed"]),
    ] = None,
    obligation: Annotated[
        Obligation | None, Query(description="Narrow `status` to one obligation.", examples=["principal_inspection"])
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size, 1–200.", examples=[50])] = 50,
    cursor: Cursor = None,
) -> CompliancePage:
    q = compliance_repo.ComplianceQuery(
        as_of=as_of, village_id=village_id, sector=sector, status=status,
        obligation={"principal_inspection": "c1", "drill": "c2", None: None}[obligation],
        after=decode_id_cursor(cursor), limit=limit,
    )

    async def compute() -> CompliancePage:
        summary, items = await service.enterprise_compliance(ax.session, ax.scope, q, ax.source)
        next_cursor = encode_cursor(items[-1]["enterprise_id"]) if len(items) == limit else None
        return CompliancePage(as_of=as_of, summary=summary, items=items, next_cursor=next_cursor)

    return await ax.answer("compliance", compute, q=q)


@router.get(
    "/compliance/supervision",
    response_model=SupervisionCompliance,
    tags=["compliance"],
    summary="Supervision rounds per village and department (C3)",
    description="Each village and department needs a completed `supervision_round` per half-year from H1 2024. "
    "Village and department officers see their own unit.",
    responses={**answer("Each unit's C3 status in the current half-year, and the summary.", data_version=True), **problem_responses(401, 403, 422)},
)
async def get_supervision_compliance(
    ax: Ax,
    as_of: AsOf,
    kind: Annotated[SupervisedKind | None, Query(description="Only villages, or only departments.", examples=["village"])] = None,
) -> SupervisionCompliance:
    async def compute() -> SupervisionCompliance:
        return SupervisionCompliance(**await service.supervision_compliance(ax.session, ax.principal, as_of, kind, ax.source))

    return await ax.answer("supervision", compute, as_of=as_of, kind=kind)


@router.get(
    "/compliance/differentiated",
    response_model=DifferentiatedPage,
    tags=["compliance"],
    summary="Differentiated supervision per enterprise (C5)",
    description=(
        "K5: the lead department inspects (kind `department`) red enterprises monthly, orange quarterly, yellow "
        "half-yearly and blue yearly, in calendar periods from 2024. A period's cadence is fixed by the level in "
        "force on its first day and stays owed once begun; periods nest, and one inspection counts for every owed "
        "period it falls in. The level on a day is the override in force then (made that day or before, in "
        "Asia/Shanghai), else the level K4 computes on `as_of`. Computed from the ledger in either analytics source. "
        "A page of enterprises in id order."
    ),
    responses={**answer("A page of enterprises with their C5 status.", data_version=True), **problem_responses(401, 422)},
)
async def get_differentiated_compliance(
    ax: Ax,
    as_of: AsOf,
    village_id: VillageFilter = None,
    sector: SectorFilter = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size, 1–200.", examples=[50])] = 50,
    cursor: Cursor = None,
) -> DifferentiatedPage:
    after = decode_id_cursor(cursor)

    async def compute() -> DifferentiatedPage:
        items = await service.differentiated_compliance(
            ax.session, ax.scope, as_of, EnterpriseFilters(village_id=village_id, sector=sector), limit=limit, after=after
        )
        next_cursor = encode_cursor(items[-1]["enterprise_id"]) if len(items) == limit else None
        return DifferentiatedPage(as_of=as_of, items=items, next_cursor=next_cursor)

    return await ax.answer(
        "differentiated", compute, as_of=as_of, village_id=village_id, sector=sector, limit=limit, after=after
    )


@router.get(
    "/compliance/training",
    response_model=TrainingCompliance,
    tags=["compliance"],
    summary="Focus training coverage (C4)",
    description="2024: grade-2/3 hospitals' fire-safety responsible persons; 2025: dust-explosion enterprises' "
    "principals or fire-safety responsible persons; 2026: large commercial complexes' fire-safety responsible "
    "persons. Only passed trainings count; coverage = covered / active focus enterprises.",
    responses={**answer("The year's C4 coverage and the enterprises not yet covered.", data_version=True), **problem_responses(401, 422)},
)
async def get_training_compliance(
    ax: Ax,
    today: Today,
    year: Annotated[
        int, Query(ge=2024, le=2026, description="The campaign year, 2024–2026 (each has its focus group).", examples=[2025])
    ],
    village_id: VillageFilter = None,
    sector: SectorFilter = None,
) -> TrainingCompliance:
    async def compute() -> TrainingCompliance:
        return TrainingCompliance(
            **await service.training_compliance(ax.session, ax.scope, year, today, village_id, sector, ax.source)
        )

    return await ax.answer("training", compute, year=year, today=today, village_id=village_id, sector=sector)


@router.get(
    "/targets",
    response_model=TargetList,
    tags=["targets"],
    summary="Year-end targets (T1–T3)",
    description=(
        "`stock_cleared` (2024), `increment_reduced` (2025), `dynamic_zero` (2026), each `met | on_track | at_risk "
        "| missed` with its figures, on `as_of` — a past date gives what was true then, from each hazard's history."
    ),
    responses={**answer("T1–T3 as they stood on `as_of`.", data_version=True), **problem_responses(401, 422)},
)
async def get_targets(ax: Ax, as_of: AsOf, village_id: VillageFilter = None, sector: SectorFilter = None) -> TargetList:
    async def compute() -> TargetList:
        items = await service.targets(ax.session, ax.scope, as_of, village_id=village_id, sector=sector, source=ax.source)
        return TargetList(as_of=as_of, items=items)

    return await ax.answer("targets", compute, as_of=as_of, village_id=village_id, sector=sector)


@router.get(
    "/stats/hazards",
    response_model=HazardStats,
    tags=["statistics"],
    summary="Hazard statistics",
    description="Counts (total, open, overdue, closed, void), closure rate and median days to close, grouped; "
    "`from`/`to` bound the discovery date. Scoped: a village officer's figures count only its village. "
    "`group_by=criterion`: one row per cited criterion code (no criterion: key null), the label its document "
    "number, article and item and the document's title (`/api/v1/criteria/{code}` has the rest); always counted "
    "from the ledger. `group_by=risk_level`: one row per level of the hazards' enterprises today (K4, overrides "
    "included), most severe first, each enterprise in scope assessed once.",
    responses={**answer("One row per group.", data_version=True), **problem_responses(401, 422)},
)
async def get_hazard_stats(
    ax: Ax,
    today: Today,
    group_by: Annotated[
        StatsGroup,
        Query(description="What the rows are: one per village, sector, … month, criterion code (K2), or the "
              "enterprise's risk level (K4).", examples=["village"]),
    ],
    from_: Annotated[
        Day | None, Query(alias="from", description="Only hazards discovered on or after this date.", examples=["2025-01-01"])
    ] = None,
    to: Annotated[Day | None, Query(description="Only hazards discovered on or before this date.", examples=["2025-06-30"])] = None,
    grade: Annotated[Grade | None, Query(description="Only major, or only general, hazards.", examples=["major"])] = None,
) -> HazardStats:
    if from_ and to and from_ > to:
        raise RuleViolation("from is after to", [FieldError("from", "must not be after `to`")])

    async def compute() -> HazardStats:
        items = await service.hazard_stats(
            ax.session, ax.scope, group_by=group_by, today=today, first=from_, last=to, grade=grade, source=ax.source,
            scoring=ax.scoring,
        )
        return HazardStats(group_by=group_by, from_=from_, to=to, items=items)

    return await ax.answer("stats", compute, group_by=group_by, today=today, first=from_, last=to, grade=grade)


@router.get(
    "/dashboard",
    response_model=Dashboard,
    tags=["dashboard"],
    summary="The first screen of a dashboard, in one round trip",
    description="Open, overdue and listed major hazards, targets, cadence compliance, supervision coverage, and "
    "per village and per sector figures, on `as_of`, within the caller's scope; and how many of the caller's "
    "enterprises are at each risk level today (K4, `risk_levels`).",
    responses={**answer("The dashboard's figures on `as_of`.", data_version=True), **problem_responses(401, 422)},
)
async def get_dashboard(ax: Ax, as_of: AsOf, today: Today) -> Dashboard:
    async def compute() -> Dashboard:
        return Dashboard(**await service.dashboard(
            ax.session, ax.principal, ax.scope, as_of, ax.source, today=today, scoring=ax.scoring
        ))

    return await ax.answer("dashboard", compute, as_of=as_of, today=today)


@router.get(
    "/campaign",
    response_model=Campaign,
    tags=["dashboard"],
    summary="The campaign's phases",
    description="动员部署 (2024-02 – 2024-04), 专项治理 (2024-05 – 2025-12), 巩固提升 (2026-01 – 2026-09), "
    "总结评估 (2026-10 – 2026-12), and which one `as_of` falls in.",
    responses={**answer("The four phases and the current one."), **problem_responses(401, 422)},
)
async def get_campaign(_: CurrentUser, as_of: AsOf) -> Campaign:
    phase = phase_on(as_of)
    return Campaign(
        as_of=as_of,
        current_phase=phase.code if phase else None,
        phases=[
            PhaseRead(code=p.code, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on, status=phase_status(p, as_of))
            for p in PHASES
        ],
    )
