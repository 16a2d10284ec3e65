"""Scoping applied once (A1, A2): `scope_clause` is the one builder of what a caller may
see. Every read path derives its condition from it: the ORM repositories directly, the
asyncpg fast paths by compiling the same statement (app/db/compiled.py), the hand-written
statements through `enterprise_scope_sql` (its text form). A list, a count, a statistic and
a by-id fetch cannot disagree.

Its bind parameters are named (`scope_sectors`, `scope_village`, `scope_enterprise`), so a
statement compiled once per shape (`scope_shape`) takes each caller's values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    any_,
    bindparam,
    false,
    literal_column,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnClause

from app.db.compiled import clause_text
from app.domain.access import Scope, ScopeKind


def scope_values(scope: Scope) -> dict[str, Any]:
    """The bind values of scope_clause(scope)."""
    if scope.kind is ScopeKind.sectors and scope.sectors:
        return {"scope_sectors": sorted(scope.sectors)}
    if scope.kind is ScopeKind.village and scope.village_id:
        return {"scope_village": scope.village_id}
    if scope.kind is ScopeKind.enterprise and scope.enterprise_id:
        return {"scope_enterprise": scope.enterprise_id}
    return {}


def scope_shape(scope: Scope) -> tuple[str, bool]:
    """What distinguishes the SQL text of scope_clause(scope), values aside."""
    return scope.kind.value, bool(scope_values(scope))


def scope_clause(
    scope: Scope,
    *,
    enterprise_id: ColumnElement | ColumnClause,
    village_id: ColumnElement | ColumnClause,
    sector: ColumnElement | ColumnClause,
) -> ColumnElement[bool]:
    values = scope_values(scope)
    if scope.kind is ScopeKind.all:
        return true()
    if not values:
        return false()  # a scoped caller without its unit or enterprise sees nothing
    if scope.kind is ScopeKind.sectors:
        return sector == any_(bindparam("scope_sectors", values["scope_sectors"], type_=ARRAY(String)))
    if scope.kind is ScopeKind.village:
        return village_id == bindparam("scope_village", values["scope_village"])
    return enterprise_id == bindparam("scope_enterprise", values["scope_enterprise"])


def enterprise_scope_sql(
    scope: Scope, params: dict[str, Any], *, enterprise_id: str = "e.id", village_id: str = "e.village_id",
    sector: str = "e.sector",
) -> str:
    """scope_clause as SQL text for the hand-written statements, on the given column
    expressions; its values go into `params`."""
    clause = scope_clause(
        scope, enterprise_id=literal_column(enterprise_id), village_id=literal_column(village_id),
        sector=literal_column(sector),
    )
    return clause_text(clause, params)
