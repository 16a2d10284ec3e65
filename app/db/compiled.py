"""SQLAlchemy statements run on a plain asyncpg connection (the hot read paths and the CSV
export's COPY): the statement is compiled for asyncpg's `$n` placeholders, and its
positional arguments are taken, by bind name, from the values of the call.

Statements whose every bind parameter is named (`bindparam("name", value)`) can be
compiled once per shape and cached (`StatementCache`): a later call with other values
reuses the SQL text, so the hot paths pay the compiler only the first time. A bind the
call gives no value for is an error, never a stale value from the first compile."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.dialects.postgresql.asyncpg import dialect as AsyncpgDialect
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.sql import Executable

_ASYNCPG = AsyncpgDialect()
_TEXT = PGDialect(paramstyle="named")
# text() reads `:name::TYPE` as no bind at all: casts of binds are written CAST(:name AS TYPE)
_BIND_CAST = re.compile(r"(?<![:\w]):(\w+)::([A-Za-z_][\w ]*(?:\[\])?)")


@dataclass(frozen=True)
class Compiled:
    """A statement's SQL text for asyncpg and the bind names of its `$1`, `$2`, …"""

    sql: str
    names: tuple[str, ...]
    defaults: Mapping[str, Any]

    def args(self, values: Mapping[str, Any] | None = None) -> list[Any]:
        """The positional arguments: `values` by name; without `values`, the statement's own."""
        source = self.defaults if values is None else values
        try:
            return [source[name] for name in self.names]
        except KeyError as exc:
            raise KeyError(f"no value for the bind parameter {exc.args[0]!r} of a compiled statement") from None


def compile_for_asyncpg(stmt: Executable) -> Compiled:
    compiled = stmt.compile(dialect=_ASYNCPG, compile_kwargs={"render_postcompile": True})
    return Compiled(str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))


class StatementCache:
    """Compiled statements by shape (which clauses a call has, not their values)."""

    def __init__(self, maxsize: int = 512) -> None:
        self._compiled: dict[Hashable, Compiled] = {}
        self._maxsize = maxsize

    def get(self, shape: Hashable, build: Callable[[], Executable]) -> Compiled:
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = compile_for_asyncpg(build())
            if len(self._compiled) >= self._maxsize:
                self._compiled.clear()
            self._compiled[shape] = compiled
        return compiled


def clause_text(clause: ColumnElement[Any], params: dict[str, Any]) -> str:
    """A condition as SQL text with `:name` binds for `text()` statements; its values go into
    `params`. The hand-written statements derive their conditions from the same builders
    as the ORM ones this way."""
    compiled = clause.compile(dialect=_TEXT, compile_kwargs={"render_postcompile": True})
    for name, value in compiled.params.items():
        if name in params and params[name] != value:
            raise ValueError(f"the bind parameter {name!r} is given two values")
        params[name] = value
    return _BIND_CAST.sub(r"CAST(:\1 AS \2)", str(compiled))
