"""Hazard statistics, aggregated in SQL over the caller's scope."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, Integer, String, Uuid, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.hazard_rules import HazardFilters, hazard_filter, is_open, is_overdue
from app.db.models import CriteriaDocument, Criterion, Hazard, OrgUnit, Sector
from app.db.repositories.hazards import hazard_scope
from app.domain.access import Scope

GROUPS = ("village", "sector", "source", "grade", "status", "month", "criterion", "risk_level")


def enterprise_levels(levels: Mapping[uuid.UUID, str]):  # type: ignore[no-untyped-def]
    """The enterprises' levels as a table (enterprise_id, level) to join hazards to."""
    ids, values = list(levels), list(levels.values())
    return func.unnest(
        bindparam("risk_ids", ids, type_=ARRAY(Uuid)), bindparam("risk_levels", values, type_=ARRAY(String))
    ).table_valued("enterprise_id", "level").render_derived("lv", with_types=False)


def _key(group: str):  # type: ignore[no-untyped-def]
    return {
        "village": Hazard.village_id,
        "sector": Hazard.sector,
        "source": Hazard.source,
        "grade": Hazard.grade,
        "status": Hazard.status,
        "month": func.to_char(Hazard.discovered_on, "YYYY-MM"),
        "criterion": Hazard.criterion_code,
    }[group]


async def hazard_stats(
    session: AsyncSession, scope: Scope, *, group: str, today: date, first: date | None, last: date | None,
    grade: str | None = None, levels: Mapping[uuid.UUID, str] | None = None,
) -> list[dict[str, Any]]:
    """Counts per group; the open states, H6 overdue and the date and grade filters are the
    hazard list's own (app/db/hazard_rules.py). By `risk_level`: each hazard counts under
    its enterprise's level in `levels` (none there: key null)."""
    lv = enterprise_levels(levels or {}) if group == "risk_level" else None
    key = (lv.c.level if lv is not None else _key(group)).label("key")
    filters = HazardFilters(grade=grade, discovered_from=first, discovered_to=last)
    days_to_close = cast(Hazard.closed_on - Hazard.discovered_on, Integer)
    stmt = (
        select(
            key,
            func.count().label("total"),
            func.count().filter(is_open()).label("open"),
            func.count().filter(is_overdue(today)).label("overdue"),
            func.count().filter(Hazard.status == "closed").label("closed"),
            func.count().filter(Hazard.status == "void").label("void"),
            func.percentile_cont(0.5).within_group(days_to_close).filter(Hazard.status == "closed").label("median_days"),
        )
        .select_from(Hazard)
        .where(hazard_scope(scope), *hazard_filter(filters, today))
        .group_by(key)
        .order_by(key)
    )
    if lv is not None:
        stmt = stmt.outerjoin(lv, lv.c.enterprise_id == Hazard.enterprise_id)
    rows = [dict(r._mapping) for r in (await session.execute(stmt)).all()]
    names = await labels(session, group, [r["key"] for r in rows])
    for r in rows:
        r["label"] = names.get(r["key"])
    return rows


async def labels(session: AsyncSession, group: str, keys: list[Any]) -> dict[Any, str]:
    """Names for village ids or sector codes; for criterion codes, where the criterion is
    written down (document number, article and item, then the document's title)."""
    keys = [k for k in keys if k is not None]
    if not keys:
        return {}
    if group == "criterion":
        return await criterion_labels(session, keys)
    if group == "village":
        stmt = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(keys))
    elif group == "sector":
        stmt = select(Sector.code, Sector.name).where(Sector.code.in_(keys))
    else:
        return {}
    return dict((await session.execute(stmt)).all())




async def criterion_labels(session: AsyncSession, codes: list[str]) -> dict[Any, str]:
    """`<number> <article><item>《<title>》` of each code, from the newest library version
    holding it (a code keeps its place across versions; /api/v1/criteria/{code} has the rest)."""
    stmt = (
        select(Criterion.code, Criterion.article, Criterion.item, CriteriaDocument.number, CriteriaDocument.title)
        .join(CriteriaDocument, CriteriaDocument.id == Criterion.document_id)
        .where(Criterion.code.in_(codes))
        .order_by(Criterion.code, Criterion.version.desc())
        .ext(distinct_on(Criterion.code))
    )
    out: dict[Any, str] = {}
    for r in (await session.execute(stmt)).all():
        where = "".join(x for x in (r.article, r.item) if x)
        out[r.code] = " ".join(x for x in (r.number, where) if x) + f"《{r.title}》"
    return out
