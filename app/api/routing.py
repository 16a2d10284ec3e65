"""One transaction per request.

`TransactionalRoute` opens a session before the endpoint's dependencies run, and after
the endpoint has produced its response (already serialized) it runs the commit tail —
idempotency record, change-feed events and audit row, all in the same transaction — and
commits. Any exception rolls everything back, so a request never half-writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

CommitHook = Callable[[AsyncSession, Request, Response], Awaitable[None]]

# Run in order, inside the transaction, after the endpoint succeeded.
COMMIT_HOOKS: list[CommitHook] = []


def register_commit_hook(hook: CommitHook) -> CommitHook:
    COMMIT_HOOKS.append(hook)
    return hook


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()

        async def transactional_handler(request: Request) -> Response:
            db = request.app.state.db
            state = request.state
            if request.method not in READ_METHODS:
                state.session = db.sessionmaker()  # writes always run the commit tail
            try:
                response = await handler(request)
                session = getattr(state, "session", None)
                if session is not None:
                    if response.status_code < 400:
                        for hook in COMMIT_HOOKS:
                            await hook(session, request, response)
                        if db.is_bound:  # tests: no real COMMIT, so fire the sealing triggers now
                            await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
                        await session.commit()
                    else:  # an endpoint that returns an error response itself writes nothing
                        await session.rollback()
                return response
            except BaseException:
                session = getattr(state, "session", None)
                if session is not None:
                    await session.rollback()
                raise
            finally:
                session = getattr(state, "session", None)
                if session is not None:
                    await session.close()
                reader = getattr(state, "reader", None)
                if reader is not None:
                    state.reader = None
                    await db.release_reader(reader)

        return transactional_handler
