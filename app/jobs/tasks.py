"""The task and schedule definitions: each opens a unit of work and calls a service."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from app.db.unit_of_work import unit_of_work
from app.jobs.batching import coalescer, each_alone
from app.jobs.registry import JobEnv, task
from app.jobs.schedules import schedule
from app.services import escalation_proposals, reminders

log = logging.getLogger("anquan.jobs")


@task(reminders.DELIVER_TASK, together=True)
async def deliver_reminder(env: JobEnv, payload: dict[str, Any]) -> None:
    """One reminder; the worker's jobs of this task that run at the same moment share one
    unit of work (app/jobs/batching.py), each reminder still locked, checked and sent once."""
    await coalescer(env, reminders.DELIVER_TASK, lambda ids: _deliver_reminders(env, ids)).submit(
        uuid.UUID(payload["reminder_id"]))


async def _deliver_reminders(env: JobEnv, ids: list[uuid.UUID]) -> dict[uuid.UUID, BaseException | None]:
    async def alone(reminder_id: uuid.UUID) -> None:
        async with unit_of_work(env.db, env.settings.audit_keys, clock=env.clock) as uow:
            await reminders.deliver(uow, reminder_id, env.clock())

    if len(ids) == 1:
        return await each_alone(ids, alone)
    try:
        async with unit_of_work(env.db, env.settings.audit_keys, clock=env.clock) as uow:
            await reminders.deliver_many(uow, ids, env.clock())
    except Exception:
        log.warning("%d reminders together failed; each is tried alone", len(ids), exc_info=True)
        return await each_alone(ids, alone)
    return {}


@schedule("reminders", "0 9 * * *", "R1: hazard and supervision-task reminders due today, sent at 09:00")
async def scan_reminders(env: JobEnv, now: datetime) -> str:
    async with unit_of_work(env.db, env.settings.audit_keys, clock=env.clock) as uow:
        return str(await reminders.scan(uow, now))


@schedule("target-digest", "0 9 * * 1", "R1: the weekly T1–T3 digest for the street admins, Mondays at 09:00")
async def scan_target_digest(env: JobEnv, now: datetime) -> str:
    async with unit_of_work(env.db, env.settings.audit_keys, clock=env.clock) as uow:
        return str(await reminders.scan_digest(uow, now))


@schedule("escalation-proposals", "30 8 * * *", "R3: escalation proposals for overdue major hazards, daily at 08:30")
async def scan_escalation_proposals(env: JobEnv, now: datetime) -> str:
    async with unit_of_work(env.db, env.settings.audit_keys, clock=env.clock) as uow:
        return str(await escalation_proposals.scan(uow, now, env.settings.thresholds))


from app.jobs import delivery_tasks  # noqa: E402,F401  (notifications and webhooks)
from app.jobs import import_tasks  # noqa: E402,F401  (ledger imports)
