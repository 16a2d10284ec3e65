"""The SQL of app/db/hazard_rules.py and app/db/repositories/scoping.py against the pure
rules, on PostgreSQL: the open states and H6 overdue (app/domain/hazards.py), the scope
(app/domain/access.py), and the fast path's compiled statements against the ORM ones."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import date

from sqlalchemy import select, text, update

from app.db import readers
from app.db.hazard_rules import (
    OPEN_STATE_VALUES,
    HazardFilters,
    is_open,
    is_overdue,
    not_overdue,
    open_sql,
    overdue_sql,
)
from app.db.models import Hazard
from app.db.repositories import hazards as repo
from app.db.repositories.scoping import enterprise_scope_sql
from app.domain import hazards as rules
from app.domain.access import Principal, scope_for
from app.domain.enums import Role

WHO = uuid.UUID("00000000-0000-7000-8000-00000000abcd")
DAYS = [date(2025, 7, 30), date(2025, 7, 31), date(2025, 8, 1)]


async def _street(world, session):  # type: ignore[no-untyped-def]
    """A hazard in every state, with and without a deadline, in two villages and sectors."""
    v1, v2 = await world.village(), await world.village()
    e1 = await world.enterprise(v1, "hazardous_chemicals")
    e2 = await world.enterprise(v2, "construction")
    made = []
    for status, enterprise in itertools.product(rules.HazardStatus, (e1, e2)):
        made.append(await world.hazard(enterprise, status=status.value, grade="general", title=f"{status.value}隐患"))
    # a reported hazard without a deadline, and one of each open state without one
    await session.execute(update(Hazard).where(Hazard.id == made[0].id).values(deadline=None))
    await session.execute(update(Hazard).where(Hazard.id == made[3].id).values(deadline=None))
    await session.flush()
    return v1, e1, e2


async def test_open_and_overdue_in_sql_are_the_domain_rules(world, session):
    await _street(world, session)
    rows = (await session.execute(select(Hazard.id, Hazard.status, Hazard.deadline))).all()
    assert len(rows) == 10
    opened = set((await session.execute(select(Hazard.id).where(is_open()))).scalars())
    assert opened == {r.id for r in rows if rules.HazardStatus(r.status) in rules.OPEN_STATES}
    as_text = set((await session.execute(select(Hazard.id).where(text(open_sql("hazard.status"))))).scalars())
    assert as_text == opened
    for day in DAYS:
        expected = {r.id for r in rows if rules.is_overdue(r.status, r.deadline, day)}
        assert set((await session.execute(select(Hazard.id).where(is_overdue(day)))).scalars()) == expected, day
        assert set((await session.execute(select(Hazard.id).where(not_overdue(day)))).scalars()) == (
            {r.id for r in rows} - expected)
        sql = overdue_sql("hazard.status", "hazard.deadline", "CAST(:day AS date)")
        got = set((await session.execute(select(Hazard.id).where(text(sql)), {"day": day})).scalars())
        assert got == expected, day


async def test_the_fast_path_runs_the_orm_statement(world, session, db):
    v1, _, e2 = await _street(world, session)
    principals = [
        Principal(WHO, "u", Role.street_admin, None, None),
        Principal(WHO, "u", Role.village_officer, v1.id, None),
        Principal(WHO, "u", Role.enterprise_user, None, e2.id),
        Principal(WHO, "u", Role.department_officer, None, None, frozenset({"construction"})),
        Principal(WHO, "u", Role.village_officer, None, None),  # no village: sees nothing
    ]
    filters = [
        HazardFilters(), HazardFilters(overdue=True), HazardFilters(overdue=False), HazardFilters(status="rectifying"),
        HazardFilters(village_id=v1.id, grade="general"), HazardFilters(q="closed"), HazardFilters(q="%"),
        HazardFilters(listed=False, discovered_from=date(2025, 6, 1), discovered_to=date(2025, 6, 1)),
    ]
    conn = await db.acquire_reader()
    try:
        for p, f, day in itertools.product(principals, filters, DAYS):
            scope = scope_for(p)
            stmt = repo.apply_filters(repo.visible(scope), f, day).order_by(Hazard.id.desc())
            orm = [h.id for h in (await session.execute(stmt)).scalars()]
            page = await readers.hazard_page(conn, scope, f, today=day, limit=100, before=None, columns=("id",))
            assert [r["id"] for r in page] == orm, (p.role, f, day)
            if orm:
                rest = await readers.hazard_page(conn, scope, f, today=day, limit=100, before=orm[0], columns=("id",))
                assert [r["id"] for r in rest] == orm[1:]
                assert (await readers.hazard(conn, scope, orm[-1], ("id",)))["id"] == orm[-1]
        # the hand-written statements' scope is the same condition
        for p in principals:
            scope = scope_for(p)
            params: dict = {}
            where = enterprise_scope_sql(scope, params, enterprise_id="hazard.enterprise_id",
                                         village_id="hazard.village_id", sector="hazard.sector")
            got = set((await session.execute(select(Hazard.id).where(text(where)), params)).scalars())
            assert got == set((await session.execute(select(Hazard.id).where(repo.hazard_scope(scope)))).scalars())
    finally:
        await db.release_reader(conn)



_STATUS_LIST = re.compile(r"(?:IN\s*\(|ARRAY\[)([^)\]]*'pending_review'[^)\]]*)[)\]]", re.IGNORECASE)


async def test_the_schemas_open_states_are_the_domains(session):  # type: ignore[no-untyped-def]
    """The statements installed by the migrations (read-model views and trigger functions,
    the partial index on open deadlines) cannot import the domain: each list of hazard
    states among them is OPEN_STATES, so a change of the set needs a migration that follows."""
    definitions = (await session.execute(text(
        """
        SELECT 'view ' || c.relname, pg_get_viewdef(c.oid) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
        WHERE c.relkind IN ('v', 'm')
        UNION ALL
        SELECT 'function ' || p.proname, p.prosrc FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = current_schema()
        UNION ALL
        SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()
        """
    ))).all()
    found = {
        name: {frozenset(re.findall(r"'(\w+)'", m)) for m in _STATUS_LIST.findall(sql)}
        for name, sql in definitions if sql and "'pending_review'" in sql
    }
    assert "view rm_hazard_cell_expected" in found and "index ix_hazard_open_deadline" in found, sorted(found)
    assert any(n.startswith("function ") for n in found), sorted(found)
    expected = frozenset(s.value for s in rules.OPEN_STATES)
    assert {name: lists for name, lists in found.items() if lists != {expected}} == {}
    assert expected == frozenset(OPEN_STATE_VALUES)
