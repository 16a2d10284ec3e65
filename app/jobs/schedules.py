"""The schedules: cron expressions read in Asia/Shanghai (the street's business day), each
running one use case. PgQueuer keeps one row per schedule and lets one worker at a time
run it; what a run creates is unique in the database anyway (R2, R3), so a run repeated by
hand (`python -m app.cli run-scheduled NAME`) creates nothing twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from croniter import croniter

from app.domain.calendar import SHANGHAI
from app.jobs.registry import JobEnv

ScheduleFn = Callable[[JobEnv, datetime], Awaitable[str]]


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str  # minute hour day month weekday, Asia/Shanghai
    fn: ScheduleFn
    description: str


SCHEDULES: dict[str, Schedule] = {}


def schedule(name: str, cron: str, description: str) -> Callable[[ScheduleFn], ScheduleFn]:
    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression {cron!r}")

    def register(fn: ScheduleFn) -> ScheduleFn:
        if name in SCHEDULES:
            raise RuntimeError(f"schedule {name!r} is registered twice")
        SCHEDULES[name] = Schedule(name, cron, fn, description)
        return fn

    return register


def next_fire(cron: str, after: datetime) -> datetime:
    """The first instant after `after` (aware) at which `cron`, read in Asia/Shanghai, fires;
    in UTC."""
    if after.tzinfo is None:
        raise ValueError("need an aware datetime")
    local = after.astimezone(SHANGHAI)
    return croniter(cron, start_time=local).get_next(datetime).astimezone(timezone.utc)
