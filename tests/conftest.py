"""Test database: an embedded PostgreSQL, or scratch databases on the server named by
TEST_DATABASE_URL (created and dropped here, never the service's own). Schema comes from
alembic only. Each API test runs inside an outer transaction that is rolled back."""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection

from app.db import migrate
from app.db.session import Database
from app.main import create_app
from app.settings import Settings, to_plain_url

TEST_SECRET = "test-secret-" + "x" * 40
TEST_AUDIT_KEY = "test-audit-key-" + "y" * 40


def test_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "jwt_secret": TEST_SECRET,
        "audit_key": TEST_AUDIT_KEY,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8192,
        # builders write straight to the database, past the audit trail that versions the
        # cache; tests/api/test_analytics_cache.py turns it on
        "analytics_cache": False,
        "data_dir": Path(tempfile.gettempdir()) / "anquan-test-data",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test, wherever imported


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A plain postgresql:// URL of a server we may create databases on."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield to_plain_url(url)
        return
    from app.db.embedded import EmbeddedPostgres

    base = Path(tempfile.mkdtemp(prefix="anquan-pg-"))
    server = EmbeddedPostgres(base / "pgdata")
    try:
        yield server.url()
    finally:
        server.stop()
        import shutil

        shutil.rmtree(base, ignore_errors=True)


async def _admin_async(url: str, sql: str) -> None:
    conn = await asyncpg.connect(to_plain_url(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _admin(url: str, sql: str) -> None:
    """Runs in a thread of its own, so that async fixtures may call it too."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _admin_async(url, sql)).result()


@pytest.fixture(scope="session")
def scratch_database(pg_server: str) -> Iterator[str]:
    """Creates a scratch database for a test, dropped afterwards (used by migration tests too)."""
    created: list[str] = []

    def make() -> str:
        name = f"anquan_test_{secrets.token_hex(6)}"
        _admin(pg_server, f'CREATE DATABASE "{name}"')
        created.append(name)
        return _with_database(pg_server, name)

    yield make  # type: ignore[misc]
    for name in created:
        _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(scratch_database) -> str:  # type: ignore[no-untyped-def]
    url = scratch_database()
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
async def engine_db(database_url: str) -> AsyncIterator[Database]:
    db = Database.from_url(database_url, pool_size=5, max_overflow=5)
    from app.db.reference import ensure_reference_data

    async with db.transaction() as session:
        await ensure_reference_data(session)
    yield db
    await db.dispose()


class Clock:
    """A settable clock: tests move business time explicitly."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, iso: str) -> None:
        self.now = datetime.fromisoformat(iso).astimezone(timezone.utc)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc))  # 10:00 in Shanghai


@pytest.fixture
async def conn(engine_db: Database) -> AsyncIterator[AsyncConnection]:
    async with engine_db.engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def db(conn: AsyncConnection, engine_db: Database) -> Database:
    """A Database whose every 'transaction' is a savepoint inside the test's outer one."""
    return Database.bound_to(conn)


@pytest.fixture
async def session(db: Database):  # type: ignore[no-untyped-def]
    async with db.sessionmaker() as s:
        yield s


@pytest.fixture
def settings() -> Settings:
    return test_settings()


def _revealed(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: _revealed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_revealed(v) for v in value]
    return value


def _settings_key(settings: Settings) -> str:
    return repr(sorted((name, _revealed(getattr(settings, name))) for name in type(settings).model_fields))


_APPS: dict[str, Any] = {}


@pytest.fixture
def app(db: Database, settings: Settings, clock: Clock):  # type: ignore[no-untyped-def]
    """The app of `settings`, made once for equal settings and given this test's database
    and clock. FastAPI builds an included route's dependencies on an app's first request
    that passes it (~15 ms a route); a new app per test paid that again in every test."""
    from app.services.auth import AuthService

    key = _settings_key(settings)
    made = _APPS.get(key)
    if made is None:
        made = _APPS[key] = create_app(settings, database=db, clock=clock)
    # everything create_app derives from the database and the clock, anew; the rest
    # derives from the settings, which are equal
    made.state.settings = settings
    made.state.db = db
    made.state.clock = clock
    made.state.auth = AuthService(db, settings, made.state.passwords, made.state.tokens)
    return made


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def world(session, app):  # type: ignore[no-untyped-def]
    from tests.factories import World

    return World(session, app)


class LiveWorld:
    """For tests that need real, separate transactions (concurrency): a database of its
    own, committed data, the app on a real connection pool."""

    def __init__(self, db: Database, app) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.app = app

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=("203.0.113.9", 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def build(self, fn):  # type: ignore[no-untyped-def]
        """Run `fn(world)` with a World whose session is committed at the end."""
        from tests.factories import World

        async with self.db.transaction() as session:
            return await fn(World(session, self.app))


@pytest.fixture(scope="module")
async def live(scratch_database) -> AsyncIterator[LiveWorld]:  # type: ignore[no-untyped-def]
    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=10, max_overflow=5)
    from app.db.reference import ensure_reference_data

    async with db.transaction() as session:
        await ensure_reference_data(session)
    app = create_app(test_settings(), database=db, clock=Clock(datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc)))
    yield LiveWorld(db, app)
    await db.dispose()


SCHEMATHESIS_SUITE = "test_schemathesis.py"


@pytest.fixture(scope="session")
def background_schemathesis_runs(scratch_database, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The schemathesis runs of tests/contract/test_schemathesis.py: the CLI in subprocesses,
    each against a server of its own (tests/contract/fuzz.py). They take minutes, so they
    start with the session (_start_background_runs) and work while the rest of the suite does."""
    import json

    from tests.contract.conftest import COMMITTED
    from tests.contract.fuzz import start_runs, stop_runs

    contract = json.loads(COMMITTED.read_text(encoding="utf-8"))
    runs = start_runs(scratch_database, contract, lambda name: tmp_path_factory.mktemp(name))
    try:
        yield runs
    finally:
        stop_runs(runs)


@pytest.fixture(scope="session", autouse=True)
def _start_background_runs(request):  # type: ignore[no-untyped-def]
    """Starts the schemathesis runs at the first test when their suite is selected and not skipped."""
    selected = any(
        item.path.name == SCHEMATHESIS_SUITE and item.get_closest_marker("skip") is None
        for item in request.session.items
    )
    if selected:
        request.getfixturevalue("background_schemathesis_runs")
