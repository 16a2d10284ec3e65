from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Training
from app.db.repositories.scoping import scope_clause
from app.domain.access import Scope


@dataclass(frozen=True)
class TrainingFilters:
    enterprise_id: uuid.UUID | None = None
    village_id: uuid.UUID | None = None
    trainee_role: str | None = None
    passed: bool | None = None
    held_from: date | None = None
    held_to: date | None = None


def visible(scope: Scope) -> Select[tuple[Training]]:
    """The base statement of every training query (A1: trainings follow their enterprise)."""
    return select(Training).where(
        scope_clause(scope, enterprise_id=Training.enterprise_id, village_id=Training.village_id, sector=Training.sector)
    )


async def get(session: AsyncSession, scope: Scope, training_id: uuid.UUID) -> Training | None:
    return (await session.execute(visible(scope).where(Training.id == training_id))).scalar_one_or_none()


async def list_page(
    session: AsyncSession, scope: Scope, f: TrainingFilters, *, limit: int, before: uuid.UUID | None
) -> list[Training]:
    """Newest first (ids are time-ordered), keyset by id."""
    stmt = visible(scope).order_by(Training.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(Training.id < before)
    if f.enterprise_id is not None:
        stmt = stmt.where(Training.enterprise_id == f.enterprise_id)
    if f.village_id is not None:
        stmt = stmt.where(Training.village_id == f.village_id)
    if f.trainee_role is not None:
        stmt = stmt.where(Training.trainee_role == f.trainee_role)
    if f.passed is not None:
        stmt = stmt.where(Training.passed == f.passed)
    if f.held_from is not None:
        stmt = stmt.where(Training.held_on >= f.held_from)
    if f.held_to is not None:
        stmt = stmt.where(Training.held_on <= f.held_to)
    return list((await session.execute(stmt)).scalars())
