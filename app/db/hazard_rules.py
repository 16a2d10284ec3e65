"""The hazard rules that reads filter and count by, as SQL, in one place: the open states
and H6 "overdue" (defined in app/domain/hazards.py: OPEN_STATES, is_overdue) and the
hazard list's filters (HazardFilters). Lists, the fast paths, both exports, statistics and
targets take their conditions from here; tests/api/test_hazard_rules_sql.py checks the SQL
against the pure rules.

Every bind parameter is named, so a statement built from these compiles once per shape for
asyncpg (app/db/compiled.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, literal_column, not_
from sqlalchemy.sql.elements import ColumnClause

from app.db.compiled import clause_text
from app.db.models import Hazard
from app.domain.hazards import OPEN_STATES, HazardStatus

# The open states in the order of the lifecycle, as stored.
OPEN_STATE_VALUES: tuple[str, ...] = tuple(s.value for s in HazardStatus if s in OPEN_STATES)

Column = ColumnElement[Any] | ColumnClause[Any]


def is_open(status: Column = Hazard.status) -> ColumnElement[bool]:
    """OPEN_STATES as a condition on a status column (literal values: no bind)."""
    return status.in_([literal_column(f"'{v}'") for v in OPEN_STATE_VALUES])


def is_overdue(
    today: date | ColumnElement[Any], *, status: Column = Hazard.status, deadline: Column = Hazard.deadline,
) -> ColumnElement[bool]:
    """H6 (app/domain/hazards.is_overdue): open and `today` is past the deadline. NULL, not
    false, without a deadline: use not_overdue() for the complement. `today` is a date (bound
    as `today`) or an SQL expression."""
    day = today if isinstance(today, ColumnElement) else bindparam("today", today)
    return and_(is_open(status), deadline < day)


def not_overdue(
    today: date | ColumnElement[Any], *, status: Column = Hazard.status, deadline: Column = Hazard.deadline,
) -> ColumnElement[bool]:
    return not_(is_overdue(today, status=status, deadline=deadline).is_(True))


def open_sql(status: str) -> str:
    """is_open() as SQL text for hand-written statements: `<status> IN ('reported', …)`."""
    return clause_text(is_open(literal_column(status)), {})


def overdue_sql(status: str, deadline: str, today: str) -> str:
    """is_overdue() as SQL text on the given column expressions and an SQL `today`."""
    return clause_text(
        is_overdue(literal_column(today), status=literal_column(status), deadline=literal_column(deadline)), {}
    )


@dataclass(frozen=True)
class HazardFilters:
    """The hazard list's filters (and the exports'): None means not filtered."""

    status: str | None = None
    grade: str | None = None
    source: str | None = None
    village_id: uuid.UUID | None = None
    sector: str | None = None
    enterprise_id: uuid.UUID | None = None
    overdue: bool | None = None
    listed: bool | None = None
    discovered_from: date | None = None
    discovered_to: date | None = None
    q: str | None = None

    def shape(self) -> tuple[Any, ...]:
        """Which filters are set (and overdue's direction): what the SQL text depends on."""
        return tuple(
            (name, value if name == "overdue" else None)
            for name in _FILTER_NAMES if (value := getattr(self, name)) is not None and value != ""
        )


_FILTER_NAMES = tuple(f.name for f in fields(HazardFilters))


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def hazard_filter(f: HazardFilters, today: date) -> list[ColumnElement[bool]]:
    """The conditions of `f` on the hazard table, binds named after the filters."""
    clauses: list[ColumnElement[bool]] = []
    for name in ("status", "grade", "source", "village_id", "sector", "enterprise_id", "listed"):
        value = getattr(f, name)
        if value is not None:
            clauses.append(getattr(Hazard, name) == bindparam(name, value))
    if f.overdue is True:
        clauses.append(is_overdue(today))
    elif f.overdue is False:
        clauses.append(not_overdue(today))
    if f.discovered_from is not None:
        clauses.append(Hazard.discovered_on >= bindparam("discovered_from", f.discovered_from))
    if f.discovered_to is not None:
        clauses.append(Hazard.discovered_on <= bindparam("discovered_to", f.discovered_to))
    if f.q:
        clauses.append(Hazard.title.ilike(bindparam("q", _like(f.q))))
    return clauses


def filter_values(f: HazardFilters, today: date) -> dict[str, Any]:
    """The bind values of hazard_filter(f, today), for a statement compiled once per shape."""
    values: dict[str, Any] = {
        name: getattr(f, name)
        for name in ("status", "grade", "source", "village_id", "sector", "enterprise_id", "listed",
                     "discovered_from", "discovered_to")
        if getattr(f, name) is not None
    }
    if f.overdue is not None:
        values["today"] = today
    if f.q:
        values["q"] = _like(f.q)
    return values
