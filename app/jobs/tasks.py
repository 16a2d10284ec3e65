"""The task and schedule definitions: each opens a unit of work and calls a service."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from app.db.unit_of_work import unit_of_work
from app.jobs.registry import JobEnv, task
from app.jobs.schedules import schedule
from app.services import escalation_proposals, reminders


@task(reminders.DELIVER_TASK)
async def deliver_reminder(env: JobEnv, payload: dict[str, Any]) -> None:
    async with unit_of_work(env.db, env.settings.audit_keys, clock=env.clock) as uow:
        await reminders.deliver(uow, uuid.UUID(payload["reminder_id"]), env.clock())


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
