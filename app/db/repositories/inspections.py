from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Hazard, Inspection
from app.db.repositories.scoping import scope_clause
from app.domain.access import Scope


def inspection_scope(scope: Scope):  # type: ignore[no-untyped-def]
    return scope_clause(
        scope, enterprise_id=Inspection.enterprise_id, village_id=Inspection.village_id, sector=Inspection.sector
    )


async def get(session: AsyncSession, scope: Scope, inspection_id: uuid.UUID) -> Inspection | None:
    stmt = select(Inspection).where(Inspection.id == inspection_id, inspection_scope(scope))
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession,
    scope: Scope,
    *,
    enterprise_id: uuid.UUID | None,
    village_id: uuid.UUID | None,
    kind: str | None,
    performed_from: date | None,
    performed_to: date | None,
    limit: int,
    before: uuid.UUID | None,
) -> list[Inspection]:
    stmt = select(Inspection).where(inspection_scope(scope)).order_by(Inspection.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(Inspection.id < before)
    if enterprise_id is not None:
        stmt = stmt.where(Inspection.enterprise_id == enterprise_id)
    if village_id is not None:
        stmt = stmt.where(Inspection.village_id == village_id)
    if kind is not None:
        stmt = stmt.where(Inspection.kind == kind)
    if performed_from is not None:
        stmt = stmt.where(Inspection.performed_on >= performed_from)
    if performed_to is not None:
        stmt = stmt.where(Inspection.performed_on <= performed_to)
    return list((await session.execute(stmt)).scalars())


async def hazard_ids(session: AsyncSession, inspection_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The hazards each inspection found, for a page of inspections in one query."""
    if not inspection_ids:
        return {}
    stmt = (
        select(Hazard.inspection_id, Hazard.id)
        .where(Hazard.inspection_id.in_(inspection_ids))
        .order_by(Hazard.inspection_id, Hazard.id)
    )
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    for inspection_id, hazard_id in (await session.execute(stmt)).all():
        out.setdefault(inspection_id, []).append(hazard_id)
    return out
