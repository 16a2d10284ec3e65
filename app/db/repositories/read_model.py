"""The analytics read model (migrations 0016, 0020): counters and facts that statement-level
triggers keep in the writing transaction, so a snapshot's figures are exact for it.

- rm_hazard_roll (migration 0020): hazards per grouping set (ROLLUP_SETS: village, sector,
  source, village × sector, source × sector, discovery month, or none) × grade × status ×
  shard, with an open hazard's deadline (what becomes overdue when) and a closed one's days
  to close (the histogram behind the medians). It answers the statistics without a
  discovery-day bound for every scope but an enterprise's, reading only the rows of the
  smallest set that holds the group and the scope's dimension.
- rm_hazard_cell: hazards per enterprise × village × sector × source × grade × status ×
  discovery day, with the same deadline and days: the other statistics (a `from`/`to`
  bound, an enterprise's scope, by month within a village or departments' sectors).
- rm_major, rm_major_span: per major hazard, its (status, deadline) in spans of business
  dates, so a past `as_of` reads the span holding it (targets T1–T3).
- rm_event_day: principal-led inspections (code 1) and evacuation drills (code 2) per
  enterprise and day (C1, C2).
- rm_training_year: passed trainings per enterprise, year and trainee role (C4).
- rm_supervision_done: accepted supervision rounds per target unit and day (C3).

Every table has a view `<table>_expected` computing it from the ledger; `rebuild` compares
and repairs. The reference computation (today's SQL over the ledger) is selected with
`source=REFERENCE` in the repositories and services."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.hazard_rules import open_sql, overdue_sql
from app.db.repositories.scoping import enterprise_scope_sql
from app.db.repositories.stats import labels
from app.domain.access import Scope, ScopeKind

Source = Literal["reference", "read_model"]
REFERENCE: Source = "reference"
READ_MODEL: Source = "read_model"

TABLES = (
    "rm_hazard_roll", "rm_hazard_cell", "rm_major", "rm_major_span", "rm_event_day", "rm_training_year",
    "rm_supervision_done",
)

_KEYS = {
    "village": "c.village_id",
    "sector": "c.sector",
    "source": "c.source",
    "grade": "c.grade",
    "status": "c.status",
    "month": "to_char(c.discovered_on, 'YYYY-MM')",
    "risk_level": "lv.level",
}

# rm_hazard_roll's grouping sets (migration 0020): number -> the dimensions it keeps besides
# grade and status, smallest first.
ROLLUP_SETS: dict[int, frozenset[str]] = {
    0: frozenset(),
    1: frozenset({"village"}),
    2: frozenset({"sector"}),
    3: frozenset({"source"}),
    4: frozenset({"village", "sector"}),
    5: frozenset({"source", "sector"}),
    6: frozenset({"month"}),
}


def rollup_set(group: str, scope: Scope, *, bounded: bool) -> int | None:
    """The smallest grouping set holding the group and the scope's dimension, or None when
    the question needs rm_hazard_cell (a discovery-day bound, an enterprise's scope, or a
    pair of dimensions no set keeps)."""
    if bounded or scope.kind is ScopeKind.enterprise or group == "risk_level":
        return None
    need = {group} & {"village", "sector", "source", "month"}
    if scope.kind is ScopeKind.village:
        need.add("village")
    elif scope.kind is ScopeKind.sectors:
        need.add("sector")
    return next((gs for gs, dims in ROLLUP_SETS.items() if need <= dims), None)


def percentile_cont(histogram: list[tuple[int, int]], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont over the values of a histogram [(value, count)] sorted
    by value: the same interpolation between the rows at floor and ceil of f·(N−1)."""
    total = sum(c for _, c in histogram)
    if total == 0:
        return None
    position = fraction * (total - 1)
    first, second = int(position // 1), -int(-position // 1)

    def at(row: int) -> int:
        seen = 0
        for value, count in histogram:
            seen += count
            if row < seen:
                return value
        raise IndexError(row)

    lo, hi = float(at(first)), float(at(second))
    return lo + (hi - lo) * (position - first) if first != second else lo


async def hazard_stats(
    session: AsyncSession, scope: Scope, *, group: str, today: date, first: date | None, last: date | None,
    grade: str | None = None, levels: Mapping[uuid.UUID, str] | None = None,
) -> list[dict[str, Any]]:
    """The rows of app.db.repositories.stats.hazard_stats (the reference), from the counters:
    rm_hazard_roll's smallest grouping set that answers (rollup_set), else rm_hazard_cell."""
    params: dict[str, Any] = {"today": today}
    gs = rollup_set(group, scope, bounded=first is not None or last is not None)
    join = ""
    if group == "risk_level":
        levels = levels or {}
        params["risk_ids"], params["risk_levels"] = list(levels), list(levels.values())
        join = ("LEFT JOIN unnest(CAST(:risk_ids AS uuid[]), CAST(:risk_levels AS text[])) AS lv(enterprise_id, level) "
                "ON lv.enterprise_id = c.enterprise_id")
    if gs is None:
        table, key = "rm_hazard_cell", _KEYS[group]
        where = [enterprise_scope_sql(scope, params, enterprise_id="c.enterprise_id", village_id="c.village_id",
                                      sector="c.sector")]
    else:
        table, key = "rm_hazard_roll", _KEYS[group] if group != "month" else "to_char(c.month, 'YYYY-MM')"
        params["gs"] = gs
        where = ["c.gs = :gs", enterprise_scope_sql(scope, params, enterprise_id="NULL", village_id="c.village_id",
                                                    sector="c.sector")]
    if first is not None:
        params["first"] = first
        where.append("c.discovered_on >= :first")
    if last is not None:
        params["last"] = last
        where.append("c.discovered_on <= :last")
    if grade is not None:
        params["grade"] = grade
        where.append("c.grade = :grade")
    # Per (group, days to close) first, then per group with the closed hazards' histogram
    # as two arrays sorted by days: one row per group leaves the database.
    sql = f"""
    SELECT key, sum(total)::bigint AS total, sum(open)::bigint AS open, sum(overdue)::bigint AS overdue,
           sum(closed)::bigint AS closed, sum(void)::bigint AS void,
           array_agg(days ORDER BY days) FILTER (WHERE days IS NOT NULL AND closed <> 0) AS days,
           array_agg(closed ORDER BY days) FILTER (WHERE days IS NOT NULL AND closed <> 0) AS counts
    FROM (
        SELECT {key} AS key, c.days,
               coalesce(sum(c.n), 0) AS total,
               coalesce(sum(c.n) FILTER (WHERE {open_sql('c.status')}), 0) AS open,
               coalesce(sum(c.n) FILTER (WHERE {overdue_sql('c.status', 'c.deadline', ':today')}), 0) AS overdue,
               coalesce(sum(c.n) FILTER (WHERE c.status = 'closed'), 0) AS closed,
               coalesce(sum(c.n) FILTER (WHERE c.status = 'void'), 0) AS void
        FROM {table} c {join}
        WHERE {' AND '.join(where)}
        GROUP BY 1, 2
    ) g
    GROUP BY key
    ORDER BY key
    """
    rows: dict[Any, dict[str, Any]] = {}
    for r in (await session.execute(text(sql), params)).all():
        rows[r.key] = {"key": r.key, "total": r.total, "open": r.open, "overdue": r.overdue, "closed": r.closed,
                       "void": r.void, "histogram": list(zip(r.days or [], r.counts or [], strict=True))}
    out = [r for r in rows.values() if r["total"] != 0]
    names = await labels(session, group, [r["key"] for r in out])
    for r in out:
        r["median_days"] = percentile_cont(r.pop("histogram"), 0.5)
        r["label"] = names.get(r["key"])
    return out


async def listed_major(session: AsyncSession, scope: Scope) -> int:
    params: dict[str, Any] = {}
    where = enterprise_scope_sql(scope, params, enterprise_id="m.enterprise_id", village_id="m.village_id",
                                 sector="m.sector")
    sql = f"SELECT count(*) FROM rm_major m WHERE m.listed AND {where}"
    return int((await session.execute(text(sql), params)).scalar_one())


@dataclass(frozen=True)
class Difference:
    table: str
    missing: int  # rows the ledger implies that the table lacks (or holds with another count)
    extra: int  # rows the table holds that the ledger does not imply

    @property
    def clean(self) -> bool:
        return self.missing == 0 and self.extra == 0


def _live(table: str) -> str:
    # Counter rows at zero are kept (a later write may need them again) and mean nothing.
    return f"SELECT * FROM {table} WHERE n <> 0" if table not in ("rm_major", "rm_major_span") else f"SELECT * FROM {table}"


async def differences(session: AsyncSession) -> list[Difference]:
    """Each table against its content computed from the ledger, on one snapshot."""
    out = []
    for table in TABLES:
        missing = (await session.execute(text(
            f"SELECT count(*) FROM (SELECT * FROM {table}_expected EXCEPT ALL {_live(table)}) d"))).scalar_one()
        extra = (await session.execute(text(
            f"SELECT count(*) FROM ({_live(table)} EXCEPT ALL SELECT * FROM {table}_expected) d"))).scalar_one()
        out.append(Difference(table, int(missing), int(extra)))
    return out


async def rebuild(session: AsyncSession) -> list[Difference]:
    """Report the differences, then recompute every table from the ledger. The tables are
    locked against writers meanwhile (a write would otherwise apply its delta to rows
    being replaced)."""
    # The ledger first, in the order writers take it: SHARE waits for running writes and
    # holds new ones back until the rebuild commits.
    await session.execute(text(
        "LOCK TABLE hazard, hazard_history, inspection, drill, training, supervision_task IN SHARE MODE"))
    await session.execute(text(f"LOCK TABLE {', '.join(TABLES)} IN SHARE ROW EXCLUSIVE MODE"))
    found = await differences(session)
    for d in found:
        if not d.clean:
            await session.execute(text(f"DELETE FROM {d.table}"))
            await session.execute(text(f"INSERT INTO {d.table} SELECT * FROM {d.table}_expected"))
    return found
