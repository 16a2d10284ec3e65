"""One transaction per request.

`TransactionalRoute` opens the request's unit of work (app/db/unit_of_work.py) before the
endpoint's dependencies run. After the endpoint has produced its response (already
serialized) it stores the idempotency record, adds the request's facts to the audit
entries the services queued, and commits: change, events, audit rows and idempotency
record in one transaction. Any exception rolls everything back, so a request never
half-writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.api import idempotency
from app.api.deps import client_address, open_unit_of_work
from app.api.errors import outage
from app.db.outage import is_outage
from app.db.unit_of_work import RequestFacts

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _unless_outage(step: Awaitable[None], *, after_outage: bool = False) -> None:
    """Cleaning up after a connection died fails the same way: that is no news. After an
    outage, whatever the cleanup of a broken connection raises (asyncpg's protocol state
    errors included) must not mask the 503 the request has earned."""
    try:
        await step
    except Exception as exc:
        if not (after_outage or is_outage(exc)):
            raise


class TransactionalRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        action = self.name  # the audit action of a write no service described (token grants)

        async def transactional_handler(request: Request) -> Response:
            state = request.state
            writes = request.method not in READ_METHODS
            down = False
            if writes:
                open_unit_of_work(request)  # writes always run the commit tail
            try:
                response = await handler(request)
                uow = getattr(state, "uow", None)
                if uow is not None:
                    if response.status_code >= 400:  # an endpoint that answers an error itself writes nothing
                        await uow.rollback()
                        return response
                    if writes:
                        await idempotency.store_first_answer(uow.session, request, response)
                        # Every successful write leaves its audit row, described by the
                        # services; the request adds where it came from.
                        if not uow.audited:
                            uow.audit(action, actor=getattr(state, "principal", None))
                        uow.request = RequestFacts(
                            request_id=request.scope.get("state", {}).get("request_id"),
                            method=request.method,
                            path=request.url.path,
                            client_address=client_address(request),
                            status_code=response.status_code,
                        )
                    await uow.commit()
                return response
            except BaseException as exc:
                down = isinstance(exc, Exception) and is_outage(exc)
                uow = getattr(state, "uow", None)
                if uow is not None:
                    await _unless_outage(uow.rollback(), after_outage=down)
                if down:
                    raise outage(request, exc) from exc  # 503 with Retry-After, never 500
                raise
            finally:
                uow = getattr(state, "uow", None)
                if uow is not None:
                    await _unless_outage(uow.close(), after_outage=down)
                reader = getattr(state, "reader", None)
                if reader is not None:
                    state.reader = None
                    await _unless_outage(request.app.state.db.release_reader(reader), after_outage=down)

        return transactional_handler
