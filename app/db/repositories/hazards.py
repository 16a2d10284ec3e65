from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.hazard_rules import HazardFilters, hazard_filter
from app.db.models import Escalation, Hazard, HazardHistory
from app.db.repositories.scoping import scope_clause
from app.domain.access import Scope

__all__ = ["HazardFilters", "apply_filters", "hazard_scope", "visible"]


def hazard_scope(scope: Scope):  # type: ignore[no-untyped-def]
    """A1 on the hazard table (app/db/repositories/scoping.scope_clause)."""
    return scope_clause(scope, enterprise_id=Hazard.enterprise_id, village_id=Hazard.village_id, sector=Hazard.sector)


def visible(scope: Scope) -> Select[tuple[Hazard]]:
    """The base statement of every hazard query (A1: hazards follow their enterprise)."""
    return select(Hazard).where(hazard_scope(scope))


def apply_filters(stmt: Select, f: HazardFilters, today: date) -> Select:  # type: ignore[type-arg]
    """The list's filters (app/db/hazard_rules.hazard_filter) on a statement over hazards."""
    return stmt.where(*hazard_filter(f, today))


async def get(session: AsyncSession, scope: Scope, hazard_id: uuid.UUID, *, for_update: bool = False) -> Hazard | None:
    stmt = visible(scope).where(Hazard.id == hazard_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def history(session: AsyncSession, hazard_id: uuid.UUID) -> list[HazardHistory]:
    stmt = select(HazardHistory).where(HazardHistory.hazard_id == hazard_id).order_by(HazardHistory.id)
    return list((await session.execute(stmt)).scalars())


async def last_effective_on(session: AsyncSession, hazard_id: uuid.UUID) -> date | None:
    stmt = select(func.max(HazardHistory.effective_on)).where(HazardHistory.hazard_id == hazard_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def escalations(session: AsyncSession, *, hazard_id: uuid.UUID | None = None, org_unit_id: uuid.UUID | None = None):  # type: ignore[no-untyped-def]
    stmt = select(Escalation).order_by(Escalation.id)
    if hazard_id is not None:
        stmt = stmt.where(Escalation.hazard_id == hazard_id)
    if org_unit_id is not None:
        stmt = stmt.where(Escalation.org_unit_id == org_unit_id)
    return list((await session.execute(stmt)).scalars())
