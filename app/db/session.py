"""Engine and session factory. One transaction per request: app/api/routing.py opens it,
commits on success and rolls back on any exception; nothing else calls commit()."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.settings import to_async_url


class Database:
    def __init__(self, engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> Database:
        engine = create_async_engine(
            to_async_url(url),
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=False,
            pool_recycle=1800,
            connect_args={"server_settings": {"application_name": "anquan", "timezone": "UTC"}},
        )
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False, autoflush=False))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncSession]:
        """A separate short transaction, for counters that must survive the request's
        rollback (a failed login is counted even though the request answers 401)."""
        async with self.transaction() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
