"""Checklists (K3): templates are reference data every caller reads; what inspections
found with them (the statistics) is scoped like the inspections (A1)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Checklist, ChecklistItem, Inspection, InspectionItemResult
from app.db.repositories.inspections import inspection_scope
from app.domain.access import Scope
from app.domain.criteria import ChecklistItem as RuleItem
from app.domain.criteria import ChecklistVersion
from app.domain.hazards import Grade


async def get(session: AsyncSession, checklist_id: uuid.UUID, *, for_update: bool = False) -> Checklist | None:
    stmt = select(Checklist).where(Checklist.id == checklist_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def items(session: AsyncSession, checklist_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ChecklistItem]]:
    if not checklist_ids:
        return {}
    stmt = select(ChecklistItem).where(ChecklistItem.checklist_id.in_(checklist_ids)).order_by(
        ChecklistItem.checklist_id, ChecklistItem.position
    )
    out: dict[uuid.UUID, list[ChecklistItem]] = {i: [] for i in checklist_ids}
    for item in (await session.execute(stmt)).scalars():
        out[item.checklist_id].append(item)
    return out


def latest_clause():  # type: ignore[no-untyped-def]
    """The latest version of each checklist: no later version in its series."""
    later = Checklist.__table__.alias("later")
    return ~exists().where(later.c.series_id == Checklist.series_id, later.c.version > Checklist.version)


async def list_page(
    session: AsyncSession, *, sector: str | None, tag: str | None, latest_only: bool, series_id: uuid.UUID | None,
    limit: int, after: uuid.UUID | None,
) -> list[Checklist]:
    stmt = select(Checklist).order_by(Checklist.id).limit(limit)
    if after is not None:
        stmt = stmt.where(Checklist.id > after)
    if sector is not None:
        stmt = stmt.where(Checklist.sectors.contains([sector]))
    if tag is not None:
        stmt = stmt.where(Checklist.tags.contains([tag]))
    if series_id is not None:
        stmt = stmt.where(Checklist.series_id == series_id)
    if latest_only:
        stmt = stmt.where(latest_clause())
    return list((await session.execute(stmt)).scalars())


async def latest_versions(session: AsyncSession, series_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not series_ids:
        return {}
    stmt = (
        select(Checklist.series_id, func.max(Checklist.version))
        .where(Checklist.series_id.in_(set(series_ids)))
        .group_by(Checklist.series_id)
    )
    return {series: version for series, version in (await session.execute(stmt)).all()}


async def latest_version(session: AsyncSession, series_id: uuid.UUID) -> int:
    stmt = select(func.max(Checklist.version)).where(Checklist.series_id == series_id)
    return (await session.execute(stmt)).scalar_one()


async def in_use(session: AsyncSession, checklist_id: uuid.UUID) -> bool:
    """Whether an inspection used this version (any inspection: scope plays no part)."""
    stmt = select(exists().where(Inspection.checklist_id == checklist_id))
    return bool((await session.execute(stmt)).scalar_one())


def to_rule(checklist: Checklist, rows: list[ChecklistItem]) -> ChecklistVersion:
    return ChecklistVersion(
        id=checklist.id, version=checklist.version, name=checklist.name,
        sectors=frozenset(checklist.sectors), tags=frozenset(checklist.tags),
        items=tuple(RuleItem(id=r.id, text=r.text, criterion_code=r.criterion_code, grade=Grade(r.grade)) for r in rows),
    )


async def results(session: AsyncSession, inspection_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """The item results of a page of inspections, with their item's text, criterion and grade."""
    if not inspection_ids:
        return {}
    stmt = (
        select(InspectionItemResult, ChecklistItem)
        .join(ChecklistItem, ChecklistItem.id == InspectionItemResult.item_id)
        .where(InspectionItemResult.inspection_id.in_(inspection_ids))
        .order_by(InspectionItemResult.inspection_id, InspectionItemResult.position)
    )
    out: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for r, item in (await session.execute(stmt)).all():
        out.setdefault(r.inspection_id, []).append(
            {
                "item_id": r.item_id, "text": item.text, "criterion_code": item.criterion_code, "grade": item.grade,
                "result": r.result, "note": r.note, "attachment_ids": list(r.attachment_ids), "hazard_id": r.hazard_id,
            }
        )
    return out


async def item_stats(
    session: AsyncSession, scope: Scope, checklist_id: uuid.UUID, *, performed_from: date | None, performed_to: date | None,
) -> tuple[int, list[dict[str, Any]]]:
    """K3: per item of the version, how often it was failed, passed or not applicable in
    the inspections the caller can see; most failed first. Also how many inspections."""
    conditions = [Inspection.checklist_id == checklist_id, inspection_scope(scope)]
    if performed_from is not None:
        conditions.append(Inspection.performed_on >= performed_from)
    if performed_to is not None:
        conditions.append(Inspection.performed_on <= performed_to)
    inspected = select(func.count()).select_from(Inspection).where(*conditions)
    total = (await session.execute(inspected)).scalar_one()
    counted = (
        select(
            InspectionItemResult.item_id,
            func.count().filter(InspectionItemResult.result == "fail").label("failed"),
            func.count().filter(InspectionItemResult.result == "pass").label("passed"),
            func.count().filter(InspectionItemResult.result == "not_applicable").label("not_applicable"),
        )
        .join(Inspection, Inspection.id == InspectionItemResult.inspection_id)
        .where(*conditions)
        .group_by(InspectionItemResult.item_id)
        .subquery()
    )
    stmt = (
        select(ChecklistItem, counted.c.failed, counted.c.passed, counted.c.not_applicable)
        .outerjoin(counted, counted.c.item_id == ChecklistItem.id)
        .where(ChecklistItem.checklist_id == checklist_id)
        .order_by(func.coalesce(counted.c.failed, 0).desc(), ChecklistItem.position)
    )
    rows = []
    for item, failed, passed, na in (await session.execute(stmt)).all():
        failed, passed, na = failed or 0, passed or 0, na or 0
        checked = failed + passed
        rows.append(
            {
                "item_id": item.id, "position": item.position, "text": item.text, "criterion_code": item.criterion_code,
                "grade": item.grade, "failed": failed, "passed": passed, "not_applicable": na,
                "fail_rate": round(failed / checked, 4) if checked else None,
            }
        )
    return total, rows
