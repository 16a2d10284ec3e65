from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Hazard, SupervisionTask, TaskReferral
from app.db.repositories.hazards import hazard_scope
from app.domain.access import Scope
from app.domain.supervision import TaskAudience, TaskStatus


@dataclass(frozen=True)
class TaskFilters:
    kind: str | None = None
    status: str | None = None
    assignee_org_unit_id: uuid.UUID | None = None
    target_org_unit_id: uuid.UUID | None = None
    overdue: bool | None = None


def audience_clause(audience: TaskAudience) -> ColumnElement[bool]:
    if audience.all:
        return true()
    if audience.org_unit_id is None:
        return false()
    return or_(
        SupervisionTask.assignee_org_unit_id == audience.org_unit_id,
        SupervisionTask.target_org_unit_id == audience.org_unit_id,
    )


def visible(audience: TaskAudience) -> Select[tuple[SupervisionTask]]:
    """The base statement of every task query: a task is seen by the street office, district
    systems and the officers of its assignee or target unit."""
    return select(SupervisionTask).where(audience_clause(audience))


async def get(
    session: AsyncSession, audience: TaskAudience, task_id: uuid.UUID, *, for_update: bool = False
) -> SupervisionTask | None:
    stmt = visible(audience).where(SupervisionTask.id == task_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession, audience: TaskAudience, f: TaskFilters, *, today: date, limit: int, before: uuid.UUID | None
) -> list[SupervisionTask]:
    """Newest first (ids are time-ordered), keyset by id."""
    stmt = visible(audience).order_by(SupervisionTask.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(SupervisionTask.id < before)
    if f.kind is not None:
        stmt = stmt.where(SupervisionTask.kind == f.kind)
    if f.status is not None:
        stmt = stmt.where(SupervisionTask.status == f.status)
    if f.assignee_org_unit_id is not None:
        stmt = stmt.where(SupervisionTask.assignee_org_unit_id == f.assignee_org_unit_id)
    if f.target_org_unit_id is not None:
        stmt = stmt.where(SupervisionTask.target_org_unit_id == f.target_org_unit_id)
    overdue = (SupervisionTask.status != TaskStatus.accepted.value) & (SupervisionTask.due_on < today)
    if f.overdue is True:  # S2
        stmt = stmt.where(overdue)
    elif f.overdue is False:
        stmt = stmt.where(~overdue)
    return list((await session.execute(stmt)).scalars())


async def hazard_ids(
    session: AsyncSession, scope: Scope, task_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The hazards each task's findings created, only those the caller can see (A1)."""
    if not task_ids:
        return {}
    stmt = (
        select(Hazard.supervision_task_id, Hazard.id)
        .where(Hazard.supervision_task_id.in_(task_ids), hazard_scope(scope))
        .order_by(Hazard.supervision_task_id, Hazard.id)
    )
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    for task_id, hazard_id in (await session.execute(stmt)).all():
        out.setdefault(task_id, []).append(hazard_id)
    return out


async def referrals(session: AsyncSession, task_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[TaskReferral]]:
    if not task_ids:
        return {}
    stmt = select(TaskReferral).where(TaskReferral.task_id.in_(task_ids)).order_by(TaskReferral.task_id, TaskReferral.id)
    out: dict[uuid.UUID, list[TaskReferral]] = {}
    for referral in (await session.execute(stmt)).scalars():
        out.setdefault(referral.task_id, []).append(referral)
    return out
