"""What a database outage looks like from here, in one place: the errors that say the
database cannot be reached or a connection to it died (as opposed to a statement that
failed). The HTTP layer answers them with 503 and Retry-After (app/api/errors.py)."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc


class Unreachable(Exception):
    """A connection to the database could not be opened: refused, no such host or socket,
    timed out, or the server is starting, stopping or full."""


# Raised by a connection attempt; any of them means the database cannot be reached now.
CONNECT_ERRORS = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError,
                  asyncpg.TooManyConnectionsError, asyncpg.InterfaceError)

# Raised on an open connection: the server went away under it.
# InternalClientError: the server dropped the connection in the middle of a statement and
# left its protocol in a state no statement can follow ("cannot switch to state ...").
_LOST = (asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError, asyncpg.CrashShutdownError,
         asyncpg.CannotConnectNowError, ConnectionResetError, BrokenPipeError, asyncpg.InternalClientError)


def connection_lost(exc: BaseException) -> bool:
    """The error is the connection's death (the statement never ran to completion)."""
    if isinstance(exc, _LOST):
        return True
    return isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc)


def is_outage(exc: BaseException) -> bool:
    """True when `exc`, or what it wraps, says the database is unreachable or a
    connection died; False for a statement's own failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, Unreachable) or connection_lost(current):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa_exc.TimeoutError):  # no pooled connection came free in time
            return True
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
    return False
