from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Enterprise, EnterpriseState
from app.db.repositories.scoping import scope_clause
from app.domain.access import Scope


@dataclass(frozen=True)
class EnterpriseFilters:
    village_id: uuid.UUID | None = None
    sector: str | None = None
    high_risk: bool | None = None
    status: str | None = None
    tag: str | None = None
    q: str | None = None


def visible(scope: Scope) -> Select[tuple[Enterprise]]:
    """The base statement every enterprise query starts from (A1)."""
    return select(Enterprise).where(
        scope_clause(scope, enterprise_id=Enterprise.id, village_id=Enterprise.village_id, sector=Enterprise.sector)
    )


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def get(session: AsyncSession, scope: Scope, enterprise_id: uuid.UUID, *, for_update: bool = False) -> Enterprise | None:
    stmt = visible(scope).where(Enterprise.id == enterprise_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession, scope: Scope, filters: EnterpriseFilters, *, limit: int, after: uuid.UUID | None,
    located_only: bool = False,
) -> list[Enterprise]:
    stmt = visible(scope).order_by(Enterprise.id).limit(limit)
    if located_only:  # K6: the map
        stmt = stmt.where(Enterprise.longitude.is_not(None))
    if after is not None:
        stmt = stmt.where(Enterprise.id > after)
    if filters.village_id is not None:
        stmt = stmt.where(Enterprise.village_id == filters.village_id)
    if filters.sector is not None:
        stmt = stmt.where(Enterprise.sector == filters.sector)
    if filters.high_risk is not None:
        stmt = stmt.where(Enterprise.high_risk == filters.high_risk)
    if filters.status is not None:
        stmt = stmt.where(Enterprise.status == filters.status)
    if filters.tag is not None:
        stmt = stmt.where(Enterprise.tags.contains([filters.tag]))
    if filters.q:
        pattern = f"%{_escape_like(filters.q)}%"
        stmt = stmt.where(
            or_(Enterprise.name.ilike(pattern), Enterprise.credit_code.startswith(filters.q.upper(), autoescape=True))
        )
    return list((await session.execute(stmt)).scalars())


async def credit_code_taken(session: AsyncSession, credit_code: str, *, except_id: uuid.UUID | None = None) -> bool:
    stmt = select(func.count()).select_from(Enterprise).where(Enterprise.credit_code == credit_code)
    if except_id is not None:
        stmt = stmt.where(Enterprise.id != except_id)
    return bool((await session.execute(stmt)).scalar_one())


async def latest_state_date(session: AsyncSession, enterprise_id: uuid.UUID) -> date | None:
    stmt = select(func.max(EnterpriseState.effective_on)).where(EnterpriseState.enterprise_id == enterprise_id)
    return (await session.execute(stmt)).scalar_one_or_none()
