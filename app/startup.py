"""What the command line and the server say when they cannot start: one plain line per
problem, naming the environment variable to change, never a secret value and never a
traceback. Both exit with status 2 (EXIT_ENVIRONMENT) after such a line."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import asyncpg
from pydantic import ValidationError
from pydantic_settings import SettingsError

from app.settings import Settings, env_name, to_plain_url

EXIT_ENVIRONMENT = 2
CONNECT_TIMEOUT_SECONDS = 10.0


class StartupError(Exception):
    """A problem of the environment (configuration, database), told in plain words."""

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)


# --- settings ------------------------------------------------------------------------------


def describe_settings_error(exc: ValidationError | SettingsError) -> list[str]:
    """One line per rejected setting, named by its environment variable; the value that was
    rejected is never repeated (it may be a secret)."""
    if isinstance(exc, SettingsError):  # a JSON value that does not parse
        field = str(exc).split('"')[1] if str(exc).count('"') >= 2 else ""
        reason = f": {exc.__cause__}" if exc.__cause__ is not None else ""
        return [f"{env_name(field) if field else 'a setting'} is not valid JSON{reason}"]
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        message = error["msg"].removeprefix("Value error, ")
        loc = [str(part) for part in error["loc"]]
        if not loc:  # a rule over several settings: its message names them
            lines.append(message)
            continue
        field = "database_url" if loc[0].endswith("DATABASE_URL") else loc[0]  # an alias of the field
        name = env_name(field)
        where = name + "".join(f"[{part!r}]" for part in loc[1:])
        lines.append(f"{where}: {message}")
    return lines


def load_settings() -> Settings:
    """The settings, or a StartupError that names each variable to fix."""
    from app.settings import get_settings

    try:
        return get_settings()
    except (ValidationError, SettingsError) as exc:
        raise StartupError(*(f"invalid configuration: {line}" for line in describe_settings_error(exc))) from None


# --- the database --------------------------------------------------------------------------


def mask_url(url: str) -> str:
    """The URL with its password (in the user part or the query) replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = "&".join(
        f"{key}={'***' if key.lower() == 'password' else value}"
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def endpoint(url: str) -> str:
    """Where the URL points: 'host db.example, port 5432' or 'socket /run/pg/.s.PGSQL.5432'."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    host = query.get("host") or parts.hostname or "localhost"
    try:
        port = query.get("port") or parts.port or 5432
    except ValueError:
        port = "?"
    if host.startswith("/"):
        return f"socket {host.rstrip('/')}/.s.PGSQL.{port}"
    return f"host {host}, port {port}"


@dataclass(frozen=True)
class Target:
    """The database a command works on, and how to name it in a message."""

    url: str
    embedded: bool = False

    def describe(self) -> str:
        if self.embedded:
            return f"the embedded PostgreSQL ({endpoint(self.url)}; DATABASE_URL is not set)"
        return f"the database of DATABASE_URL={mask_url(self.url)} ({endpoint(self.url)})"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([getattr(current, "orig", None), current.__cause__, current.__context__])


_CONNECTION_ERRORS = (
    ConnectionError,
    socket.gaierror,
    TimeoutError,
    ssl.SSLError,
    asyncpg.InvalidAuthorizationSpecificationError,  # unknown role, wrong password, pg_hba
    asyncpg.InvalidCatalogNameError,  # no such database
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.TooManyConnectionsError,
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,  # the connection was closed under us
)


def connection_problem(exc: BaseException) -> str | None:
    """Why the database could not be reached, in a few words, when that is what `exc` (or
    what caused it) says; None for every other error."""
    for current in _chain(exc):
        if isinstance(current, socket.gaierror):
            return f"unknown host ({current.strerror or current})"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused: is PostgreSQL running there?"
        if isinstance(current, (TimeoutError, asyncio.TimeoutError)):
            return f"no answer within {CONNECT_TIMEOUT_SECONDS:.0f} s"
        if isinstance(current, FileNotFoundError) and current.filename is None:
            return "no server socket there: is PostgreSQL running?"
        if isinstance(current, _CONNECTION_ERRORS):
            return str(current).splitlines()[0] if str(current) else type(current).__name__
    return None


async def _probe(url: str, *, need_schema: bool) -> bool:
    conn = await asyncpg.connect(to_plain_url(url), timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        return not need_schema or await conn.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
    finally:
        await conn.close()


def check_database(target: Target, *, need_schema: bool = False) -> None:
    """Connect once (bounded wait) and raise a StartupError saying what to do when that
    fails, or, with need_schema, when the migrations were never applied."""
    try:
        migrated = asyncio.run(_probe(target.url, need_schema=need_schema))
    except Exception as exc:  # noqa: BLE001 - every failure to connect is told in one line
        reason = connection_problem(exc) or str(exc).splitlines()[0]
        raise StartupError(f"cannot connect to {target.describe()}: {reason}") from None
    if not migrated:
        raise StartupError(f"{target.describe()} has no schema yet: apply the migrations with ./scripts/cli migrate (python -m app.cli migrate in the image)")


def lost_database(target: Target, exc: BaseException) -> StartupError | None:
    """A StartupError for an error raised while a command ran, when it was the connection."""
    reason = connection_problem(exc)
    return StartupError(f"lost the connection to {target.describe()}: {reason}") if reason else None
