"""What K4's score reads of a set of enterprises, in four statements whatever their number:
open and overdue hazards (H6), C1/C2 periods missed in the last 12 months (the cadence
engine's own SQL, run at two dates), and the latest override of each — for a list of
enterprises (`facts`, `overrides`: a page), or for every enterprise of a scope at once
(`facts_in_scope`: the same statements with the scope's condition instead of a list of ids).

From the analytics read model by default (rm_hazard_cell for the hazards, rm_event_day for
the cadences: app/db/repositories/read_model.py), or from the ledger (`source=REFERENCE`),
with the same answers; the open states and H6 come from app/db/hazard_rules.py either way."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.hazard_rules import open_sql, overdue_sql
from app.db.models import Enterprise
from app.db.repositories.compliance import cadence_ctes
from app.db.repositories.read_model import READ_MODEL, REFERENCE, Source
from app.db.repositories.scoping import enterprise_scope_sql
from app.domain.access import Scope
from app.domain.risk import RiskFacts
from app.domain.targets import same_dates_previous_year


def _hazards_sql(table: str, n: str, which: str) -> str:
    """Open major, overdue open major and open general hazards per enterprise, counting
    `n` per row of `table` (aliased `h`), of the enterprises `which` selects."""
    return f"""
    SELECT h.enterprise_id,
           coalesce(sum({n}) FILTER (WHERE h.grade = 'major'), 0)::bigint AS open_major,
           coalesce(sum({n}) FILTER (WHERE h.grade = 'major' AND {overdue_sql('h.status', 'h.deadline', ':today')}), 0)::bigint
               AS overdue_major,
           coalesce(sum({n}) FILTER (WHERE h.grade = 'general'), 0)::bigint AS open_general
    FROM {table} h
    WHERE {which} AND {open_sql('h.status')}
    GROUP BY h.enterprise_id
    """


# rm_hazard_cell keeps an open hazard's deadline (and only an open one's): H6 reads the same.
_HAZARD_TABLES = {REFERENCE: ("hazard", "1"), READ_MODEL: ("rm_hazard_cell", "h.n")}


def _missed_sql(source: Source, scope: str) -> str:
    """C1 + C2 periods missed as of :as_of, per enterprise `scope` (on `e`) selects."""
    return f"WITH {cadence_ctes(source).replace('{scope}', scope)} SELECT id, c1_missed + c2_missed AS missed FROM res"


def _overrides_sql(which: str) -> str:
    return f"""
    SELECT DISTINCT ON (enterprise_id) enterprise_id, level, reason
    FROM risk_override WHERE {which}
    ORDER BY enterprise_id, id DESC
    """


# A list of enterprises, by id ...
_BY_IDS = "enterprise_id = ANY(CAST(:ids AS uuid[]))"
_HAZARDS = {src: text(_hazards_sql(*_HAZARD_TABLES[src], f"h.{_BY_IDS}")) for src in (REFERENCE, READ_MODEL)}
_MISSED = {src: text(_missed_sql(src, "e.id = ANY(CAST(:ids AS uuid[]))")) for src in (REFERENCE, READ_MODEL)}
_OVERRIDES = text(_overrides_sql(_BY_IDS))


def _in_scope(scope: Scope, params: dict[str, Any], column: str) -> str:
    # ... or every enterprise of a scope (A1: the enterprise list's own condition)
    return f"{column} IN (SELECT e.id FROM enterprise e WHERE {enterprise_scope_sql(scope, params)})"


async def _missed(session: AsyncSession, stmt: Any, params: dict[str, Any], as_of: date) -> dict[uuid.UUID, int]:
    rows = await session.execute(stmt, {**params, "as_of": as_of})
    return {r.id: int(r.missed) for r in rows}


def _facts(enterprises: Iterable[Any], counts: dict[uuid.UUID, Any], now_missed: dict[uuid.UUID, int],
           then_missed: dict[uuid.UUID, int]) -> dict[uuid.UUID, RiskFacts]:
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


def _year_before(today: date) -> date:
    """The first as_of whose missed periods are not "in the last 12 months" of `today`."""
    return same_dates_previous_year(today) + timedelta(days=1)


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
    now_missed = await _missed(session, _MISSED[source], {"ids": ids}, today)
    then_missed = await _missed(session, _MISSED[source], {"ids": ids}, _year_before(today))
    return _facts(enterprises, counts, now_missed, then_missed)


async def facts_in_scope(
    session: AsyncSession, scope: Scope, today: date, source: Source = READ_MODEL
) -> tuple[dict[uuid.UUID, RiskFacts], dict[uuid.UUID, Any]]:
    """K4: `facts` and `overrides` of every enterprise in `scope`, set-based: five
    statements over the scope whatever its size (no list of ids travels)."""
    params: dict[str, Any] = {}
    scope_sql = enterprise_scope_sql(scope, params)
    enterprises = list(await session.execute(text(
        f"SELECT e.id, e.sector, e.high_risk, e.tags, e.standardization_level, e.benchmark FROM enterprise e "
        f"WHERE {scope_sql}"), params))
    if not enterprises:
        return {}, {}
    hazards = text(_hazards_sql(*_HAZARD_TABLES[source], _in_scope(scope, params, "h.enterprise_id")))
    counts = {r.enterprise_id: r for r in await session.execute(hazards, {**params, "today": today})}
    missed = text(_missed_sql(source, scope_sql))
    now_missed = await _missed(session, missed, params, today)
    then_missed = await _missed(session, missed, params, _year_before(today))
    latest = {r.enterprise_id: r for r in await session.execute(
        text(_overrides_sql(_in_scope(scope, params, "enterprise_id"))), params)}
    return _facts(enterprises, counts, now_missed, then_missed), latest


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
