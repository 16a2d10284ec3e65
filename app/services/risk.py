"""Enterprise risk levels (K4): facts from app/db/repositories/risk.py, the score from the
pure rules (app/domain/risk.py), overrides by street_admin and the lead departments with a
reason, kept as history. Also the enterprise list's `risk_level` filter and the map (K6),
page by page, and the levels of every enterprise in a scope at once (`levels_in_scope`)
that the export's filter, the statistics by level and the dashboard's panel read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Enterprise, RiskOverride
from app.db.repositories import enterprises as enterprises_repo
from app.db.repositories import risk as repo
from app.db.repositories.read_model import READ_MODEL, Source
from app.domain.access import Scope
from app.domain.enums import Role
from app.domain.errors import Forbidden, RuleViolation
from app.domain.risk import (
    DEFAULT_SCORING,
    RiskAssessment,
    RiskFacts,
    RiskLevel,
    RiskScoring,
    assess_risk,
    override_problems,
)
from app.domain.risk import RiskOverride as Override
from app.services.context import Context

BATCH = 500
SCAN_BUDGET = 5000  # enterprises looked at per page of a risk-filtered list


async def assess_many(
    session: AsyncSession, enterprises: list[Enterprise], today: date, scoring: RiskScoring = DEFAULT_SCORING,
    source: Source = READ_MODEL,
) -> dict[uuid.UUID, RiskAssessment]:
    facts = await repo.facts(session, enterprises, today, source)
    latest = await repo.overrides(session, list(facts))
    return {e.id: _assess(facts[e.id], latest.get(e.id), scoring) for e in enterprises}


def _assess(facts: RiskFacts, latest: Any, scoring: RiskScoring) -> RiskAssessment:
    """K4 on the facts, with the latest override row if it sets a level (null: cleared)."""
    override = Override(latest.level, latest.reason) if latest is not None and latest.level is not None else None
    return assess_risk(facts, scoring, override)


async def assess(
    session: AsyncSession, enterprise: Enterprise, today: date, scoring: RiskScoring = DEFAULT_SCORING
) -> RiskAssessment:
    return (await assess_many(session, [enterprise], today, scoring))[enterprise.id]


async def override(
    ctx: Context, enterprise: Enterprise, level: str | None, reason: str, scoring: RiskScoring = DEFAULT_SCORING
) -> RiskAssessment:
    """K4: an official's level with a reason (level None: back to the computed level)."""
    if ctx.principal.role not in (Role.street_admin, Role.department_officer):
        raise Forbidden("only street_admin and the lead department override a risk level")
    if ctx.principal.role is Role.department_officer and enterprise.sector not in ctx.principal.lead_sectors:
        raise Forbidden("department officers override the risk level of the sectors they lead only")
    errors = override_problems(level if level is not None else "blue", reason)
    if errors:
        raise RuleViolation("invalid risk override", errors, code="invalid_risk_override")
    current = await assess(ctx.session, enterprise, ctx.today, scoring)
    ctx.session.add(
        RiskOverride(
            enterprise_id=enterprise.id, level=level, reason=reason.strip(), computed_level=current.computed_level.value,
            score=current.score, created_by=ctx.principal.user_id, created_by_role=ctx.principal.role.value,
            created_at=ctx.now,
        )
    )
    await ctx.session.flush()
    ctx.audit("enterprise.risk_override", "enterprises", enterprise.id)
    return await assess(ctx.session, enterprise, ctx.today, scoring)


@dataclass
class FilteredPage:
    rows: list[tuple[Enterprise, RiskAssessment]]
    next_after: uuid.UUID | None


async def filter_page(
    session: AsyncSession, scope: Scope, filters: enterprises_repo.EnterpriseFilters, level: str, *, today: date,
    limit: int, after: uuid.UUID | None, scoring: RiskScoring = DEFAULT_SCORING,
) -> FilteredPage:
    """The enterprises of `level`, in id order: batches of the filtered list are assessed
    until a page is full, the list ends, or SCAN_BUDGET enterprises were looked at (then
    the page may be short and its cursor goes on from the last one looked at)."""
    found: list[tuple[Enterprise, RiskAssessment]] = []
    scanned = 0
    cursor = after
    while True:
        batch = await enterprises_repo.list_page(session, scope, filters, limit=BATCH, after=cursor)
        if not batch:
            return FilteredPage(found, None)
        assessed = await assess_many(session, batch, today, scoring)
        for e in batch:
            scanned += 1
            cursor = e.id
            if assessed[e.id].level.value == level:
                found.append((e, assessed[e.id]))
                if len(found) == limit:
                    return FilteredPage(found, e.id)
        if len(batch) < BATCH:
            return FilteredPage(found, None)
        if scanned >= SCAN_BUDGET:
            return FilteredPage(found, cursor)


async def map_features(
    session: AsyncSession, scope: Scope, filters: enterprises_repo.EnterpriseFilters, level: str | None, *, today: date,
    scoring: RiskScoring = DEFAULT_SCORING,
) -> list[dict[str, Any]]:
    """K6: every visible enterprise with coordinates, with its risk level, as GeoJSON features."""
    features = []
    cursor = None
    while True:
        batch = await enterprises_repo.list_page(session, scope, filters, limit=BATCH, after=cursor, located_only=True)
        if not batch:
            return features
        assessed = await assess_many(session, batch, today, scoring)
        for e in batch:
            a = assessed[e.id]
            if level is None or a.level.value == level:
                features.append(
                    {
                        "type": "Feature",
                        "id": str(e.id),
                        "geometry": {"type": "Point", "coordinates": [e.longitude, e.latitude]},
                        "properties": {
                            "name": e.name, "village_id": str(e.village_id), "sector": e.sector, "status": e.status,
                            "high_risk": e.high_risk, "risk_level": a.level.value, "score": a.score,
                            "overridden": a.overridden,
                        },
                    }
                )
        cursor = batch[-1].id
        if len(batch) < BATCH:
            return features


@dataclass(frozen=True)
class Level:
    """An enterprise's level in force (the override's when overridden)."""

    level: RiskLevel
    overridden: bool


async def levels_in_scope(
    session: AsyncSession, scope: Scope, *, today: date, scoring: RiskScoring = DEFAULT_SCORING,
    source: Source = READ_MODEL,
) -> dict[uuid.UUID, Level]:
    """K4: the level of every enterprise the caller sees, assessed once: the facts of the
    whole scope in a few set-based statements (app/db/repositories/risk.facts_in_scope),
    the score of each in Python; only the levels are kept."""
    facts, latest = await repo.facts_in_scope(session, scope, today, source)
    out: dict[uuid.UUID, Level] = {}
    for enterprise_id, f in facts.items():
        assessed = _assess(f, latest.get(enterprise_id), scoring)
        out[enterprise_id] = Level(assessed.level, assessed.overridden)
    return out
