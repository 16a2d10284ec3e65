"""Jobs of one task that a worker runs at the same moment, done together.

PgQueuer hands a worker its jobs a batch at a time (`batch_size`), each as a task of its own.
When 10,000 reminders fall due at once, each job's unit of work would spend most of its time
on its own round trips (BEGIN, the engine's INSERT, COMMIT). A `Coalescer` lets those jobs
share one call instead: the first job to arrive waits `window` seconds (or until `max_size`
have come), then `run_many` handles all their keys and says, for each, whether it failed.
Each job still ends on its own: a job whose key failed raises that error, so the engine
retries (or holds) that job alone; the others are done. Nothing is kept outside the jobs: a
worker that dies mid-way leaves its picked jobs to another worker, as before."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from app.jobs.registry import JobEnv

K = TypeVar("K", bound=Hashable)

RunMany = Callable[[list[K]], Awaitable[dict[K, BaseException | None]]]


class Coalescer(Generic[K]):
    def __init__(self, run_many: RunMany[K], *, max_size: int = 50, window: float = 0.005) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        self._run_many = run_many
        self.max_size = max_size
        self.window = window
        self._pending: list[tuple[K, asyncio.Future[None]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, key: K) -> None:
        """Done when `key` has been handled; raises what handling it raised."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((key, done))
        if len(self._pending) >= self.max_size:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.window, self._flush)
        # the group's call goes on if this job is cancelled (the worker stops): its outcome
        # is then decided by the database, as for any interrupted job
        await asyncio.shield(done)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        group, self._pending = self._pending, []
        if group:
            task = asyncio.get_running_loop().create_task(self._run(group))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, group: list[tuple[K, asyncio.Future[None]]]) -> None:
        keys = list(dict.fromkeys(key for key, _ in group))
        try:
            outcome = await self._run_many(keys)
        except BaseException as exc:  # noqa: BLE001 - every job of the group gets it
            for _, done in group:
                if not done.done():
                    done.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for key, done in group:
            if done.done():
                continue
            error = outcome.get(key)
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)


async def each_alone(keys: list[K], run_one: Callable[[K], Awaitable[object]]) -> dict[K, BaseException | None]:
    """The fallback of a group that failed as a whole: each key in a call of its own, so
    one that keeps failing holds up nobody else."""
    outcome: dict[K, BaseException | None] = {}
    for key in keys:
        try:
            await run_one(key)
        except Exception as exc:  # noqa: BLE001 - that key's job raises it
            outcome[key] = exc
        else:
            outcome[key] = None
    return outcome


def coalescer(env: JobEnv, name: str, run_many: RunMany[K], **kw: float) -> Coalescer[K]:
    """The worker's coalescer for the task `name` (made on first use)."""
    found = env.coalescers.get(name)
    if found is None:
        found = env.coalescers[name] = Coalescer(run_many, **kw)  # type: ignore[arg-type]
    return found  # type: ignore[no-any-return]
