"""Hot reads as plain prepared statements through asyncpg (Database.reader()): the caller,
a hazard by id, a page of hazards. The hazard reads are the ORM repositories' statements
compiled for asyncpg (app/db/compiled.py), so they apply the same scope and filters, and
answer rows for the JSON encoder, no ORM objects."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy import Select, bindparam, select

from app.db.compiled import StatementCache
from app.db.hazard_rules import HazardFilters, filter_values
from app.db.models import Hazard
from app.db.repositories import hazards as hazards_repo
from app.db.repositories.scoping import scope_shape, scope_values
from app.domain.access import Principal, Scope
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


# The fast paths run the ORM repositories' conditions (repositories/hazards.hazard_scope and
# apply_filters) on the columns the response needs, compiled once per shape for asyncpg: one
# definition of what a caller sees.
_statements = StatementCache()


def _columns(names: Sequence[str]) -> list[Any]:
    table = Hazard.__table__
    return [table.c[name] for name in dict.fromkeys((*names, "id", "version"))]


def hazard_statement(scope: Scope, columns: Sequence[str]) -> Select:  # type: ignore[type-arg]
    """repositories/hazards.get's statement on `columns` (and id, version)."""
    return select(*_columns(columns)).where(hazards_repo.hazard_scope(scope), Hazard.id == bindparam("hazard_id"))


async def hazard(
    conn: asyncpg.Connection, scope: Scope, hazard_id: uuid.UUID, columns: Sequence[str],
) -> asyncpg.Record | None:
    """A hazard the caller can see, or None: `columns` of it, with its id and version."""
    compiled = _statements.get(("hazard", scope_shape(scope), columns), lambda: hazard_statement(scope, columns))
    return await conn.fetchrow(compiled.sql, *compiled.args({**scope_values(scope), "hazard_id": hazard_id}))


def hazard_page_statement(
    scope: Scope, f: HazardFilters, today: date, columns: Sequence[str], *, keyset: bool,
) -> Select:  # type: ignore[type-arg]
    """The hazard list: scope, the list's filters, newest first, keyset by id."""
    stmt = hazards_repo.apply_filters(select(*_columns(columns)).where(hazards_repo.hazard_scope(scope)), f, today)
    if keyset:
        stmt = stmt.where(Hazard.id < bindparam("before"))
    return stmt.order_by(Hazard.id.desc()).limit(bindparam("limit"))


async def hazard_page(
    conn: asyncpg.Connection, scope: Scope, f: HazardFilters, *, today: date, limit: int, before: uuid.UUID | None,
    columns: Sequence[str],
) -> list[asyncpg.Record]:
    """Newest first, keyset by id."""
    keyset = before is not None
    compiled = _statements.get(
        ("hazard_page", scope_shape(scope), f.shape(), keyset, columns),
        lambda: hazard_page_statement(scope, f, today, columns, keyset=keyset),
    )
    values = {**scope_values(scope), **filter_values(f, today), "limit": limit}
    if keyset:
        values["before"] = before
    return await conn.fetch(compiled.sql, *compiled.args(values))
