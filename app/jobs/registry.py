"""The task registry: a name, the async function that does the work, and how often it is
tried before it ends `failed`. A task is three lines: open a unit of work, call a service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from app.channels import Channel
from app.db.session import Database
from app.settings import Settings


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class JobEnv:
    """What a task runs with: the database, the settings and the clock (injected, so tests
    move time instead of waiting), and the outbound channels, which a worker builds once
    around one HTTP client of its own (None: built from the settings for each send)."""

    db: Database
    settings: Settings
    clock: Callable[[], datetime] = field(default=utc_now)
    channels: Mapping[str, Channel] | None = None
    # the tasks' coalescers (app/jobs/batching.py), one set per worker
    coalescers: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


TaskFn = Callable[[JobEnv, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Task:
    name: str
    fn: TaskFn
    max_attempts: int = 5
    concurrency_limit: int = 0  # 0: as many at once as the worker runs
    # its jobs run at the same moment share one call (app/jobs/batching.py), so many of them
    # hold one database connection; the others run at most ALONE_AT_ONCE at a time per worker
    together: bool = False


TASKS: dict[str, Task] = {}


def task(name: str, *, max_attempts: int = 5, concurrency_limit: int = 0,
         together: bool = False) -> Callable[[TaskFn], TaskFn]:
    """Registers `fn` as the task `name` (the name `UnitOfWork.enqueue` takes), tried at
    most `max_attempts` times (with growing delays) before it ends `failed`; `together`:
    its jobs coalesce (see Task)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def register(fn: TaskFn) -> TaskFn:
        if name in TASKS:
            raise RuntimeError(f"task {name!r} is registered twice")
        TASKS[name] = Task(name, fn, max_attempts=max_attempts, concurrency_limit=concurrency_limit,
                           together=together)
        return fn

    return register
