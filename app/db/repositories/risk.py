"""What K4's score reads of a set of enterprises, in four statements whatever their number:
open and overdue hazards (H6), C1/C2 periods missed in the last 12 months (the cadence
engine's own SQL, run at two dates), and the latest override of each.

From the analytics read model by default (rm_hazard_cell for the hazards, rm_event_day for
the cadences: app/db/repositories/read_model.py), or from the ledger (`source=REFERENCE`),
with the same answers; the open states and H6 come from app/db/hazard_rules.py either way."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.hazard_rules import open_sql, overdue_sql
from app.db.models import Enterprise
from app.db.repositories.compliance import cadence_ctes
from app.db.repositories.read_model import READ_MODEL, REFERENCE, Source
from app.domain.risk import RiskFacts
from app.domain.targets import same_dates_previous_year


def _hazards_sql(table: str, n: str) -> str:
    """Open major, overdue open major and open general hazards per enterprise, counting
    `n` per row of `table` (aliased `h`)."""
    return f"""
    SELECT h.enterprise_id,
           coalesce(sum({n}) FILTER (WHERE h.grade = 'major'), 0)::bigint AS open_major,
           coalesce(sum({n}) FILTER (WHERE h.grade = 'major' AND {overdue_sql('h.status', 'h.deadline', ':today')}), 0)::bigint
               AS overdue_major,
           coalesce(sum({n}) FILTER (WHERE h.grade = 'general'), 0)::bigint AS open_general
    FROM {table} h
    WHERE h.enterprise_id = ANY(CAST(:ids AS uuid[])) AND {open_sql('h.status')}
    GROUP BY h.enterprise_id
    """


# rm_hazard_cell keeps an open hazard's deadline (and only an open one's): H6 reads the same.
_HAZARDS = {REFERENCE: text(_hazards_sql("hazard", "1")), READ_MODEL: text(_hazards_sql("rm_hazard_cell", "h.n"))}
_MISSED = {
    source: text(
        f"WITH {cadence_ctes(source).replace('{scope}', 'e.id = ANY(CAST(:ids AS uuid[]))')} "
        "SELECT id, c1_missed + c2_missed AS missed FROM res"
    )
    for source in (REFERENCE, READ_MODEL)
}
_OVERRIDES = text(
    """
    SELECT DISTINCT ON (enterprise_id) enterprise_id, level, reason
    FROM risk_override WHERE enterprise_id = ANY(CAST(:ids AS uuid[]))
    ORDER BY enterprise_id, id DESC
    """
)


async def _missed(session: AsyncSession, ids: list[uuid.UUID], as_of: date, source: Source) -> dict[uuid.UUID, int]:
    rows = await session.execute(_MISSED[source], {"ids": ids, "as_of": as_of})
    return {r.id: int(r.missed) for r in rows}


async def facts(
    session: AsyncSession, enterprises: list[Enterprise], today: date, source: Source = READ_MODEL
) -> dict[uuid.UUID, RiskFacts]:
    """K4: the facts of each enterprise on `today`. Missed periods: those that ended in the
    12 months before today (after the same date a year earlier) — the periods missed as of
    today less those already missed as of the day after that date."""
    ids = [e.id for e in enterprises]
    if not ids:
        return {}
    counts = {r.enterprise_id: r for r in await session.execute(_HAZARDS[source], {"ids": ids, "today": today})}
    now_missed = await _missed(session, ids, today, source)
    then_missed = await _missed(session, ids, same_dates_previous_year(today) + timedelta(days=1), source)
    out = {}
    for e in enterprises:
        c = counts.get(e.id)
        out[e.id] = RiskFacts(
            sector=e.sector, high_risk=e.high_risk, tags=frozenset(e.tags), standardization_level=e.standardization_level,
            benchmark=e.benchmark, open_major=int(c.open_major) if c else 0,
            overdue_major=int(c.overdue_major) if c else 0, open_general=int(c.open_general) if c else 0,
            missed_periods=max(now_missed.get(e.id, 0) - then_missed.get(e.id, 0), 0),
        )
    return out


async def overrides(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The latest override row of each enterprise (its level null: cleared)."""
    if not ids:
        return {}
    return {r.enterprise_id: r for r in await session.execute(_OVERRIDES, {"ids": ids})}


async def history(session: AsyncSession, enterprise_id: uuid.UUID) -> list[Any]:
    stmt = text(
        "SELECT level, reason, computed_level, score, created_by, created_by_role, created_at FROM risk_override "
        "WHERE enterprise_id = :id ORDER BY id DESC"
    )
    return list(await session.execute(stmt, {"id": enterprise_id}))
