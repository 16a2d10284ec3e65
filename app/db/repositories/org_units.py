from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import OrgUnit, Sector


async def get(session: AsyncSession, org_unit_id: uuid.UUID) -> OrgUnit | None:
    return await session.get(OrgUnit, org_unit_id)


async def lead_sectors(session: AsyncSession, org_unit_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    if not org_unit_ids:
        return {}
    stmt = (
        select(Sector.lead_department_id, Sector.code)
        .where(Sector.lead_department_id.in_(org_unit_ids))
        .order_by(Sector.position)
    )
    out: dict[uuid.UUID, list[str]] = {}
    for dept_id, code in (await session.execute(stmt)).all():
        out.setdefault(dept_id, []).append(code)
    return out


async def list_page(
    session: AsyncSession, *, limit: int, after: uuid.UUID | None, kind: str | None
) -> list[OrgUnit]:
    stmt = select(OrgUnit).order_by(OrgUnit.id).limit(limit)
    if after is not None:
        stmt = stmt.where(OrgUnit.id > after)
    if kind is not None:
        stmt = stmt.where(OrgUnit.kind == kind)
    return list((await session.execute(stmt)).scalars())


async def assign_lead_sectors(session: AsyncSession, department_id: uuid.UUID, codes: Sequence[str]) -> None:
    if codes:
        await session.execute(
            update(Sector).where(Sector.code.in_(list(codes))).values(lead_department_id=department_id)
        )


async def sectors(session: AsyncSession) -> list[Sector]:
    return list((await session.execute(select(Sector).order_by(Sector.position))).scalars())


async def existing_sector_codes(session: AsyncSession, codes: Sequence[str]) -> set[str]:
    if not codes:
        return set()
    stmt = select(Sector.code).where(Sector.code.in_(list(codes)))
    return set((await session.execute(stmt)).scalars())
