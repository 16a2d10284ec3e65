"""The criteria library (K1): the version in force is the highest loaded; reads of the
library are reference data, the same for every caller."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import CriteriaDocument, CriteriaVersion, Criterion
from app.domain import criteria as rules
from app.domain.criteria import StandardRef


@dataclass(frozen=True)
class CriteriaFilters:
    sector: str | None = None
    document: str | None = None  # the document number (文号), e.g. 应急管理部令第10号
    grade: str | None = None
    tag: str | None = None
    in_force_on: object = None  # a date, or None for every criterion of the version


async def current_version(session: AsyncSession) -> int | None:
    return (await session.execute(select(func.max(CriteriaVersion.version)))).scalar_one_or_none()


async def version_row(session: AsyncSession, version: int) -> CriteriaVersion | None:
    return await session.get(CriteriaVersion, version)


async def list_page(
    session: AsyncSession, version: int, filters: CriteriaFilters, *, limit: int, after: int | None
) -> list[tuple[Criterion, CriteriaDocument]]:
    stmt = (
        select(Criterion, CriteriaDocument)
        .join(CriteriaDocument, CriteriaDocument.id == Criterion.document_id)
        .where(Criterion.version == version)
        .order_by(Criterion.position)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(Criterion.position > after)
    if filters.sector is not None:
        stmt = stmt.where(Criterion.sectors.contains([filters.sector]))
    if filters.tag is not None:
        stmt = stmt.where(Criterion.tags.contains([filters.tag]))
    if filters.document is not None:
        stmt = stmt.where(CriteriaDocument.number == filters.document)
    if filters.grade is not None:
        stmt = stmt.where(Criterion.grade == filters.grade)
    if filters.in_force_on is not None:
        day = filters.in_force_on
        stmt = stmt.where(Criterion.effective_from <= day, (Criterion.effective_to.is_(None)) | (Criterion.effective_to >= day))
    return [(c, d) for c, d in (await session.execute(stmt)).all()]


async def get(session: AsyncSession, version: int, code: str) -> tuple[Criterion, CriteriaDocument] | None:
    stmt = (
        select(Criterion, CriteriaDocument)
        .join(CriteriaDocument, CriteriaDocument.id == Criterion.document_id)
        .where(Criterion.version == version, Criterion.code == code)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1])


def to_rule(c: Criterion, d: CriteriaDocument) -> rules.Criterion:
    """The row as the pure rules' value."""
    article = "".join(p for p in (c.article, c.item) if p) or "全文"
    return rules.Criterion(
        code=c.code, sectors=frozenset(c.sectors), grade=c.grade,  # type: ignore[arg-type]
        effective_from=c.effective_from, effective_to=c.effective_to,
        standard=StandardRef(d.title, d.issuer, d.number, article), text=c.text,
    )


async def library(session: AsyncSession, version: int, codes: Iterable[str]) -> dict[str, rules.Criterion]:
    """The criteria of `version` with these codes, as the pure rules' values."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    stmt = (
        select(Criterion, CriteriaDocument)
        .join(CriteriaDocument, CriteriaDocument.id == Criterion.document_id)
        .where(Criterion.version == version, Criterion.code.in_(wanted))
    )
    return {c.code: to_rule(c, d) for c, d in (await session.execute(stmt)).all()}
