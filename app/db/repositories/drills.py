from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Drill
from app.db.repositories.scoping import scope_clause
from app.domain.access import Scope


@dataclass(frozen=True)
class DrillFilters:
    enterprise_id: uuid.UUID | None = None
    village_id: uuid.UUID | None = None
    kind: str | None = None
    held_from: date | None = None
    held_to: date | None = None


def visible(scope: Scope) -> Select[tuple[Drill]]:
    """The base statement of every drill query (A1: drills follow their enterprise)."""
    return select(Drill).where(
        scope_clause(scope, enterprise_id=Drill.enterprise_id, village_id=Drill.village_id, sector=Drill.sector)
    )


async def get(session: AsyncSession, scope: Scope, drill_id: uuid.UUID) -> Drill | None:
    return (await session.execute(visible(scope).where(Drill.id == drill_id))).scalar_one_or_none()


async def list_page(
    session: AsyncSession, scope: Scope, f: DrillFilters, *, limit: int, before: uuid.UUID | None
) -> list[Drill]:
    """Newest first (ids are time-ordered), keyset by id."""
    stmt = visible(scope).order_by(Drill.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(Drill.id < before)
    if f.enterprise_id is not None:
        stmt = stmt.where(Drill.enterprise_id == f.enterprise_id)
    if f.village_id is not None:
        stmt = stmt.where(Drill.village_id == f.village_id)
    if f.kind is not None:
        stmt = stmt.where(Drill.kind == f.kind)
    if f.held_from is not None:
        stmt = stmt.where(Drill.held_on >= f.held_from)
    if f.held_to is not None:
        stmt = stmt.where(Drill.held_on <= f.held_to)
    return list((await session.execute(stmt)).scalars())
