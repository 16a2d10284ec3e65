"""Migrations are reversible (upgrade → downgrade → upgrade, and step by step), and the
ORM models match the migrated schema, so models and migrations cannot drift."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import migrate
from app.db.models import ENGINE_TABLES, Base
from app.settings import to_async_url

# Objects of the public schema that no extension owns: tables, views, sequences, indexes,
# functions, types. After `downgrade base` only alembic's own table may remain.
_OWN_OBJECTS = text(
    """
    SELECT 'relation:' || c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'function:' || p.proname
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'type:' || t.typname
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm')
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
    """
)
_TABLES = text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")


def _query(url: str, statement: Any) -> set[str]:
    async def run() -> set[str]:
        engine = create_async_engine(to_async_url(url))
        try:
            async with engine.connect() as conn:
                return set((await conn.execute(statement)).scalars())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _schema_diffs(url: str) -> list[Any]:
    async def run() -> list[Any]:
        engine = create_async_engine(to_async_url(url))
        try:
            async with engine.connect() as conn:

                def compare(sync_conn):  # type: ignore[no-untyped-def]
                    context = MigrationContext.configure(
                        sync_conn,
                        opts={
                            "compare_type": True,
                            "compare_server_default": True,
                            # the job engine's tables are checked against its own declaration
                            "include_object": lambda obj, name, type_, reflected, compare_to: not (
                                type_ == "table" and name in ENGINE_TABLES
                            ),
                        },
                    )
                    return compare_metadata(context, Base.metadata)

                return await conn.run_sync(compare)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _revisions(url: str) -> list[str]:
    """Revision ids from base to head."""
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


MODEL_TABLES = set(Base.metadata.tables) | ENGINE_TABLES


def test_upgrade_downgrade_upgrade(scratch_database):
    url = scratch_database()
    migrate.upgrade(url)
    assert _query(url, _TABLES) == MODEL_TABLES | {"alembic_version"}

    migrate.downgrade(url, "base")
    assert _query(url, _TABLES) == {"alembic_version"}
    leftovers = _query(url, _OWN_OBJECTS) - {"relation:alembic_version", "relation:alembic_version_pkc"}
    assert leftovers == set(), f"downgrade base left objects behind: {sorted(leftovers)}"

    migrate.upgrade(url)
    assert _query(url, _TABLES) == MODEL_TABLES | {"alembic_version"}
    assert _schema_diffs(url) == [], "app/db/models.py and the migrations differ; write a migration"


def test_every_revision_downgrades_and_upgrades_again(scratch_database):
    """The stairway: each migration's downgrade undoes exactly its upgrade."""
    url = scratch_database()
    revisions = _revisions(url)
    assert revisions, "no migrations found"
    previous = "base"
    for revision in revisions:
        migrate.upgrade(url, revision)
        after_upgrade = _query(url, _OWN_OBJECTS)
        migrate.downgrade(url, previous)
        migrate.upgrade(url, revision)
        assert _query(url, _OWN_OBJECTS) == after_upgrade, f"revision {revision} is not reversible"
        previous = revision


def test_single_head(scratch_database):
    url = scratch_database()
    script = ScriptDirectory.from_config(migrate.alembic_config(url))
    assert len(script.get_heads()) == 1, f"several alembic heads: {script.get_heads()}"


def test_compare_metadata_detects_drift(scratch_database):
    """The drift check above can fail: an extra column in the database is reported."""
    url = scratch_database()
    migrate.upgrade(url)

    async def alter() -> None:
        engine = create_async_engine(to_async_url(url))
        try:
            async with engine.begin() as conn:
                await conn.execute(text("ALTER TABLE org_unit ADD COLUMN stray integer"))
        finally:
            await engine.dispose()

    asyncio.run(alter())
    removed = [(d[2], d[3].name) for d in _schema_diffs(url) if isinstance(d, tuple) and d[0] == "remove_column"]
    assert removed == [("org_unit", "stray")]
