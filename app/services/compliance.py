"""Compliance (C1–C4), targets (T1–T3), statistics and the dashboard: SQL aggregates
in, the pure rules on top."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Hazard
from app.db.repositories import compliance as compliance_repo
from app.db.repositories import differentiated as differentiated_repo
from app.db.repositories import enterprises as enterprises_repo
from app.db.repositories import read_model
from app.db.repositories import risk as risk_repo
from app.db.repositories import stats as stats_repo
from app.db.repositories import targets as targets_repo
from app.db.repositories.hazards import hazard_scope
from app.db.repositories.read_model import READ_MODEL, REFERENCE, Source
from app.db.repositories.scoping import enterprise_scope_sql
from app.domain import targets as target_rules
from app.domain.access import Principal, Scope
from app.domain.cadence import FOCUS_TRAINING, c1_kind, c2_kind, evaluate_c3
from app.domain.cadence import EnterpriseState as DomainState
from app.domain.calendar import PeriodKind, business_date, period_of
from app.domain.campaign import phase_on
from app.domain.compliance import period_label, rate
from app.domain.differentiated import C5_INSPECTION_KIND, c5_kind, evaluate_c5, level_history
from app.domain.enums import Role
from app.domain.errors import FieldError, Forbidden, RuleViolation
from app.domain.labels import GRADE_LABELS, RISK_LEVEL_LABELS, SOURCE_LABELS, STATUS_LABELS
from app.domain.risk import DEFAULT_SCORING, SEVERITY, RiskScoring, assess_risk
from app.services import risk

OBLIGATIONS = {"c1": ("principal_inspection", c1_kind), "c2": ("drill", c2_kind)}


def _obligation(row: dict[str, Any], code: str, as_of: date) -> dict[str, Any]:
    months = row[f"{code}_m"]
    if months is not None:
        return {
            "period": period_label(months, row[f"{code}_pi"]),
            "status": "done" if row[f"{code}_done"] else "due",
            "missed_periods": row[f"{code}_missed"],
        }
    period = None
    if row["state_status"] == "active":  # registered inside the current period, or regime changed in it
        period = period_of(OBLIGATIONS[code][1](row["state_high_risk"]), as_of).label
    return {"period": period, "status": "not_applicable", "missed_periods": row[f"{code}_missed"]}


def _summary(raw: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"enterprises": raw["enterprises"]}
    for name in ("principal_inspection", "drill"):
        figures = dict(raw[name])
        figures["rate"] = rate(figures["done"], figures["applicable"])
        out[name] = figures
    return out


async def enterprise_compliance(
    session: AsyncSession, scope: Scope, q: compliance_repo.ComplianceQuery, source: Source = READ_MODEL
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """C1 and C2 per enterprise on `as_of`, with a summary over the filtered set."""
    raw_summary, rows = await compliance_repo.compliance_page(session, scope, q, source)
    items = [
        {
            "enterprise_id": r["id"],
            "name": r["name"],
            "village_id": r["village_id"],
            "sector": r["sector"],
            "high_risk": r["high_risk"],
            "status": r["status"],
            "principal_inspection": _obligation(r, "c1", q.as_of),
            "drill": _obligation(r, "c2", q.as_of),
        }
        for r in rows
    ]
    return _summary(raw_summary), items


_C3_SQL = text(
    """
    SELECT u.id, u.name, u.kind,
           coalesce(array_agg(t.completed_on ORDER BY t.completed_on) FILTER (WHERE t.id IS NOT NULL), '{}') AS done_on
    FROM org_unit u
    LEFT JOIN supervision_task t
      ON t.target_org_unit_id = u.id AND t.kind = 'supervision_round' AND t.status = 'accepted'
     AND t.completed_on <= :as_of
    WHERE u.kind IN ('village', 'department') AND (CAST(:unit AS uuid) IS NULL OR u.id = CAST(:unit AS uuid))
      AND (CAST(:kind AS varchar) IS NULL OR u.kind = CAST(:kind AS varchar))
    GROUP BY u.id, u.name, u.kind
    ORDER BY u.kind, u.name, u.id
    """
)
# The same from the read model: each accepted round's day, once per round.
_C3_READ_MODEL_SQL = text(
    """
    SELECT u.id, u.name, u.kind,
           coalesce(array_agg(t.completed_on ORDER BY t.completed_on) FILTER (WHERE t.org_unit_id IS NOT NULL), '{}')
             AS done_on
    FROM org_unit u
    LEFT JOIN (SELECT r.org_unit_id, r.completed_on FROM rm_supervision_done r CROSS JOIN generate_series(1, r.n)
               WHERE r.completed_on <= :as_of) t ON t.org_unit_id = u.id
    WHERE u.kind IN ('village', 'department') AND (CAST(:unit AS uuid) IS NULL OR u.id = CAST(:unit AS uuid))
      AND (CAST(:kind AS varchar) IS NULL OR u.kind = CAST(:kind AS varchar))
    GROUP BY u.id, u.name, u.kind
    ORDER BY u.kind, u.name, u.id
    """
)


async def supervision_compliance(
    session: AsyncSession, principal: Principal, as_of: date, kind: str | None, source: Source = READ_MODEL
) -> dict[str, Any]:
    """C3: a completed supervision round per half-year for every village and department."""
    unit: uuid.UUID | None = None
    if principal.role in (Role.village_officer, Role.department_officer):
        unit = principal.org_unit_id  # officers see their own unit's record
    elif principal.role is Role.enterprise_user:
        raise Forbidden("supervision compliance concerns villages and departments")
    c3 = _C3_SQL if source == REFERENCE else _C3_READ_MODEL_SQL
    rows = (await session.execute(c3, {"as_of": as_of, "unit": unit, "kind": kind})).all()
    items = []
    for r in rows:
        result = evaluate_c3(r.done_on, as_of)
        items.append(
            {
                "org_unit_id": r.id,
                "name": r.name,
                "kind": r.kind,
                "period": result.period,
                "status": result.status.value,
                "missed_periods": result.missed_periods,
                "missed": list(result.missed),
            }
        )
    done = sum(1 for i in items if i["status"] == "done")
    applicable = sum(1 for i in items if i["status"] in ("done", "due"))
    return {
        "as_of": as_of,
        "period": period_of(PeriodKind.half_year, as_of).label,
        "summary": {
            "units": len(items),
            "done": done,
            "due": applicable - done,
            "with_missed": sum(1 for i in items if i["missed_periods"] > 0),
            "coverage": rate(done, applicable),
        },
        "items": items,
    }


async def training_compliance(
    session: AsyncSession, scope: Scope, year: int, today: date, village_id: uuid.UUID | None, sector: str | None,
    source: Source = READ_MODEL,
) -> dict[str, Any]:
    """C4: focus enterprises of the year (active at the year's end, or today if earlier)
    covered by a passed training of the required role held in that year."""
    if year not in FOCUS_TRAINING:
        raise RuleViolation("no focus training that year", [FieldError("year", "must be 2024, 2025 or 2026")])
    tags, roles = FOCUS_TRAINING[year]
    on = min(date(year, 12, 31), today)
    params: dict[str, Any] = {
        "tags": sorted(tags), "roles": sorted(roles), "y0": date(year, 1, 1), "y1": date(year, 12, 31), "on": on,
    }
    if source == REFERENCE:
        covered_sql = """EXISTS (SELECT 1 FROM training t WHERE t.enterprise_id = e.id AND t.passed
                       AND t.trainee_role = ANY(CAST(:roles AS varchar[])) AND t.held_on BETWEEN :y0 AND :y1)"""
    else:
        params["year"] = year
        covered_sql = """EXISTS (SELECT 1 FROM rm_training_year t WHERE t.enterprise_id = e.id AND t.n > 0
                       AND t.trainee_role = ANY(CAST(:roles AS varchar[])) AND t.year = :year)"""
    where = [enterprise_scope_sql(scope, params)]
    if village_id is not None:
        params["village_id"] = village_id
        where.append("e.village_id = :village_id")
    if sector is not None:
        params["sector"] = sector
        where.append("e.sector = :sector")
    sql = text(
        f"""
        SELECT e.id, e.name, e.village_id, e.sector,
               {covered_sql} AS covered
        FROM enterprise e
        WHERE e.tags && CAST(:tags AS varchar[]) AND {' AND '.join(where)}
          AND (SELECT s.status FROM enterprise_state s WHERE s.enterprise_id = e.id AND s.effective_on <= :on
               ORDER BY s.effective_on DESC, s.id DESC LIMIT 1) = 'active'
        ORDER BY e.id
        """
    )
    rows = (await session.execute(sql, params)).all()
    covered = sum(1 for r in rows if r.covered)
    return {
        "year": year,
        "focus_tags": sorted(tags),
        "trainee_roles": sorted(roles),
        "total": len(rows),
        "covered": covered,
        "rate": rate(covered, len(rows)),
        "uncovered": [
            {"enterprise_id": r.id, "name": r.name, "village_id": r.village_id, "sector": r.sector}
            for r in rows
            if not r.covered
        ],
    }


def _targets_from(figures: dict[str, Any], as_of: date) -> list[dict[str, Any]]:
    """T1–T3 status from the SQL figures, by the pure rules."""
    f = figures
    t1_reached = as_of >= targets_repo.T1_END
    t1 = {
        "stock_total": f["stock_total"],
        "open_stock": f["open_stock"],
        "closed_by_deadline": f["closed_by_deadline"] if t1_reached else 0,
        "open_at_deadline": f["open_at_deadline"] if t1_reached else 0,
        "overdue_open_stock": f["overdue_open_stock"],
    }
    t1_status = target_rules.t1_status(
        as_of,
        open_stock_now=f["open_stock"],
        open_stock_at_year_end=t1["open_at_deadline"],
        open_without_deadline_by_year_end=f["open_without_deadline_by_year_end"],
        overdue_open_stock_now=f["overdue_open_stock"],
    )
    if as_of.year < 2025:
        ytd = prev = 0
    elif as_of.year == 2025:
        ytd, prev = f["count_2025"], f["count_2024_same_dates"]
    else:
        ytd, prev = f["count_2025"], f["count_2024"]
    t2 = {"count_2024": f["count_2024"], "count_2025": f["count_2025"], "count_ytd": ytd, "count_prev_same_dates": prev}
    t2_status = target_rules.t2_status(
        as_of, count_ytd=ytd, count_prev_same_dates=prev, count_2025=f["count_2025"], count_2024=f["count_2024"]
    )
    t3 = {
        "open_major": f["open_major"],
        "overdue_open_major": f["overdue_open_major"],
        "overdue_open_major_at_year_end": f["overdue_open_major_at_year_end"] if as_of >= targets_repo.T3_END else 0,
    }
    t3_status = target_rules.t3_status(
        as_of, overdue_open_major_now=f["overdue_open_major"], overdue_open_major_at_year_end=t3["overdue_open_major_at_year_end"]
    )
    return [
        {"code": "stock_cleared", "year": 2024, "status": t1_status.value, "figures": t1},
        {"code": "increment_reduced", "year": 2025, "status": t2_status.value, "figures": t2},
        {"code": "dynamic_zero", "year": 2026, "status": t3_status.value, "figures": t3},
    ]


async def targets(
    session: AsyncSession, scope: Scope, as_of: date, *, village_id: uuid.UUID | None = None, sector: str | None = None,
    source: Source = READ_MODEL,
) -> list[dict[str, Any]]:
    rows = await targets_repo.target_figures(
        session, scope, as_of=as_of, prev_same_date=target_rules.same_dates_previous_year(as_of),
        village_id=village_id, sector=sector, source=source,
    )
    return _targets_from(rows[0], as_of)


def _add(into: dict[str, Any], row: dict[str, Any], keys: tuple[str, ...]) -> None:
    for k in keys:
        into[k] = into.get(k, 0) + row[k]


_CELL_FIGURES = tuple(
    f"{o}_{f}" for o in ("c1", "c2") for f in ("applicable", "done", "due", "not_applicable", "with_missed", "missed_periods")
) + ("enterprises",)
_TARGET_FIGURES = (
    "stock_total", "open_stock", "closed_by_deadline", "open_at_deadline", "overdue_open_stock",
    "open_without_deadline_by_year_end", "count_2024", "count_2025", "count_2024_same_dates", "open_major",
    "overdue_open_major", "overdue_open_major_at_year_end",
)


def _compliance_summary(cell: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"enterprises": cell.get("enterprises", 0)}
    for code, name in (("c1", "principal_inspection"), ("c2", "drill")):
        figures = {f: cell.get(f"{code}_{f}", 0) for f in ("applicable", "done", "due", "not_applicable", "with_missed", "missed_periods")}
        figures["rate"] = rate(figures["done"], figures["applicable"])
        out[name] = figures
    return out


async def risk_level_counts(
    session: AsyncSession, scope: Scope, today: date, scoring: RiskScoring = DEFAULT_SCORING,
    source: Source = READ_MODEL,
) -> dict[str, int]:
    """K4: how many enterprises in scope are at each level today, and how many by override."""
    counts = {level.value: 0 for level in SEVERITY} | {"overridden": 0}
    for at in (await risk.levels_in_scope(session, scope, today=today, scoring=scoring, source=source)).values():
        counts[at.level.value] += 1
        counts["overridden"] += at.overridden
    return counts


async def dashboard(
    session: AsyncSession, principal: Principal, scope: Scope, as_of: date, source: Source = READ_MODEL, *,
    today: date | None = None, scoring: RiskScoring = DEFAULT_SCORING,
) -> dict[str, Any]:
    """One pass of the cadence engine and one of the targets, per (village, sector) cell,
    rolled up here into the street's, each village's and each sector's figures; the risk
    levels of today (default: `as_of`)."""
    cells = await compliance_repo.compliance_cells(session, scope, as_of, source)
    target_cells = await targets_repo.target_figures(
        session, scope, as_of=as_of, prev_same_date=target_rules.same_dates_previous_year(as_of), by_cell=True,
        source=source,
    )
    total_c: dict[str, Any] = {}
    total_t: dict[str, Any] = {f: 0 for f in _TARGET_FIGURES}
    groups: dict[str, dict[Any, dict[str, dict[str, Any]]]] = {"village_id": {}, "sector": {}}
    for row in cells:
        _add(total_c, row, _CELL_FIGURES)
        for g in groups:
            _add(groups[g].setdefault(row[g], {"c": {}, "t": {}})["c"], row, _CELL_FIGURES)
    for row in target_cells:
        _add(total_t, row, _TARGET_FIGURES)
        for g in groups:
            _add(groups[g].setdefault(row[g], {"c": {}, "t": {}})["t"], row, _TARGET_FIGURES)
    if source == REFERENCE:
        listed = (
            await session.execute(
                select(func.count()).select_from(Hazard).where(hazard_scope(scope), Hazard.listed, Hazard.grade == "major")
            )
        ).scalar_one()
    else:
        listed = await read_model.listed_major(session, scope)
    if principal.role is Role.enterprise_user:
        supervision = {"units": 0, "done": 0, "due": 0, "with_missed": 0, "coverage": None}
    else:
        supervision = (await supervision_compliance(session, principal, as_of, None, source))["summary"]
    out_groups = {}
    for g, name, label_group in (("village_id", "by_village", "village"), ("sector", "by_sector", "sector")):
        names = await stats_repo.labels(session, label_group, list(groups[g]))
        rows = []
        for key in sorted(groups[g], key=str):
            c, t = groups[g][key]["c"], {f: 0 for f in _TARGET_FIGURES} | groups[g][key]["t"]
            rows.append({
                "key": str(key), "label": names.get(key),
                "open_major": t["open_major"], "overdue_major": t["overdue_open_major"],
                "principal_inspection_rate": rate(c.get("c1_done", 0), c.get("c1_applicable", 0)),
                "drill_rate": rate(c.get("c2_done", 0), c.get("c2_applicable", 0)),
                "targets": _targets_from(t, as_of),
            })
        out_groups[name] = rows
    phase = phase_on(as_of)
    return {
        "as_of": as_of,
        "campaign_phase": phase.code if phase else None,
        "major_hazards": {"open": total_t["open_major"], "overdue": total_t["overdue_open_major"], "listed": listed},
        "targets": _targets_from(total_t, as_of),
        "compliance": _compliance_summary(total_c),
        "supervision": supervision,
        "risk_levels": await risk_level_counts(session, scope, today or as_of, scoring, source),
        **out_groups,
    }


_ENUM_LABELS = {"source": SOURCE_LABELS, "grade": GRADE_LABELS, "status": STATUS_LABELS, "risk_level": RISK_LEVEL_LABELS}
_SEVERITY_ORDER = {level.value: i for i, level in enumerate(SEVERITY)}


async def hazard_stats(
    session: AsyncSession, scope: Scope, *, group_by: str, today: date, first: date | None, last: date | None,
    grade: str | None, source: Source = READ_MODEL, scoring: RiskScoring = DEFAULT_SCORING,
) -> list[dict[str, Any]]:
    """The rows of /stats/hazards: counts, closure rate and median days to close per group.
    By criterion from the ledger always: the read model's counters are not keyed by criterion.
    By risk level: each hazard under its enterprise's level today (K4, overrides included),
    the enterprises in scope assessed once; most severe first."""
    fetch = stats_repo.hazard_stats if source == REFERENCE or group_by == "criterion" else read_model.hazard_stats
    levels = None
    if group_by == "risk_level":
        found = await risk.levels_in_scope(session, scope, today=today, scoring=scoring, source=source)
        levels = {e: at.level.value for e, at in found.items()}
    rows = await fetch(session, scope, group=group_by, today=today, first=first, last=last, grade=grade, levels=levels)
    if group_by == "risk_level":
        rows.sort(key=lambda r: _SEVERITY_ORDER.get(r["key"], len(_SEVERITY_ORDER)))
    items = []
    for r in rows:
        key = str(r["key"]) if r["key"] is not None else None
        label = r["label"] or _ENUM_LABELS.get(group_by, {}).get(key or "") or key
        median = r["median_days"]
        items.append({
            "key": key, "label": label, "total": r["total"], "open": r["open"], "overdue": r["overdue"],
            "closed": r["closed"], "void": r["void"], "closure_rate": rate(r["closed"], r["total"] - r["void"]),
            "median_days_to_close": float(median) if median is not None else None,
        })
    return items


async def differentiated_compliance(
    session: AsyncSession, scope: Scope, as_of: date, filters: enterprises_repo.EnterpriseFilters, *, limit: int,
    after: uuid.UUID | None,
) -> list[dict[str, Any]]:
    """C5 (K5) for a page of visible enterprises, from the ledger: the level history is the
    overrides as made, the level K4 computes on `as_of` standing wherever none is in force
    (app/domain/differentiated.py, `level_history`)."""
    page = await enterprises_repo.list_page(session, scope, filters, limit=limit, after=after)
    ids = [e.id for e in page]
    facts = await risk_repo.facts(session, page, as_of, REFERENCE)
    states, overrides, inspections = await differentiated_repo.facts(session, ids, as_of)
    items = []
    for e in page:
        computed = assess_risk(facts[e.id], DEFAULT_SCORING, None).computed_level
        history = level_history(computed, [(lvl, business_date(at)) for lvl, at in overrides[e.id]], as_of)
        result = evaluate_c5(
            [DomainState(on, status, high_risk) for on, status, high_risk in states[e.id]],
            history, [(d, C5_INSPECTION_KIND) for d in inspections[e.id]], as_of,
        )
        in_force = [s.level for s in history if s.effective_on <= as_of][-1]
        items.append({
            "enterprise_id": e.id, "name": e.name, "village_id": e.village_id, "sector": e.sector, "status": e.status,
            "risk_level": in_force.value, "kind": c5_kind(in_force).value,
            "differentiated_inspection": {
                "period": result.period, "status": result.status.value, "missed_periods": result.missed_periods,
                "missed": list(result.missed),
            },
        })
    return items
