"""The coalescer of the delivery jobs (app/jobs/batching.py): jobs that run at the same
moment share one call, and each still ends on its own; the jobs of the other tasks, each
holding a database connection, run at most ALONE_AT_ONCE at a time per worker."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.db.unit_of_work import unit_of_work
from app.jobs.batching import Coalescer, each_alone
from app.jobs.engine import ALONE_AT_ONCE
from app.jobs.registry import JobEnv, task
from tests.conftest import test_settings
from tests.jobs.conftest import drain


async def test_jobs_at_the_same_moment_share_one_call_and_each_gets_its_own_outcome() -> None:
    calls: list[list[int]] = []

    async def run_many(keys: list[int]) -> dict[int, BaseException | None]:
        calls.append(keys)
        return {2: ValueError("two is refused")}

    batch = Coalescer(run_many, max_size=10, window=0.01)
    outcome = await asyncio.gather(*(batch.submit(k) for k in (1, 2, 3)), return_exceptions=True)
    assert calls == [[1, 2, 3]]
    assert outcome[0] is None and outcome[2] is None
    assert isinstance(outcome[1], ValueError) and "two" in str(outcome[1])


async def test_a_group_is_at_most_max_size_and_the_rest_goes_in_the_next() -> None:
    calls: list[list[int]] = []

    async def run_many(keys: list[int]) -> dict[int, BaseException | None]:
        calls.append(keys)
        return {}

    batch = Coalescer(run_many, max_size=2, window=0.01)
    await asyncio.gather(*(batch.submit(k) for k in range(5)))
    assert sorted(len(c) for c in calls) == [1, 2, 2]
    assert sorted(k for c in calls for k in c) == list(range(5))


async def test_a_call_that_fails_as_a_whole_fails_every_job_of_its_group() -> None:
    async def run_many(keys: list[int]) -> dict[int, BaseException | None]:
        raise RuntimeError("database gone")

    batch = Coalescer(run_many, max_size=10, window=0.01)
    outcome = await asyncio.gather(*(batch.submit(k) for k in (1, 2)), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcome)


async def test_each_alone_keeps_one_failing_key_from_holding_up_the_others() -> None:
    done: list[int] = []

    async def one(key: int) -> None:
        if key == 2:
            raise KeyError(key)
        done.append(key)

    outcome = await each_alone([1, 2, 3], one)
    assert done == [1, 3]
    assert outcome[1] is None and outcome[3] is None and isinstance(outcome[2], KeyError)


def test_max_size_must_be_positive() -> None:
    async def run_many(keys: list[int]) -> dict[int, BaseException | None]:
        return {}

    with pytest.raises(ValueError):
        Coalescer(run_many, max_size=0)


_running = {"now": 0, "most": 0}


@task("test.holds_a_connection")
async def _holds_a_connection(env: JobEnv, payload: dict[str, Any]) -> None:
    _running["now"] += 1
    _running["most"] = max(_running["most"], _running["now"])
    try:
        await asyncio.sleep(0.05)
    finally:
        _running["now"] -= 1


async def test_a_worker_runs_at_most_alone_at_once_jobs_of_the_tasks_that_do_not_coalesce(jobs_db, jobs_url) -> None:  # type: ignore[no-untyped-def]
    async with unit_of_work(jobs_db, test_settings().audit_keys) as uow:
        for i in range(ALONE_AT_ONCE + 15):
            uow.enqueue("test.holds_a_connection", {"i": i})
    await drain(jobs_db, jobs_url)
    # the worker runs 100 jobs at once; these each hold a connection of the unit-of-work pool
    assert 1 < _running["most"] <= ALONE_AT_ONCE
