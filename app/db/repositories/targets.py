"""T1–T3 figures in one statement over the major hazards in scope.

A hazard's state on a date D is the last history step with effective_on ≤ D, and its
deadline the last deadline recorded by then (docs/rules.md §5), so a past `as_of` gives what
was true then. The figures match app/domain/targets.evaluate_targets (the reference)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.hazard_rules import open_sql, overdue_sql
from app.db.repositories.read_model import READ_MODEL, REFERENCE, Source
from app.db.repositories.scoping import enterprise_scope_sql
from app.domain.access import Scope

T1_END = date(2024, 12, 31)
T3_END = date(2026, 12, 31)


def _status_on(d: str) -> str:
    # From the day of its last change of state on, a hazard's state is the row's own;
    # only an earlier day needs its history.
    return (
        f"CASE WHEN {d} >= h.status_effective_on THEN h.status ELSE "
        "(SELECT x.to_status FROM hazard_history x WHERE x.hazard_id = h.id "
        f"AND x.effective_on <= {d} ORDER BY x.id DESC LIMIT 1) END"
    )


def _deadline_on(d: str) -> str:
    return (
        f"CASE WHEN {d} >= h.deadline_set_on THEN h.deadline ELSE "
        "(SELECT x.deadline FROM hazard_history x WHERE x.hazard_id = h.id "
        f"AND x.effective_on <= {d} AND x.deadline IS NOT NULL ORDER BY x.id DESC LIMIT 1) END"
    )


MH_REFERENCE = f"""
    SELECT h.id, h.discovered_on, h.village_id, h.sector,
           {_status_on('CAST(:as_of AS date)')} AS st_now,
           {_deadline_on('CAST(:as_of AS date)')} AS dl_now,
           CASE WHEN :as_of >= DATE '2024-12-31' AND h.discovered_on <= DATE '2023-12-31'
                THEN {_status_on("DATE '2024-12-31'")} END AS st_t1,
           CASE WHEN :as_of >= DATE '2026-12-31' THEN {_status_on("DATE '2026-12-31'")} END AS st_t3,
           CASE WHEN :as_of >= DATE '2026-12-31' THEN {_deadline_on("DATE '2026-12-31'")} END AS dl_t3
    FROM hazard h
    WHERE h.grade = 'major' AND h.discovered_on <= :as_of AND {{where}}
"""

# The same per-hazard columns from the read model: a major hazard's span holding each date.
MH_READ_MODEL = """
    SELECT m.hazard_id AS id, m.discovered_on, m.village_id, m.sector,
           s0.status AS st_now, s0.deadline AS dl_now,
           CASE WHEN :as_of >= DATE '2024-12-31' AND m.discovered_on <= DATE '2023-12-31' THEN s1.status END AS st_t1,
           CASE WHEN :as_of >= DATE '2026-12-31' THEN s3.status END AS st_t3,
           CASE WHEN :as_of >= DATE '2026-12-31' THEN s3.deadline END AS dl_t3
    FROM rm_major m
    LEFT JOIN rm_major_span s0 ON s0.hazard_id = m.hazard_id AND s0.valid_from <= CAST(:as_of AS date)
     AND (s0.valid_to IS NULL OR s0.valid_to > CAST(:as_of AS date))
    LEFT JOIN rm_major_span s1 ON s1.hazard_id = m.hazard_id AND s1.valid_from <= DATE '2024-12-31'
     AND (s1.valid_to IS NULL OR s1.valid_to > DATE '2024-12-31')
     AND :as_of >= DATE '2024-12-31' AND m.discovered_on <= DATE '2023-12-31'
    LEFT JOIN rm_major_span s3 ON s3.hazard_id = m.hazard_id AND s3.valid_from <= DATE '2026-12-31'
     AND (s3.valid_to IS NULL OR s3.valid_to > DATE '2026-12-31') AND :as_of >= DATE '2026-12-31'
    WHERE m.discovered_on <= :as_of AND {where}
"""

# The open states and H6 overdue come from app/db/hazard_rules.py, on the per-hazard columns.
TARGETS_SQL = f"""
WITH mh AS ({{mh}})
SELECT {{group_key}}
    count(*) FILTER (WHERE discovered_on <= DATE '2023-12-31' AND st_now <> 'void') AS stock_total,
    count(*) FILTER (WHERE discovered_on <= DATE '2023-12-31' AND {open_sql('st_now')}) AS open_stock,
    count(*) FILTER (WHERE st_t1 = 'closed') AS closed_by_deadline,
    count(*) FILTER (WHERE {open_sql('st_t1')}) AS open_at_deadline,
    count(*) FILTER (WHERE discovered_on <= DATE '2023-12-31' AND {overdue_sql('st_now', 'dl_now', ':as_of')}) AS overdue_open_stock,
    count(*) FILTER (WHERE discovered_on <= DATE '2023-12-31' AND {open_sql('st_now')}
                     AND (dl_now IS NULL OR dl_now > DATE '2024-12-31')) AS open_without_deadline_by_year_end,
    count(*) FILTER (WHERE st_now <> 'void' AND discovered_on BETWEEN DATE '2024-01-01' AND DATE '2024-12-31') AS count_2024,
    count(*) FILTER (WHERE st_now <> 'void' AND discovered_on BETWEEN DATE '2025-01-01' AND DATE '2025-12-31') AS count_2025,
    count(*) FILTER (WHERE st_now <> 'void' AND discovered_on BETWEEN DATE '2024-01-01' AND :prev_same_date) AS count_2024_same_dates,
    count(*) FILTER (WHERE {open_sql('st_now')}) AS open_major,
    count(*) FILTER (WHERE {overdue_sql('st_now', 'dl_now', ':as_of')}) AS overdue_open_major,
    count(*) FILTER (WHERE {overdue_sql('st_t3', 'dl_t3', "DATE '2026-12-31'")}) AS overdue_open_major_at_year_end
FROM mh
{{group_by}}
"""


async def target_figures(
    session: AsyncSession,
    scope: Scope,
    *,
    as_of: date,
    prev_same_date: date,
    village_id: uuid.UUID | None = None,
    sector: str | None = None,
    by_cell: bool = False,
    source: Source = READ_MODEL,
) -> list[dict[str, Any]]:
    """Raw counts, all additive; with `by_cell` one row per (village_id, sector)."""
    params: dict[str, Any] = {"as_of": as_of, "prev_same_date": prev_same_date}
    t = "h" if source == REFERENCE else "m"
    where = [enterprise_scope_sql(scope, params, enterprise_id=f"{t}.enterprise_id", village_id=f"{t}.village_id",
                                  sector=f"{t}.sector")]
    if village_id is not None:
        params["village_id"] = village_id
        where.append(f"{t}.village_id = :village_id")
    if sector is not None:
        params["sector"] = sector
        where.append(f"{t}.sector = :sector")
    mh = MH_REFERENCE if source == REFERENCE else MH_READ_MODEL
    sql = TARGETS_SQL.replace("{mh}", mh).replace("{where}", " AND ".join(where))
    if by_cell:
        sql = sql.replace("{group_key}", "village_id, sector,").replace("{group_by}", "GROUP BY village_id, sector")
    else:
        sql = sql.replace("{group_key}", "").replace("{group_by}", "")
    return [dict(r._mapping) for r in (await session.execute(text(sql), params)).all()]
