"""Scoping applied once: every repository builds its base statement from the caller's Scope,
so a list, a count, a statistic and a by-id fetch cannot disagree (A1, A2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.sql.elements import ColumnClause

from app.domain.access import Scope, ScopeKind


def scope_clause(
    scope: Scope,
    *,
    enterprise_id: ColumnElement | ColumnClause,
    village_id: ColumnElement | ColumnClause,
    sector: ColumnElement | ColumnClause,
) -> ColumnElement[bool]:
    if scope.kind is ScopeKind.all:
        return true()
    if scope.kind is ScopeKind.sectors:
        return sector.in_(sorted(scope.sectors)) if scope.sectors else false()
    if scope.kind is ScopeKind.village:
        return village_id == scope.village_id if scope.village_id else false()
    return enterprise_id == scope.enterprise_id if scope.enterprise_id else false()


def enterprise_scope_sql(
    scope: Scope, params: dict[str, Any], *, enterprise_id: str = "e.id", village_id: str = "e.village_id",
    sector: str = "e.sector",
) -> str:
    """A1 as SQL text for the hand-written statements (the ORM ones use scope_clause)."""
    if scope.kind is ScopeKind.all:
        return "TRUE"
    if scope.kind is ScopeKind.sectors:
        params["scope_sectors"] = sorted(scope.sectors)
        return f"{sector} = ANY(CAST(:scope_sectors AS varchar[]))"
    if scope.kind is ScopeKind.village:
        params["scope_village"] = scope.village_id
        return f"{village_id} = :scope_village" if scope.village_id else "FALSE"
    params["scope_enterprise"] = scope.enterprise_id
    return f"{enterprise_id} = :scope_enterprise" if scope.enterprise_id else "FALSE"
