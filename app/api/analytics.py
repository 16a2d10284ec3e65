"""/compliance, /targets, /stats, /dashboard, /campaign: the plan's dashboard figures."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select

from app.api.deps import CurrentUser, Scope, Session, Today
from app.api.errors import problem_responses
from app.api.pagination import Cursor, decode_id_cursor, encode_cursor
from app.api.routing import TransactionalRoute
from app.api.schemas.analytics import (
    Campaign,
    CompliancePage,
    Dashboard,
    HazardStats,
    PhaseRead,
    SupervisionCompliance,
    TargetList,
    TrainingCompliance,
)
from app.api.schemas.common import text
from app.db.models import Hazard
from app.db.repositories import compliance as compliance_repo
from app.db.repositories import stats as stats_repo
from app.db.repositories.hazards import hazard_scope
from app.domain.campaign import PHASES, phase_on, phase_status
from app.domain.compliance import rate
from app.domain.errors import FieldError, RuleViolation
from app.domain.labels import GRADE_LABELS, SOURCE_LABELS, STATUS_LABELS
from app.services import compliance as service

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute)

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def get_as_of(
    today: Today,
    as_of: Annotated[date | None, Query(description="Business date (Asia/Shanghai); default today.")] = None,
) -> date:
    if as_of is None:
        return today
    if not EARLIEST <= as_of <= LATEST:
        raise RuleViolation("as_of out of range", [FieldError("as_of", "must lie between 2000-01-01 and 2100-12-31")])
    return as_of


AsOf = Annotated[date, Depends(get_as_of)]
SectorFilter = Annotated[text(40) | None, Query()]


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
    responses=problem_responses(401, 422),
)
async def get_compliance(
    session: Session,
    scope: Scope,
    as_of: AsOf,
    village_id: uuid.UUID | None = None,
    sector: SectorFilter = None,
    status: Literal["due", "missed", "done"] | None = None,
    obligation: Literal["principal_inspection", "drill"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> CompliancePage:
    q = compliance_repo.ComplianceQuery(
        as_of=as_of, village_id=village_id, sector=sector, status=status,
        obligation={"principal_inspection": "c1", "drill": "c2", None: None}[obligation],
        after=decode_id_cursor(cursor), limit=limit,
    )
    summary, items = await service.enterprise_compliance(session, scope, q)
    next_cursor = encode_cursor(items[-1]["enterprise_id"]) if len(items) == limit else None
    return CompliancePage(as_of=as_of, summary=summary, items=items, next_cursor=next_cursor)


@router.get(
    "/compliance/supervision",
    response_model=SupervisionCompliance,
    tags=["compliance"],
    summary="Supervision rounds per village and department (C3)",
    description="Each village and department needs a completed `supervision_round` per half-year from H1 2024. "
    "Village and department officers see their own unit.",
    responses=problem_responses(401, 403, 422),
)
async def get_supervision_compliance(
    session: Session, principal: CurrentUser, as_of: AsOf, kind: Literal["village", "department"] | None = None
) -> SupervisionCompliance:
    return SupervisionCompliance(**await service.supervision_compliance(session, principal, as_of, kind))


@router.get(
    "/compliance/training",
    response_model=TrainingCompliance,
    tags=["compliance"],
    summary="Focus training coverage (C4)",
    description="2024: grade-2/3 hospitals' fire-safety responsible persons; 2025: dust-explosion enterprises' "
    "principals or fire-safety responsible persons; 2026: large commercial complexes' fire-safety responsible "
    "persons. Only passed trainings count; coverage = covered / active focus enterprises.",
    responses=problem_responses(401, 422),
)
async def get_training_compliance(
    session: Session,
    scope: Scope,
    today: Today,
    year: Annotated[int, Query(ge=2024, le=2026)],
    village_id: uuid.UUID | None = None,
    sector: SectorFilter = None,
) -> TrainingCompliance:
    return TrainingCompliance(**await service.training_compliance(session, scope, year, today, village_id, sector))


@router.get(
    "/targets",
    response_model=TargetList,
    tags=["targets"],
    summary="Year-end targets (T1–T3)",
    description=(
        "`stock_cleared` (2024), `increment_reduced` (2025), `dynamic_zero` (2026), each `met | on_track | at_risk "
        "| missed` with its figures, on `as_of` — a past date gives what was true then, from each hazard's history."
    ),
    responses=problem_responses(401, 422),
)
async def get_targets(
    session: Session, scope: Scope, as_of: AsOf, village_id: uuid.UUID | None = None, sector: SectorFilter = None
) -> TargetList:
    return TargetList(as_of=as_of, items=await service.targets(session, scope, as_of, village_id=village_id, sector=sector))


_ENUM_LABELS = {"source": SOURCE_LABELS, "grade": GRADE_LABELS, "status": STATUS_LABELS}


@router.get(
    "/stats/hazards",
    response_model=HazardStats,
    tags=["statistics"],
    summary="Hazard statistics",
    description="Counts (total, open, overdue, closed, void), closure rate and median days to close, grouped; "
    "`from`/`to` bound the discovery date. Scoped: a village officer's figures count only its village.",
    responses=problem_responses(401, 422),
)
async def get_hazard_stats(
    session: Session,
    scope: Scope,
    today: Today,
    group_by: Literal["village", "sector", "source", "grade", "status", "month"],
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    grade: Literal["major", "general"] | None = None,
) -> HazardStats:
    if from_ and to and from_ > to:
        raise RuleViolation("from is after to", [FieldError("from", "must not be after `to`")])
    rows = await stats_repo.hazard_stats(session, scope, group=group_by, today=today, first=from_, last=to, grade=grade)
    items = []
    for r in rows:
        key = str(r["key"]) if r["key"] is not None else None
        label = r["label"] or _ENUM_LABELS.get(group_by, {}).get(key or "") or key
        median = r["median_days"]
        items.append({
            "key": key, "label": label, "total": r["total"], "open": r["open"], "overdue": r["overdue"],
            "closed": r["closed"], "void": r["void"], "closure_rate": rate(r["closed"], r["total"] - r["void"]),
            "median_days_to_close": float(median) if median is not None else None,
        })
    return HazardStats(group_by=group_by, from_=from_, to=to, items=items)


@router.get(
    "/dashboard",
    response_model=Dashboard,
    tags=["dashboard"],
    summary="The first screen of a dashboard, in one round trip",
    description="Open, overdue and listed major hazards, targets, cadence compliance, supervision coverage, and "
    "per village and per sector figures, on `as_of`, within the caller's scope.",
    responses=problem_responses(401, 422),
)
async def get_dashboard(session: Session, principal: CurrentUser, scope: Scope, as_of: AsOf) -> Dashboard:
    targets = await service.targets(session, scope, as_of)
    t3 = next(t for t in targets if t["code"] == "dynamic_zero")["figures"]
    listed = (await session.execute(
        select(func.count()).select_from(Hazard).where(hazard_scope(scope), Hazard.listed, Hazard.grade == "major")
    )).scalar_one()
    summary, _ = await service.enterprise_compliance(
        session, scope, compliance_repo.ComplianceQuery(as_of=as_of, limit=1)
    )
    if principal.role.value == "enterprise_user":
        supervision = {"units": 0, "done": 0, "due": 0, "with_missed": 0, "coverage": None}
    else:
        supervision = (await service.supervision_compliance(session, principal, as_of, None))["summary"]
    groups = {}
    for group, key in (("village_id", "by_village"), ("sector", "by_sector")):
        targets_by = await service.targets_by(session, scope, as_of, group)
        rates = {r["key"]: r for r in await compliance_repo.compliance_by_group(session, scope, as_of, group)}
        labels = await stats_repo.labels(session, "village" if group == "village_id" else "sector", list(rates) + list(targets_by))
        rows = []
        for k in sorted(set(rates) | set(targets_by), key=str):
            t = targets_by.get(k) or []
            figures = next((x["figures"] for x in t if x["code"] == "dynamic_zero"), {})
            c = rates.get(k, {})
            rows.append({
                "key": str(k), "label": labels.get(k),
                "open_major": figures.get("open_major", 0), "overdue_major": figures.get("overdue_open_major", 0),
                "principal_inspection_rate": rate(c.get("c1_done", 0), c.get("c1_applicable", 0)),
                "drill_rate": rate(c.get("c2_done", 0), c.get("c2_applicable", 0)),
                "targets": t,
            })
        groups[key] = rows
    phase = phase_on(as_of)
    return Dashboard(
        as_of=as_of,
        campaign_phase=phase.code if phase else None,
        major_hazards={"open": t3["open_major"], "overdue": t3["overdue_open_major"], "listed": listed},
        targets=targets,
        compliance=summary,
        supervision=supervision,
        **groups,
    )


@router.get(
    "/campaign",
    response_model=Campaign,
    tags=["dashboard"],
    summary="The campaign's phases",
    description="动员部署 (2024-02 – 2024-04), 专项治理 (2024-05 – 2025-12), 巩固提升 (2026-01 – 2026-09), "
    "总结评估 (2026-10 – 2026-12), and which one `as_of` falls in.",
    responses=problem_responses(401, 422),
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
