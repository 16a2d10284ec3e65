"""The coalescer of the delivery jobs (app/jobs/batching.py): jobs that run at the same
moment share one call, and each still ends on its own."""

from __future__ import annotations

import asyncio

import pytest

from app.jobs.batching import Coalescer, each_alone


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
