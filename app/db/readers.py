"""Hot reads as plain prepared statements through asyncpg (Database.reader()): the caller,
a hazard by id, a page of hazards. They apply the same scope as the ORM repositories
(app/db/repositories/scoping.py) and answer rows for the JSON encoder, no ORM objects."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg

from app.db.repositories.hazards import HazardFilters
from app.domain.access import Principal, Scope, ScopeKind
from app.domain.enums import Role

# A5 in the same statement: the token's version must be the user's current one, and its
# session (refresh family), when it names one, must not be revoked.
PRINCIPAL_SQL = """
SELECT u.id, u.username, u.role, u.org_unit_id, u.enterprise_id,
       CASE WHEN u.role = 'department_officer'
            THEN ARRAY(SELECT s.code FROM sector s WHERE s.lead_department_id = u.org_unit_id ORDER BY s.code)
       END AS lead_sectors
FROM app_user u
WHERE u.id = $1 AND u.is_active AND u.token_version = $2
  AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM refresh_family f WHERE f.id = $3 AND f.revoked_at IS NULL))
"""


async def principal(
    conn: asyncpg.Connection, user_id: uuid.UUID, token_version: int, family: uuid.UUID | None
) -> Principal | None:
    """The caller with the sectors its department leads; None if unknown, disabled, or the
    token is of an earlier version or of a revoked session (A5)."""
    row = await conn.fetchrow(PRINCIPAL_SQL, user_id, token_version, family)
    if row is None:
        return None
    return Principal(
        user_id=row["id"],
        username=row["username"],
        role=Role(row["role"]),
        org_unit_id=row["org_unit_id"],
        enterprise_id=row["enterprise_id"],
        lead_sectors=frozenset(row["lead_sectors"] or ()),
    )


HAZARD_COLUMNS = """
h.id, h.enterprise_id, h.village_id, h.sector, h.grade, h.source, h.title, h.description, h.criterion_ref,
h.criterion_code, h.location, h.discovered_on, h.status, h.status_effective_on, h.deadline, h.extensions, h.responsible_person,
h.measures, h.funds, h.contingency_plan, h.evidence, h.listed, h.notified_at, h.closed_on, h.inspection_id,
h.report_id, h.version, h.created_at, h.updated_at
"""


class _Sql:
    """Builds a WHERE clause with numbered parameters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.args: list[Any] = []

    def add(self, template: str, *values: Any) -> None:
        names = []
        for value in values:
            self.args.append(value)
            names.append(f"${len(self.args)}")
        self.clauses.append(template.format(*names))

    def where(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "TRUE"


def _scope(sql: _Sql, scope: Scope, prefix: str = "h") -> None:
    """A1, the same rule as scoping.scope_clause."""
    if scope.kind is ScopeKind.all:
        return
    if scope.kind is ScopeKind.sectors:
        sql.add(prefix + ".sector = ANY({0}::varchar[])", sorted(scope.sectors))
    elif scope.kind is ScopeKind.village:
        sql.add(prefix + ".village_id = {0}", scope.village_id)
    else:
        sql.add(prefix + ".enterprise_id = {0}", scope.enterprise_id)


async def hazard(conn: asyncpg.Connection, scope: Scope, hazard_id: uuid.UUID) -> asyncpg.Record | None:
    sql = _Sql()
    sql.add("h.id = {0}", hazard_id)
    _scope(sql, scope)
    return await conn.fetchrow(f"SELECT {HAZARD_COLUMNS} FROM hazard h WHERE {sql.where()}", *sql.args)


OPEN = "('reported', 'rectifying', 'pending_review')"


def hazard_where(scope: Scope, f: HazardFilters, today: date) -> _Sql:
    """Scope and list filters: the same as repositories.hazards.apply_filters."""
    sql = _Sql()
    _scope(sql, scope)
    for column, value in (("status", f.status), ("grade", f.grade), ("source", f.source), ("village_id", f.village_id),
                          ("sector", f.sector), ("enterprise_id", f.enterprise_id), ("listed", f.listed)):
        if value is not None:
            sql.add(f"h.{column} = {{0}}", value)
    if f.overdue is True:
        sql.add(f"h.status IN {OPEN} AND h.deadline < {{0}}", today)
    elif f.overdue is False:
        sql.add(f"NOT (h.status IN {OPEN} AND h.deadline < {{0}}) IS TRUE", today)
    if f.discovered_from is not None:
        sql.add("h.discovered_on >= {0}", f.discovered_from)
    if f.discovered_to is not None:
        sql.add("h.discovered_on <= {0}", f.discovered_to)
    if f.q:
        escaped = f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql.add("h.title ILIKE {0}", f"%{escaped}%")
    return sql


async def hazard_page(
    conn: asyncpg.Connection, scope: Scope, f: HazardFilters, *, today: date, limit: int, before: uuid.UUID | None
) -> list[asyncpg.Record]:
    """Newest first, keyset by id."""
    sql = hazard_where(scope, f, today)
    if before is not None:
        sql.add("h.id < {0}", before)
    sql.args.append(limit)
    query = f"SELECT {HAZARD_COLUMNS} FROM hazard h WHERE {sql.where()} ORDER BY h.id DESC LIMIT ${len(sql.args)}"
    return await conn.fetch(query, *sql.args)
