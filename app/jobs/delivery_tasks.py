"""The delivery jobs (R4–R6): a notification on an outbound channel is enqueued by
notify() with the write that causes it (R7) and sent at once; the `deliveries` schedule
(every minute) sends what is due again after a failure or a rate-limit wait, and delivers
the feed to the webhook subscriptions, each in feed order, by one job per due notification
and per subscription."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from app.channels.webhooks import WebhookSender
from app.db.unit_of_work import unit_of_work
from app.jobs.batching import coalescer, each_alone
from app.jobs.registry import JobEnv, task
from app.jobs.schedules import schedule
from app.services import deliveries, webhooks

DELIVER_NOTIFICATION = "notifications.deliver"
DELIVER_WEBHOOK = "webhooks.deliver"

log = logging.getLogger("anquan.jobs")


@task(DELIVER_NOTIFICATION, max_attempts=3, together=True)
async def deliver_notification(env: JobEnv, payload: dict[str, Any]) -> None:
    """One notification; the worker's jobs of this task that run at the same moment are
    sent together (app/jobs/batching.py): one transaction, their messages concurrently."""
    await coalescer(env, DELIVER_NOTIFICATION, lambda ids: _deliver_notifications(env, ids)).submit(
        uuid.UUID(payload["id"]))


async def _deliver_notifications(env: JobEnv, ids: list[uuid.UUID]) -> dict[uuid.UUID, BaseException | None]:
    async def alone(nid: uuid.UUID) -> None:
        await deliveries.deliver_notification(env.db, env.settings, nid, now=env.clock(), channels=env.channels)

    if len(ids) == 1:
        return await each_alone(ids, alone)
    try:
        outcome = await deliveries.deliver_notifications(env.db, env.settings, ids, now=env.clock(),
                                                         channels=env.channels)
    except Exception:
        log.warning("%d notifications together failed; each is tried alone", len(ids), exc_info=True)
        return await each_alone(ids, alone)
    return {nid: status for nid, status in outcome.items() if isinstance(status, BaseException)}


@task(DELIVER_WEBHOOK, max_attempts=3)
async def deliver_webhook(env: JobEnv, payload: dict[str, Any]) -> None:
    sender = WebhookSender.from_settings(env.settings)
    await webhooks.deliver_subscription(env.db, sender, uuid.UUID(payload["subscription_id"]), now=env.clock())


@schedule("deliveries", "* * * * *", "notifications due again and webhook deliveries, every minute")
async def run_deliveries(env: JobEnv, now: datetime) -> str:
    """One job per due notification and per active subscription (one queued at a time for
    each), so a slow peer holds up nobody else's messages."""
    due = await deliveries.due_notifications(env.db, now=now)
    subscriptions = await webhooks.active_subscriptions(env.db)
    async with unit_of_work(env.db, env.settings.audit_keys, clock=env.clock) as uow:
        for nid in due:
            uow.enqueue(DELIVER_NOTIFICATION, {"id": str(nid)}, dedupe_key=f"notification:{nid}")
        for sid in subscriptions:
            uow.enqueue(DELIVER_WEBHOOK, {"subscription_id": str(sid)}, dedupe_key=f"webhook:{sid}")
    return f"{len(due)} notifications and {len(subscriptions)} subscriptions to deliver"
