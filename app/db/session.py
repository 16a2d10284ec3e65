"""Engine and session factory. One transaction per request: app/api/routing.py opens it,
commits on success and rolls back on any exception; nothing else calls commit()."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import asyncpg
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.settings import to_async_url, to_plain_url


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
            async_sessionmaker(side_engine, expire_on_commit=False, autoflush=False) if side_engine else sessionmaker
        )
        self._raw_url = raw_url
        self._raw_pool_size = raw_pool_size
        self._raw_pool: asyncpg.Pool | None = None
        self._bound = bound  # tests: every read goes through the test's own connection
        self._pool_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> Database:
        engine = create_async_engine(
            to_async_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=False,
            pool_recycle=1800,
            # JIT compiles for hundreds of milliseconds on queries that then run in ten.
            connect_args={"server_settings": {"application_name": "anquan", "timezone": "UTC", "jit": "off"}},
        )
        side = create_async_engine(
            to_async_url(url),
            pool_size=2,
            max_overflow=2,
            pool_recycle=1800,
            connect_args={"server_settings": {"application_name": "anquan-side", "timezone": "UTC", "jit": "off"}},
        )
        return cls(
            engine,
            async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
            raw_url=to_plain_url(url),
            raw_pool_size=pool_size,
            side_engine=side,
        )

    @classmethod
    def bound_to(cls, connection: AsyncConnection) -> Database:
        """Every session and every raw read inside `connection`'s transaction (savepoints)."""
        maker = async_sessionmaker(
            bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="create_savepoint"
        )
        return cls(connection.engine, maker, bound=connection)

    @property
    def is_bound(self) -> bool:
        return self._bound is not None

    async def acquire_reader(self) -> asyncpg.Connection:
        """A plain asyncpg connection for read-only statements in autocommit; give it back
        with release_reader."""
        if self._bound is not None:
            return (await self._bound.get_raw_connection()).driver_connection  # type: ignore[return-value]
        return await (await self._pool()).acquire()

    async def release_reader(self, conn: asyncpg.Connection) -> None:
        if self._bound is None and self._raw_pool is not None:
            await self._raw_pool.release(conn)

    async def _pool(self) -> asyncpg.Pool:
        if self._raw_pool is not None:
            return self._raw_pool
        async with self._pool_lock:  # the first requests of a worker arrive together
            if self._raw_pool is None:
                self._raw_pool = await asyncpg.create_pool(
                    self._raw_url,
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
