"""C1 and C2 for every enterprise in scope, set-based in one statement.

The SQL follows the regime rule of app/domain/cadence.py (the reference the tests hold
it to): stretches of constant (active, period kind) from enterprise_state; the full
periods of each stretch, from the first full period on or after max(start, 2024-01-01),
are a range of period numbers — month index (year*12 + month-1) divided by the period
length in months (1, 3, 6, 12) — so a stretch's owed periods are counted, not listed, and
its done periods are the distinct period numbers of its events."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.repositories.read_model import READ_MODEL, REFERENCE, Source
from app.db.repositories.scoping import enterprise_scope_sql
from app.domain.access import Scope

_MI = "(extract(year FROM {d})::int * 12 + extract(month FROM {d})::int - 1)"


def _mi(expr: str) -> str:
    return _MI.format(d=expr)


CADENCE_CTES = f"""
ent AS (
    SELECT e.id, e.name, e.village_id, e.sector, e.high_risk, e.status
    FROM enterprise e
    WHERE {{scope}}
),
st AS (
    SELECT s.enterprise_id, s.effective_on, s.status = 'active' AS active, s.high_risk,
           row_number() OVER w AS rn,
           lag(s.status = 'active') OVER w AS p_active,
           lag(s.high_risk) OVER w AS p_high_risk
    FROM enterprise_state s JOIN ent ON ent.id = s.enterprise_id
    WHERE s.effective_on <= :as_of
    WINDOW w AS (PARTITION BY s.enterprise_id ORDER BY s.effective_on, s.id)
),
stretch AS (
    -- a stretch starts where (active, high-risk when active) changes; both C1's and C2's
    -- period kinds follow from it, so the two share their stretches
    SELECT enterprise_id, effective_on AS s_start, active, high_risk,
           lead(effective_on) OVER (PARTITION BY enterprise_id ORDER BY rn) AS s_next
    FROM st
    WHERE rn = 1 OR active <> p_active OR (active AND high_risk <> p_high_risk)
),
bounds AS (
    SELECT enterprise_id, code, m, s_next,
           CASE WHEN extract(day FROM fs) = 1 AND {_mi('fs')} % m = 0 THEN {_mi('fs')} / m
                ELSE {_mi('fs')} / m + 1 END AS first_pi,
           CASE WHEN s_next IS NULL THEN {_mi('CAST(:as_of AS date)')} / m ELSE {_mi('s_next')} / m - 1 END AS last_pi
    FROM (
        SELECT st.enterprise_id, st.s_next, greatest(st.s_start, DATE '2024-01-01') AS fs, o.code,
               CASE WHEN o.code = 1 THEN CASE WHEN st.high_risk THEN 1 ELSE 3 END
                    ELSE CASE WHEN st.high_risk THEN 6 ELSE 12 END END AS m
        FROM stretch st CROSS JOIN (VALUES (1), (2)) AS o(code)
        WHERE st.active
    ) x
),
ev_month AS ({{ev_month}}
),
counted AS (
    -- per stretch: how many of its owed periods hold an event, and whether the last does
    SELECT b.enterprise_id, b.code, b.m, b.first_pi, b.last_pi,
           (b.s_next IS NULL AND b.first_pi <= b.last_pi) AS has_cur,
           count(DISTINCT e.mi / b.m) AS done,
           coalesce(bool_or(e.mi / b.m = b.last_pi), FALSE) AS last_done
    FROM bounds b
    LEFT JOIN ev_month e ON e.enterprise_id = b.enterprise_id AND e.code = b.code
     AND e.mi >= b.first_pi * b.m AND e.mi < (b.last_pi + 1) * b.m
    GROUP BY b.enterprise_id, b.code, b.m, b.first_pi, b.last_pi, b.s_next
),
agg AS (
    SELECT enterprise_id,
           sum(owed_past - done_past) FILTER (WHERE code = 1) AS c1_missed,
           max(m) FILTER (WHERE code = 1 AND has_cur) AS c1_m,
           max(last_pi) FILTER (WHERE code = 1 AND has_cur) AS c1_pi,
           bool_or(last_done) FILTER (WHERE code = 1 AND has_cur) AS c1_done,
           sum(owed_past - done_past) FILTER (WHERE code = 2) AS c2_missed,
           max(m) FILTER (WHERE code = 2 AND has_cur) AS c2_m,
           max(last_pi) FILTER (WHERE code = 2 AND has_cur) AS c2_pi,
           bool_or(last_done) FILTER (WHERE code = 2 AND has_cur) AS c2_done
    FROM (
        SELECT counted.*,
               greatest(last_pi - first_pi + 1, 0) - has_cur::int AS owed_past,
               done - (has_cur AND last_done)::int AS done_past
        FROM counted
    ) c
    GROUP BY enterprise_id
),
last_stretch AS (
    SELECT enterprise_id, active, high_risk FROM stretch WHERE s_next IS NULL
),
res AS (
    SELECT ent.id, ent.name, ent.village_id, ent.sector, ent.high_risk, ent.status,
           CASE WHEN ls.active THEN 'active' END AS state_status, ls.high_risk AS state_high_risk,
           coalesce(a.c1_missed, 0) AS c1_missed, a.c1_m, a.c1_pi, a.c1_done,
           coalesce(a.c2_missed, 0) AS c2_missed, a.c2_m, a.c2_pi, a.c2_done
    FROM ent
    LEFT JOIN last_stretch ls ON ls.enterprise_id = ent.id
    LEFT JOIN agg a ON a.enterprise_id = ent.id
)
"""

# Months holding a qualifying event, from the ledger (the reference) ...
EV_MONTH_REFERENCE = f"""
    SELECT DISTINCT i.enterprise_id, 1 AS code, {_mi('i.performed_on')} AS mi
    FROM inspection i JOIN ent ON ent.id = i.enterprise_id
    WHERE i.kind = 'principal_self' AND i.led_by_principal
      AND i.performed_on BETWEEN DATE '2024-01-01' AND :as_of
    UNION ALL
    SELECT DISTINCT d.enterprise_id, 2, {_mi('d.held_on')}
    FROM drill d JOIN ent ON ent.id = d.enterprise_id
    WHERE d.kind = 'evacuation' AND d.held_on BETWEEN DATE '2024-01-01' AND :as_of"""

# ... or from the read model's event days (one row per enterprise, obligation and day).
EV_MONTH_READ_MODEL = f"""
    SELECT DISTINCT r.enterprise_id, r.code::int AS code, {_mi('r.day')} AS mi
    FROM rm_event_day r JOIN ent ON ent.id = r.enterprise_id
    WHERE r.n > 0 AND r.day BETWEEN DATE '2024-01-01' AND :as_of"""


def cadence_ctes(source: Source) -> str:
    return CADENCE_CTES.replace("{ev_month}", EV_MONTH_REFERENCE if source == REFERENCE else EV_MONTH_READ_MODEL)


_STATUS_FILTERS = {
    None: "TRUE",
    "due": "((c1_m IS NOT NULL AND NOT c1_done) OR (c2_m IS NOT NULL AND NOT c2_done))",
    "missed": "(c1_missed > 0 OR c2_missed > 0)",
    "done": "((c1_m IS NOT NULL OR c2_m IS NOT NULL) AND (c1_m IS NULL OR c1_done) AND (c2_m IS NULL OR c2_done))",
}
_STATUS_FILTERS_ONE = {
    None: "TRUE",
    "due": "({o}_m IS NOT NULL AND NOT {o}_done)",
    "missed": "{o}_missed > 0",
    "done": "({o}_m IS NOT NULL AND {o}_done)",
}


@dataclass(frozen=True)
class ComplianceQuery:
    as_of: date
    village_id: uuid.UUID | None = None
    sector: str | None = None
    status: str | None = None
    obligation: str | None = None  # 'c1' | 'c2'
    after: uuid.UUID | None = None
    limit: int = 50


def _where(scope: Scope, q: ComplianceQuery, params: dict[str, Any]) -> str:
    clauses = [enterprise_scope_sql(scope, params)]
    if q.village_id is not None:
        params["village_id"] = q.village_id
        clauses.append("e.village_id = :village_id")
    if q.sector is not None:
        params["sector"] = q.sector
        clauses.append("e.sector = :sector")
    return " AND ".join(clauses)


def _summary_sql(o: str) -> str:
    return f"""json_build_object(
        'applicable', count(*) FILTER (WHERE {o}_m IS NOT NULL),
        'done', count(*) FILTER (WHERE {o}_m IS NOT NULL AND {o}_done),
        'due', count(*) FILTER (WHERE {o}_m IS NOT NULL AND NOT {o}_done),
        'not_applicable', count(*) FILTER (WHERE {o}_m IS NULL),
        'with_missed', count(*) FILTER (WHERE {o}_missed > 0),
        'missed_periods', coalesce(sum({o}_missed), 0))"""


async def compliance_page(
    session: AsyncSession, scope: Scope, q: ComplianceQuery, source: Source = READ_MODEL
) -> tuple[dict, list[dict]]:
    """(summary over the filtered set, one page of rows) in one round trip."""
    params: dict[str, Any] = {"as_of": q.as_of, "limit": q.limit}
    ctes = cadence_ctes(source).replace("{scope}", _where(scope, q, params))
    status_filter = (
        _STATUS_FILTERS_ONE[q.status].format(o=q.obligation) if q.obligation else _STATUS_FILTERS[q.status]
    )
    after = ""
    if q.after is not None:
        params["after"] = q.after
        after = "AND id > :after"
    sql = f"""
    WITH {ctes}
    SELECT
      (SELECT json_build_object('principal_inspection', {_summary_sql('c1')}, 'drill', {_summary_sql('c2')},
                                'enterprises', count(*)) FROM res) AS summary,
      (SELECT coalesce(json_agg(r ORDER BY r.id), '[]'::json) FROM (
          SELECT * FROM res WHERE {status_filter} {after} ORDER BY id LIMIT :limit) r) AS items
    """
    row = (await session.execute(text(sql), params)).one()
    summary = row.summary if isinstance(row.summary, dict) else json.loads(row.summary)
    items = row.items if isinstance(row.items, list) else json.loads(row.items)
    return summary, items


async def compliance_cells(
    session: AsyncSession, scope: Scope, as_of: date, source: Source = READ_MODEL
) -> list[dict[str, Any]]:
    """The summary figures per (village_id, sector): additive, so one pass gives the total,
    the villages and the sectors of a dashboard."""
    params: dict[str, Any] = {"as_of": as_of}
    ctes = cadence_ctes(source).replace("{scope}", enterprise_scope_sql(scope, params))
    columns = ", ".join(
        f"count(*) FILTER (WHERE {o}_m IS NOT NULL) AS {o}_applicable, "
        f"count(*) FILTER (WHERE {o}_m IS NOT NULL AND {o}_done) AS {o}_done, "
        f"count(*) FILTER (WHERE {o}_m IS NOT NULL AND NOT {o}_done) AS {o}_due, "
        f"count(*) FILTER (WHERE {o}_m IS NULL) AS {o}_not_applicable, "
        f"count(*) FILTER (WHERE {o}_missed > 0) AS {o}_with_missed, "
        f"coalesce(sum({o}_missed), 0) AS {o}_missed_periods"
        for o in ("c1", "c2")
    )
    sql = f"WITH {ctes} SELECT village_id, sector, count(*) AS enterprises, {columns} FROM res GROUP BY village_id, sector"
    return [dict(r._mapping) for r in (await session.execute(text(sql), params)).all()]
