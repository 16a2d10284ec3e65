"""The worker: PgQueuer's queue manager (the tasks of registry.TASKS) and scheduler manager
(schedules.SCHEDULES) on the service's PostgreSQL.

- Each task is retried with exponential backoff up to its `max_attempts`, then held with
  status `failed` and its traceback in the engine's log (`GET /api/v1/jobs?status=failed`).
- A picked job's worker beats every `heartbeat_timeout / 2`; a job whose beat is older than
  `heartbeat_timeout` (its worker was killed or is stuck) is picked again by another worker.
- Schedules fire at their Asia/Shanghai cron times (ShanghaiCron); one worker runs a tick.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import orjson
from pgqueuer import PgQueuer
from pgqueuer.core.executors import (
    DatabaseRetryEntrypointExecutor,
    EntrypointExecutorParameters,
    ScheduleExecutor,
)
from pgqueuer.domain.models import Job, utc_now
from pgqueuer.domain.types import QueueExecutionMode

from app.channels import channels_from_settings
from app.channels.http import shared_client
from app.jobs import tasks as _tasks  # noqa: F401  (registers the tasks and schedules)
from app.jobs.registry import TASKS, JobEnv, Task
from app.jobs.schedules import SCHEDULES, Schedule, next_fire
from app.settings import to_plain_url

log = logging.getLogger("anquan.jobs")


@dataclass
class ShanghaiCron(ScheduleExecutor):
    """PgQueuer reads cron in UTC; the street's schedules are Asia/Shanghai times."""

    def get_next(self) -> datetime:
        return next_fire(self.parameters.expression, utc_now())


# One dequeue picks this many jobs; a worker runs this many at once (see run_worker), of
# which at most ALONE_AT_ONCE of the tasks whose jobs do not coalesce (each holds a database
# connection of its own: the unit-of-work pool's size, ANQUAN_DB_POOL_SIZE + overflow).
BATCH_SIZE = 50
MAX_CONCURRENT_TASKS = 100
ALONE_AT_ONCE = 20


def _retrying(task: Task):  # type: ignore[no-untyped-def]
    def factory(parameters: EntrypointExecutorParameters) -> DatabaseRetryEntrypointExecutor:
        return DatabaseRetryEntrypointExecutor(
            parameters=parameters,
            # PgQueuer counts retries: the last try is the one made with `attempts` retries behind it
            max_attempts=task.max_attempts - 1,
            initial_delay=timedelta(seconds=2),
            max_delay=timedelta(minutes=10),
        )

    return factory


def payload_of(job: Job) -> dict[str, Any]:
    return orjson.loads(job.payload) if job.payload else {}


def build(pool: asyncpg.Pool, env: JobEnv, *, schedules: bool = True) -> PgQueuer:
    """A PgQueuer with every registered task, and the schedules unless told otherwise."""
    pgq = PgQueuer.from_asyncpg_pool(pool)
    alone = asyncio.Semaphore(ALONE_AT_ONCE)

    for task in TASKS.values():
        def bind(task: Task = task):  # type: ignore[no-untyped-def]
            async def run(job: Job) -> None:
                if task.together:
                    await task.fn(env, payload_of(job))
                    return
                async with alone:
                    await task.fn(env, payload_of(job))

            return run

        pgq.entrypoint(
            task.name,
            concurrency_limit=task.concurrency_limit,
            on_failure="hold",
            executor_factory=_retrying(task),
        )(bind())

    if schedules:
        for sched in SCHEDULES.values():
            def bind_schedule(sched: Schedule = sched):  # type: ignore[no-untyped-def]
                async def fire(_: Any) -> None:
                    summary = await sched.fn(env, env.clock())
                    log.info("schedule %s ran: %s", sched.name, summary, extra={"schedule": sched.name})

                return fire

            pgq.schedule(sched.name, sched.cron, executor_factory=ShanghaiCron)(bind_schedule())
    return pgq


async def engine_pool(url: str, *, max_size: int = 4) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        to_plain_url(url), min_size=1, max_size=max_size,
        server_settings={"application_name": "anquan-worker", "timezone": "UTC", "jit": "off"},
    )


async def run_worker(
    env: JobEnv,
    url: str,
    *,
    stop: asyncio.Event | None = None,
    drain: bool = False,
    schedules: bool = True,
    heartbeat_timeout: timedelta = timedelta(seconds=30),
    batch_size: int = BATCH_SIZE,
    max_concurrent_tasks: int | None = MAX_CONCURRENT_TASKS,
) -> None:
    """Runs a worker until `stop` is set (or, with `drain`, until no job is ready).

    It picks up to `batch_size` jobs per dequeue and runs at most `max_concurrent_tasks`
    at once. The delivery jobs among them coalesce (app/jobs/batching.py: those running at
    the same moment share one transaction, so a hundred hold a few connections); the jobs
    of the other tasks each hold a connection, so at most ALONE_AT_ONCE of them run at a
    time. Its sends to the SMS gateway share one HTTP client (kept-alive connections) for
    the worker's lifetime."""
    client = None
    if env.channels is None:
        client = shared_client(timeout=env.settings.channel_timeout_seconds)
        env = dataclasses.replace(env, channels=channels_from_settings(env.settings, client=client))
    pool = await engine_pool(url)
    try:
        pgq = build(pool, env, schedules=schedules and not drain)
        watcher = None
        if stop is not None:
            async def watch() -> None:
                await stop.wait()
                pgq.shutdown.set()

            watcher = asyncio.create_task(watch())
        try:
            if drain:
                await pgq.qm.run(
                    mode=QueueExecutionMode.drain, batch_size=batch_size, dequeue_timeout=timedelta(seconds=1),
                    max_concurrent_tasks=max_concurrent_tasks, heartbeat_timeout=heartbeat_timeout,
                )
            else:
                await pgq.run(
                    batch_size=batch_size, max_concurrent_tasks=max_concurrent_tasks,
                    heartbeat_timeout=heartbeat_timeout, dequeue_timeout=timedelta(seconds=5),
                )
        finally:
            if watcher is not None:
                watcher.cancel()
    finally:
        await pool.close()
        if client is not None:
            await client.aclose()


async def run_scheduled(env: JobEnv, name: str) -> str:
    """Runs the schedule `name` once, now (what an operator does after an outage)."""
    try:
        sched = SCHEDULES[name]
    except KeyError:
        raise KeyError(f"no schedule {name!r}; expected one of: {', '.join(sorted(SCHEDULES))}") from None
    return await sched.fn(env, env.clock())
