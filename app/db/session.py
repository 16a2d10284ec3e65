"""Engines, pools and the session factory. One transaction per request: app/api/routing.py
opens it, commits on success and rolls back on any exception.

Outages: a connection that cannot be opened raises `Unreachable` (app/db/outage.py). A
pooled connection found dead is replaced before use when its death is already known (no
round trip spent checking), and otherwise the first statement of a transaction that fails
because its connection died is retried once on a fresh one: nothing was written yet, and
the server rolled back whatever had begun. Reads of the plain pool are retried likewise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.db.outage import CONNECT_ERRORS, Unreachable, connection_lost
from app.settings import to_async_url, to_plain_url

T = TypeVar("T")


class Session(AsyncSession):
    """An AsyncSession whose first statement is retried once on a fresh connection when
    the pooled one turns out dead (nothing written yet: safe)."""

    def _fresh(self) -> bool:
        sync = self.sync_session
        transaction = sync.get_transaction()
        untouched = transaction is None or not transaction._connections  # no connection taken yet
        return untouched and not (sync.new or sync.dirty or sync.deleted)

    async def _retrying(self, run: Callable[[], Awaitable[T]]) -> T:
        if not self._fresh():
            return await run()
        try:
            return await run()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            await self.rollback()  # gives the dead connection back; the next statement takes another
            return await run()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._retrying(lambda: super(Session, self).execute(*args, **kwargs))

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._retrying(lambda: super(Session, self).scalar(*args, **kwargs))

    async def get(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._retrying(lambda: super(Session, self).get(*args, **kwargs))


def _sessionmaker(bind: Any = None, **kw: Any) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind, class_=Session, expire_on_commit=False, autoflush=False, **kw)


def _creator(plain_url: str, server_settings: dict[str, str]) -> Callable[[], Awaitable[asyncpg.Connection]]:
    async def connect() -> asyncpg.Connection:
        try:
            return await asyncpg.connect(plain_url, server_settings=server_settings)
        except CONNECT_ERRORS as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc

    return connect


def _engine(url: str, server_settings: dict[str, str], **kw: Any) -> AsyncEngine:
    engine = create_async_engine(to_async_url(url), async_creator=_creator(to_plain_url(url), server_settings), **kw)

    @event.listens_for(engine.sync_engine, "checkout")
    def _discard_dead(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # A connection whose server went away while it sat in the pool (the event loop
        # has seen its socket close): the pool replaces it. No round trip spent.
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the pooled connection is closed")

    return engine


def _unusable(conn: asyncpg.Connection) -> bool:
    """Closed, or no longer this request's (a proxy the pool has taken back)."""
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:
        return True


def _terminate(conn: asyncpg.Connection) -> None:
    """Close a broken connection at once, so that the pool replaces it instead of handing
    it to the next request in the state it was left in."""
    try:
        conn.terminate()
    except asyncpg.InterfaceError:  # already given back: the pool checks it on release
        pass


class ReadConnection:
    """The plain asyncpg connection of a request's reads. Reads are autocommit SELECTs, so
    one that fails because the connection died is run again, once, on a fresh one."""

    __slots__ = ("_db", "conn", "_retried")

    def __init__(self, db: Database, conn: asyncpg.Connection) -> None:
        self._db = db
        self.conn = conn
        self._retried = False

    async def _run(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return await getattr(self.conn, name)(*args, **kwargs)
        except Exception as exc:
            if self._retried or not (connection_lost(exc) or _unusable(self.conn)):
                raise
            self._retried = True
            dead = self.conn
            _terminate(dead)
            self.conn = await self._db._acquire_raw()
            await self._db._release_raw(dead)
            return await getattr(self.conn, name)(*args, **kwargs)

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        return await self._run("fetch", args, kwargs)

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        return await self._run("fetchrow", args, kwargs)

    async def fetchval(self, *args: Any, **kwargs: Any) -> Any:
        return await self._run("fetchval", args, kwargs)

    def __getattr__(self, name: str) -> Any:  # anything else goes to the connection as is
        return getattr(self.conn, name)


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Readers only SELECT (no SET, LISTEN or locks): nothing to reset between uses, which
    saves asyncpg's reset round trip on every release."""


@asynccontextmanager
async def _committed(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with maker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def _raw_connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(*args, **kwargs)
    except CONNECT_ERRORS as exc:
        raise Unreachable(f"{type(exc).__name__}: {exc}") from exc


class Database:
    """The engine for ORM work, plus a plain asyncpg pool for hot reads: a by-id read or a
    list page is one or two prepared statements outside any explicit transaction (no
    BEGIN/COMMIT round trips, no ORM overhead)."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        raw_url: str | None = None,
        raw_pool_size: int = 10,
        bound: AsyncConnection | None = None,
        side_engine: AsyncEngine | None = None,
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker
        # Short side transactions (counters, cache entries) come from a pool of their own:
        # a request may take one while it holds its main connection, and a side transaction
        # never waits for anything else, so the pools cannot deadlock each other.
        self._side_engine = side_engine
        self._side_sessionmaker = (
            _sessionmaker(side_engine) if side_engine else sessionmaker
        )
        self._raw_url = raw_url
        self._raw_pool_size = raw_pool_size
        self._raw_pool: asyncpg.Pool | None = None
        self._bound = bound  # tests: every read goes through the test's own connection
        self._pool_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> Database:
        # JIT compiles for hundreds of milliseconds on queries that then run in ten.
        engine = _engine(
            url, {"application_name": "anquan", "timezone": "UTC", "jit": "off"},
            pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800,
        )
        side = _engine(
            url, {"application_name": "anquan-side", "timezone": "UTC", "jit": "off"},
            pool_size=2, max_overflow=2, pool_recycle=1800,
        )
        return cls(
            engine,
            _sessionmaker(engine),
            raw_url=to_plain_url(url),
            raw_pool_size=pool_size,
            side_engine=side,
        )

    @classmethod
    def bound_to(cls, connection: AsyncConnection) -> Database:
        """Every session and every raw read inside `connection`'s transaction (savepoints)."""
        maker = _sessionmaker(connection, join_transaction_mode="create_savepoint")
        return cls(connection.engine, maker, bound=connection)

    @property
    def raw_url(self) -> str | None:
        """The plain postgresql:// URL (None for a database bound to a test's connection)."""
        return self._raw_url

    @property
    def is_bound(self) -> bool:
        return self._bound is not None

    async def acquire_reader(self) -> asyncpg.Connection:
        """A plain asyncpg connection for read-only statements in autocommit; give it back
        with release_reader."""
        if self._bound is not None:
            return (await self._bound.get_raw_connection()).driver_connection  # type: ignore[return-value]
        return ReadConnection(self, await self._acquire_raw())  # type: ignore[return-value]

    async def release_reader(self, conn: asyncpg.Connection) -> None:
        if self._bound is None:
            await self._release_raw(conn.conn if isinstance(conn, ReadConnection) else conn)

    async def _acquire_raw(self) -> asyncpg.Connection:
        try:
            return await (await self._pool()).acquire()
        except Unreachable:
            raise
        except CONNECT_ERRORS as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc

    async def _release_raw(self, conn: asyncpg.Connection) -> None:
        if self._raw_pool is None:
            return
        try:
            await self._raw_pool.release(conn)
        except CONNECT_ERRORS:  # a dead connection: the pool opens a new one when next needed
            pass
        except asyncpg.InternalClientError:
            # A connection the server dropped in the middle of a statement is left in a
            # protocol state no reset can leave: closed here, and the pool opens a new one
            # when next needed.
            _terminate(conn)

    async def _pool(self) -> asyncpg.Pool:
        if self._raw_pool is not None:
            return self._raw_pool
        async with self._pool_lock:  # the first requests of a worker arrive together
            if self._raw_pool is None:
                self._raw_pool = await asyncpg.create_pool(
                    self._raw_url,
                    connect=_raw_connect,
                    min_size=1,
                    max_size=self._raw_pool_size,
                    reset=_keep_session,
                    server_settings={
                        "application_name": "anquan-read",
                        "timezone": "UTC",
                        "jit": "off",
                        # The hot reads are keyset pages over indexes that match their
                        # filters. Planned for one village's values, the planner believes
                        # the rows are spread evenly along the primary key and walks it
                        # backwards (15x slower for a large village); the generic plan
                        # takes the matching index, and is not re-planned on every call.
                        "plan_cache_mode": "force_generic_plan",
                    },
                )
        return self._raw_pool

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[asyncpg.Connection]:
        """An asyncpg connection for a few read-only statements, in autocommit."""
        conn = await self.acquire_reader()
        try:
            yield conn
        finally:
            await self.release_reader(conn)

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        return _committed(self.sessionmaker)

    def autocommit(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A separate short transaction, for counters that must survive the request's
        rollback (a failed login is counted even though the request answers 401)."""
        return _committed(self._side_sessionmaker)

    async def dispose(self) -> None:
        if self._raw_pool is not None:
            await self._raw_pool.close()
            self._raw_pool = None
        if self._side_engine is not None:
            await self._side_engine.dispose()
        await self.engine.dispose()
