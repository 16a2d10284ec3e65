from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import OPEN_HAZARD_STATES, Escalation, Hazard, HazardHistory
from app.db.repositories.scoping import scope_clause
from app.domain.access import Scope


@dataclass(frozen=True)
class HazardFilters:
    status: str | None = None
    grade: str | None = None
    source: str | None = None
    village_id: uuid.UUID | None = None
    sector: str | None = None
    enterprise_id: uuid.UUID | None = None
    overdue: bool | None = None
    listed: bool | None = None
    discovered_from: date | None = None
    discovered_to: date | None = None
    q: str | None = None


def hazard_scope(scope: Scope):  # type: ignore[no-untyped-def]
    return scope_clause(scope, enterprise_id=Hazard.enterprise_id, village_id=Hazard.village_id, sector=Hazard.sector)


def visible(scope: Scope) -> Select[tuple[Hazard]]:
    """The base statement of every hazard query (A1: hazards follow their enterprise)."""
    return select(Hazard).where(hazard_scope(scope))


def apply_filters(stmt: Select, f: HazardFilters, today: date) -> Select:  # type: ignore[type-arg]
    if f.status is not None:
        stmt = stmt.where(Hazard.status == f.status)
    if f.grade is not None:
        stmt = stmt.where(Hazard.grade == f.grade)
    if f.source is not None:
        stmt = stmt.where(Hazard.source == f.source)
    if f.village_id is not None:
        stmt = stmt.where(Hazard.village_id == f.village_id)
    if f.sector is not None:
        stmt = stmt.where(Hazard.sector == f.sector)
    if f.enterprise_id is not None:
        stmt = stmt.where(Hazard.enterprise_id == f.enterprise_id)
    if f.overdue is True:  # H6
        stmt = stmt.where(Hazard.status.in_(OPEN_HAZARD_STATES), Hazard.deadline < today)
    elif f.overdue is False:
        stmt = stmt.where(~(Hazard.status.in_(OPEN_HAZARD_STATES) & (Hazard.deadline < today)).is_(True))
    if f.listed is not None:
        stmt = stmt.where(Hazard.listed == f.listed)
    if f.discovered_from is not None:
        stmt = stmt.where(Hazard.discovered_on >= f.discovered_from)
    if f.discovered_to is not None:
        stmt = stmt.where(Hazard.discovered_on <= f.discovered_to)
    if f.q:
        escaped = f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Hazard.title.ilike(f"%{escaped}%"))
    return stmt


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
