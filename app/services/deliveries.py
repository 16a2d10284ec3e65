"""Delivering notifications on their outbound channels (R4, R5).

`deliver_notification()` takes one pending notification whose time has come, locks its row
(`FOR UPDATE SKIP LOCKED`: however many workers try, one sends it), sends it through its
channel (app/channels) and records what happened:

- sent → `sent`, with `sent_at`;
- the channel is not configured, or the org unit has no robot → `cancelled`, and
  `last_error` says why (R5: skipped, and says so);
- a failure that may pass (timeout, 5xx, 429, a busy robot) → tried again after
  RETRY_DELAYS (1 min, 5 min, 30 min, 2 h, 6 h), then `failed`; a failure that needs a change
  first (a refused address, a 4xx) → `failed` at once;
- more than `ANQUAN_NOTIFY_RATE_LIMIT_PER_HOUR` messages to the same address on the same
  channel within the hour (a counter in PostgreSQL) → it waits for the next hour, without
  using up an attempt.

`deliver_notifications()` does the same for many at once (the delivery jobs that a worker
runs at the same moment): one transaction, one statement for their rate-limit counters,
their messages sent concurrently (through the worker's shared HTTP client for the SMS
gateway).

The row stays locked while its one attempt runs: a worker that dies mid-send leaves it
pending, and the next run sends it. Logs name the address masked (138****8000), never in
full."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.channels import (
    Channel,
    DeliveryResult,
    OutboundMessage,
    Outcome,
    channels_from_settings,
)
from app.channels.redact import mask_address
from app.db.models import Notification, OrgUnitRobot
from app.db.repositories import rate_limits
from app.db.session import Database
from app.settings import Settings

log = logging.getLogger("anquan.notifications")

RETRY_DELAYS = (
    timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
RATE_WINDOW_SECONDS = 3600
# how many of one call's messages are in flight at once (the shared HTTP client keeps twice
# as many connections, for two such calls side by side)
SENDS_AT_ONCE = 8


def next_attempt_after(attempts: int) -> timedelta | None:
    """The wait after the `attempts`-th failed attempt; None when it was the last."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None


def _bucket(channel: str, address: str) -> str:
    return f"notify:{channel}:{hashlib.sha256(address.encode()).hexdigest()[:32]}"


async def deliver_notification(
    db: Database,
    settings: Settings,
    notification_id: uuid.UUID,
    *,
    now: datetime,
    channels: Mapping[str, Channel] | None = None,
) -> str | None:
    """One attempt at one notification, when it is pending and due; answers its status
    afterwards (None when there was nothing to do: not pending, not due, or being sent)."""
    outcome = await deliver_notifications(db, settings, [notification_id], now=now, channels=channels)
    status = outcome.get(notification_id)
    if isinstance(status, BaseException):
        raise status
    return status


async def deliver_notifications(
    db: Database,
    settings: Settings,
    notification_ids: list[uuid.UUID],
    *,
    now: datetime,
    channels: Mapping[str, Channel] | None = None,
) -> dict[uuid.UUID, str | BaseException | None]:
    """One attempt at each of the notifications that is pending and due, in one
    transaction: their rows locked together, the rate-limit counters counted in one
    statement, the messages sent at the same time. Answers each one's status afterwards
    (None: nothing to do; an exception: its channel raised it, and the row is as it was)."""
    chans = channels if channels is not None else channels_from_settings(settings)
    outcome: dict[uuid.UUID, str | BaseException | None] = dict.fromkeys(notification_ids)
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(Notification)
                .where(Notification.id.in_(notification_ids), Notification.status == "pending",
                       Notification.channel != "in_app")
                .order_by(Notification.id)
                .with_for_update(skip_locked=True)
            )
        ).scalars().all()
        ready: list[tuple[Notification, OutboundMessage]] = []
        for n in rows:
            if n.next_attempt_at is not None and n.next_attempt_at > now:
                continue
            message, reason = await _message(session, n)
            if message is None:
                _finish(n, "cancelled", now, error=reason)
                outcome[n.id] = n.status
                continue
            ready.append((n, message))
        counts, window_end = await rate_limits.hit_many(
            session, [_bucket(n.channel, message.to) for n, message in ready], RATE_WINDOW_SECONDS, now)
        sending: list[tuple[Notification, OutboundMessage]] = []
        for (n, message), count in zip(ready, counts, strict=True):
            if count > settings.notify_rate_limit_per_hour:
                n.next_attempt_at = window_end
                n.last_error = f"more than {settings.notify_rate_limit_per_hour} messages an hour to this recipient; waits"
                n.updated_at = now
                outcome[n.id] = n.status
                log.info("notification deferred", extra={"notification_id": str(n.id), "channel": n.channel,
                                                         "to": mask_address(message.to)})
                continue
            sending.append((n, message))
        at_once = asyncio.Semaphore(SENDS_AT_ONCE)

        async def send(n: Notification, message: OutboundMessage) -> DeliveryResult:
            async with at_once:
                return await _send(chans, n, message)

        results = await asyncio.gather(*(send(n, message) for n, message in sending), return_exceptions=True)
        for (n, message), result in zip(sending, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                outcome[n.id] = result
                continue
            _record(n, result, now)
            outcome[n.id] = n.status
            log.info("notification delivery", extra={"notification_id": str(n.id), "channel": n.channel,
                                                     "to": mask_address(message.to), "status": n.status,
                                                     "attempts": n.attempts, "error": n.last_error})
    return outcome


async def _send(chans: Mapping[str, Channel], n: Notification, message: OutboundMessage) -> DeliveryResult:
    channel = chans.get(n.channel)
    if channel is None:
        return DeliveryResult.not_configured(f"channel {n.channel} is not available")
    return await channel.send(message)


async def _message(session, n: Notification) -> tuple[OutboundMessage | None, str | None]:  # type: ignore[no-untyped-def]
    if n.channel in ("wecom", "dingtalk"):
        robot = await session.get(OrgUnitRobot, (n.org_unit_id, n.channel)) if n.org_unit_id else None
        if robot is None:
            return None, f"no {n.channel} group robot is configured for this org unit"
        return OutboundMessage(to=robot.url, text=n.body, subject=n.title, secret=robot.secret), None
    if not n.address:
        return None, f"no address for {n.channel}"
    return OutboundMessage(to=n.address, text=n.body, subject=n.title), None


def _finish(n: Notification, status: str, now: datetime, *, error: str | None = None) -> None:
    n.status = status
    n.last_error = error
    n.next_attempt_at = None
    n.sent_at = now if status == "sent" else None
    n.updated_at = now


def _record(n: Notification, result: DeliveryResult, now: datetime) -> None:
    n.last_status_code = result.status_code
    if result.outcome is Outcome.NOT_CONFIGURED:
        _finish(n, "cancelled", now, error=f"skipped: {result.error}")
        return
    n.attempts += 1
    if result.ok:
        _finish(n, "sent", now)
        return
    wait = next_attempt_after(n.attempts) if result.retryable else None
    if wait is None:
        _finish(n, "failed", now, error=(result.error or "failed")[:500])
        return
    n.last_error = (result.error or "failed")[:500]
    n.next_attempt_at = now + wait
    n.updated_at = now


async def due_notifications(db: Database, *, now: datetime, limit: int = 500) -> list[uuid.UUID]:
    """The ids of the pending outbound notifications whose time has come, oldest first."""
    async with db.transaction() as session:
        rows = await session.execute(
            select(Notification.id)
            .where(Notification.status == "pending", Notification.channel != "in_app",
                   Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
        )
        return list(rows.scalars())


async def deliver_due(db: Database, settings: Settings, *, now: datetime,
                      channels: Mapping[str, Channel] | None = None, limit: int = 500) -> int:
    """One attempt at every due notification; answers how many were tried."""
    chans = channels if channels is not None else channels_from_settings(settings)
    tried = 0
    for nid in await due_notifications(db, now=now, limit=limit):
        if await deliver_notification(db, settings, nid, now=now, channels=chans) is not None:
            tried += 1
    return tried


async def reset_for_resend(session, notification_id: uuid.UUID, *, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    """`resend`: the notification goes out again from its first attempt."""
    result = await session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.channel != "in_app")
        .values(status="pending", attempts=0, next_attempt_at=now, sent_at=None, last_error=None,
                last_status_code=None, updated_at=now)
    )
    return bool(result.rowcount)
