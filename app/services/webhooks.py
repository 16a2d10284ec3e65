"""Webhook subscriptions and their deliveries (R6).

A subscription sees what its creator sees (A1, the creator's principal now). Its
deliveries are made from the change feed in feed order (`event.seq`): each run of
`deliver_subscription()` first takes the new events of the subscribed types that are
visible in its scope into `webhook_delivery` rows (advancing `after_seq`), then sends the
oldest pending one, and the next only when that one is accepted — so a receiver sees the
events of one subscription in feed order, each at least once, with the delivery's id as
the `webhook-id` of every attempt (it can drop repeats).

The subscription's row is locked for the run (`FOR UPDATE SKIP LOCKED`): one worker
delivers for a subscription at a time, and a worker that dies mid-delivery leaves the
delivery pending, to be sent again with the same `webhook-id`.

A failed attempt waits RETRY_DELAYS (10 s, 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, 2 h,
4 h, 8 h, then every 8 h: well over 24 hours of retries); a subscription whose deliveries
have failed for DISABLE_AFTER (3 days) without one success is disabled, says why, and its
creator is told in-app. The delivery it was stuck on ends `failed`; the later ones stay
pending and go out, in order, once the subscription is enabled again; `redeliver` sends
any delivery again."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, literal, select, update

from app.channels.webhooks import WebhookDelivery as Attempt
from app.channels.webhooks import WebhookSender, generate_secret
from app.db.ids import uuid7
from app.db.models import (
    AppUser,
    Drill,
    Event,
    Hazard,
    Inspection,
    Notification,
    PublicReport,
    Sector,
    SupervisionTask,
    Training,
    WebhookDelivery,
    WebhookSubscription,
)
from app.db.repositories.scoping import scope_clause
from app.db.session import Database
from app.domain import messages
from app.domain.access import Principal, Scope, ScopeKind, scope_for
from app.domain.enums import Role
from app.domain.errors import FieldError, NotFound, RuleViolation
from app.services.context import Context
from app.services.events import EventType

RESOURCE = "webhook-subscriptions"

EVENT_TYPES: tuple[str, ...] = (
    *(v for k, v in vars(EventType).items() if not k.startswith("_") and isinstance(v, str)),
    "import.committed",
)

RETRY_DELAYS = (
    timedelta(seconds=10), timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=5),
    timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1), timedelta(hours=2), timedelta(hours=4),
    timedelta(hours=8),
)
DISABLE_AFTER = timedelta(days=3)
FAN_OUT_BATCH = 1000

# resource of a feed event -> its model; the payload carries the row as it is now
_MODELS: dict[str, Any] = {
    "hazard": Hazard, "inspection": Inspection, "drill": Drill, "training": Training,
    "supervision_task": SupervisionTask, "report": PublicReport,
}
# never sent out: who reported (P1), hashes, the people behind a row
_HIDDEN = frozenset({"tracking_hash", "contact_name", "contact_phone", "password_hash"})


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt in a row."""
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


# --- the subscriptions (use cases) -----------------------------------------------------------


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    unknown = [t for t in event_types if t not in EVENT_TYPES]
    if unknown:
        raise RuleViolation("unknown event types", [
            FieldError("event_types", f"unknown event type {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}")
        ])
    if not event_types:
        raise RuleViolation("no event types", [FieldError("event_types", "name at least one event type")])
    return sorted(set(event_types))


async def _check_url(url: str, sender: WebhookSender) -> None:
    error = await sender.validate_url(url)
    if error is not None:
        raise RuleViolation("the webhook URL may not be called", [error])


def _visible(ctx: Context):  # type: ignore[no-untyped-def]
    """A2 for subscriptions: its creator's, and every one for the street office's admin."""
    if ctx.principal.role is Role.street_admin:
        return literal(True)
    return WebhookSubscription.created_by == ctx.principal.user_id


async def create(ctx: Context, sender: WebhookSender, *, url: str, event_types: Sequence[str],
                 description: str | None) -> tuple[WebhookSubscription, str]:
    """A new subscription from the next feed event on; answers it and its secret (shown once)."""
    types = _check_event_types(event_types)
    await _check_url(url, sender)
    head = (await ctx.session.execute(select(func.coalesce(func.max(Event.seq), 0)))).scalar_one()
    secret = generate_secret()
    sub = WebhookSubscription(
        id=uuid7(), url=url, event_types=types, description=description, secret=secret, status="active",
        created_by=ctx.principal.user_id, after_seq=head, created_at=ctx.now, updated_at=ctx.now,
    )
    ctx.session.add(sub)
    await ctx.session.flush()
    ctx.audit("webhook_subscription.create", RESOURCE, sub.id)
    return sub, secret


async def get(ctx: Context, subscription_id: uuid.UUID, *, for_update: bool = False) -> WebhookSubscription:
    stmt = select(WebhookSubscription).where(WebhookSubscription.id == subscription_id, _visible(ctx))
    if for_update:
        stmt = stmt.with_for_update()
    sub = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if sub is None:
        raise NotFound("webhook subscription not found")
    return sub


async def page(ctx: Context, *, after: uuid.UUID | None, limit: int) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(_visible(ctx)).order_by(WebhookSubscription.id).limit(limit)
    if after is not None:
        stmt = stmt.where(WebhookSubscription.id > after)
    return list((await ctx.session.execute(stmt)).scalars())


async def change(ctx: Context, sender: WebhookSender, subscription_id: uuid.UUID,
                 changes: dict[str, Any]) -> WebhookSubscription:
    """PATCH: url, event_types, description, status (`active` enables a disabled one again,
    `disabled` stops it)."""
    sub = await get(ctx, subscription_id, for_update=True)
    if "event_types" in changes:
        sub.event_types = _check_event_types(changes["event_types"])
    if "url" in changes:
        await _check_url(changes["url"], sender)
        sub.url = changes["url"]
    if "description" in changes:
        sub.description = changes["description"]
    if "status" in changes and changes["status"] != sub.status:
        if changes["status"] == "active":
            sub.status, sub.disabled_reason, sub.failing_since = "active", None, None
            await ctx.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.subscription_id == sub.id, WebhookDelivery.status == "pending")
                .values(next_attempt_at=ctx.now)
            )
        else:
            sub.status, sub.disabled_reason = "disabled", "disabled by a user"
    sub.version += 1
    sub.updated_at = ctx.now
    await ctx.session.flush()
    ctx.audit("webhook_subscription.update", RESOURCE, sub.id)
    return sub


async def remove(ctx: Context, subscription_id: uuid.UUID) -> None:
    sub = await get(ctx, subscription_id, for_update=True)
    await ctx.session.execute(delete(WebhookSubscription).where(WebhookSubscription.id == sub.id))
    ctx.audit("webhook_subscription.delete", RESOURCE, sub.id)


async def deliveries(ctx: Context, subscription_id: uuid.UUID, *, after: int | None, limit: int,
                     status: str | None = None) -> list[WebhookDelivery]:
    """The delivery log, in feed order; `after` is an event id (`event_id` of the last seen)."""
    sub = await get(ctx, subscription_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    if after is not None:
        stmt = stmt.where(WebhookDelivery.event_seq > after)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return list((await ctx.session.execute(stmt.order_by(WebhookDelivery.event_seq).limit(limit))).scalars())


async def redeliver(ctx: Context, subscription_id: uuid.UUID, delivery_id: uuid.UUID) -> WebhookDelivery:
    """The delivery goes out again (same `webhook-id`), in its place in feed order."""
    sub = await get(ctx, subscription_id)
    d = (
        await ctx.session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == sub.id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if d is None:
        raise NotFound("webhook delivery not found")
    d.status, d.next_attempt_at, d.delivered_at = "pending", ctx.now, None
    await ctx.session.flush()
    ctx.audit("webhook_delivery.redeliver", RESOURCE, sub.id)
    return d


# --- delivering ------------------------------------------------------------------------------


async def creator_principal(session, user_id: uuid.UUID) -> Principal | None:  # type: ignore[no-untyped-def]
    user = await session.get(AppUser, user_id)
    if user is None or not user.is_active:
        return None
    sectors: frozenset[str] = frozenset()
    if user.role == Role.department_officer.value:
        sectors = frozenset((await session.execute(
            select(Sector.code).where(Sector.lead_department_id == user.org_unit_id))).scalars())
    return Principal(user_id=user.id, username=user.username, role=Role(user.role), org_unit_id=user.org_unit_id,
                     enterprise_id=user.enterprise_id, lead_sectors=sectors)


NOTHING = Scope(ScopeKind.enterprise, enterprise_id=None)


async def fan_out(session, sub: WebhookSubscription, scope: Scope) -> int:  # type: ignore[no-untyped-def]
    """Takes the feed events after `after_seq` into deliveries (those of the subscribed types
    visible in `scope`); answers how many deliveries it made."""
    visible = scope_clause(scope, enterprise_id=Event.enterprise_id, village_id=Event.village_id,
                           sector=Event.sector)
    rows = (
        await session.execute(
            select(Event.id, Event.seq, Event.type, visible.label("visible"))
            .where(Event.seq > sub.after_seq)
            .order_by(Event.seq)
            .limit(FAN_OUT_BATCH)
        )
    ).all()
    if not rows:
        return 0
    wanted = set(sub.event_types)
    new = [
        {"id": uuid7(), "subscription_id": sub.id, "event_id": r.id, "event_seq": r.seq, "event_type": r.type,
         "status": "pending"}
        for r in rows if r.visible and r.type in wanted
    ]
    if new:
        await session.execute(insert(WebhookDelivery), new)
    sub.after_seq = rows[-1].seq
    return len(new)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


async def representation(session, scope: Scope, resource: str, resource_id: uuid.UUID) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """The resource as it is now, when the scope still sees it (None otherwise)."""
    model = _MODELS.get(resource)
    if model is None:
        return None
    stmt = select(model).where(model.id == resource_id)
    cols = model.__table__.c
    if all(hasattr(cols, c) for c in ("enterprise_id", "village_id", "sector")):
        stmt = stmt.where(scope_clause(scope, enterprise_id=cols.enterprise_id, village_id=cols.village_id,
                                       sector=cols.sector))
    elif scope.kind is not ScopeKind.all:
        return None  # rows without a place of their own go only to the street office's subscribers
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        return None
    return {c.key: _plain(getattr(row, c.key)) for c in model.__mapper__.column_attrs if c.key not in _HIDDEN}


async def payload(session, scope: Scope, event: Event) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Standard Webhooks' shape: type, timestamp, data = the feed event and the resource."""
    return {
        "type": event.type,
        "timestamp": _plain(event.at),
        "data": {
            "event": {"id": event.seq, "type": event.type, "at": _plain(event.at), "resource": event.resource,
                      "resource_id": str(event.resource_id), "data": _plain(event.data)},
            "resource": await representation(session, scope, event.resource, event.resource_id),
        },
    }


async def deliver_subscription(db: Database, sender: WebhookSender, subscription_id: uuid.UUID, *,
                               now: datetime, max_deliveries: int = 100) -> int:
    """Sends the subscription's pending deliveries in feed order, one at a time, until one
    fails, none is due or `max_deliveries` went out; answers how many were accepted."""
    accepted = 0
    while accepted < max_deliveries:
        # The new events become deliveries, committed before any is sent: a delivery keeps
        # its id (the webhook-id) even if the send below dies with its transaction.
        async with db.transaction() as session:
            sub = await _lock(session, subscription_id)
            if sub is None:
                return accepted
            await fan_out(session, sub, await _scope(session, sub))
        async with db.transaction() as session:
            sub = await _lock(session, subscription_id)
            if sub is None:
                return accepted
            scope = await _scope(session, sub)
            d = (
                await session.execute(
                    select(WebhookDelivery)
                    .where(WebhookDelivery.subscription_id == sub.id, WebhookDelivery.status == "pending")
                    .order_by(WebhookDelivery.event_seq)
                    .limit(1)
                )
            ).scalar_one_or_none()
            if d is None or (d.next_attempt_at is not None and d.next_attempt_at > now):
                return accepted
            event = await session.get(Event, d.event_id)
            body = await payload(session, scope, event)
            result = await sender.deliver(Attempt(url=sub.url, secret=sub.secret, message_id=f"msg_{d.id.hex}",
                                                  payload=body))
            d.attempts += 1
            d.last_attempt_at = now
            d.last_status_code = result.status_code
            if result.ok:
                d.status, d.delivered_at, d.next_attempt_at, d.last_error = "delivered", now, None, None
                sub.failing_since = None
                accepted += 1
                continue
            d.last_error = (result.error or "failed")[:500]
            sub.failing_since = sub.failing_since or now
            if now - sub.failing_since >= DISABLE_AFTER:
                d.status, d.next_attempt_at = "failed", None
                _disable(session, sub, now, d.last_error)
                return accepted
            d.next_attempt_at = now + retry_delay(_failures_in_a_row(d))
            return accepted
    return accepted


async def _lock(session, subscription_id: uuid.UUID) -> WebhookSubscription | None:  # type: ignore[no-untyped-def]
    """The active subscription, locked; None when it is gone, disabled or another worker
    is delivering for it."""
    sub = (
        await session.execute(
            select(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
            .with_for_update(skip_locked=True)
        )
    ).scalar_one_or_none()
    return sub if sub is not None and sub.status == "active" else None


async def _scope(session, sub: WebhookSubscription) -> Scope:  # type: ignore[no-untyped-def]
    principal = await creator_principal(session, sub.created_by)
    return scope_for(principal) if principal else NOTHING


def _failures_in_a_row(d: WebhookDelivery) -> int:
    return d.attempts


def _disable(session, sub: WebhookSubscription, now: datetime, error: str) -> None:  # type: ignore[no-untyped-def]
    """R6: disabled, says why, and its creator is told in-app."""
    assert sub.failing_since is not None
    reason = messages.webhook_disabled_text(url=sub.url, failing_since=sub.failing_since.date(), last_error=error)
    sub.status, sub.disabled_reason, sub.updated_at = "disabled", reason[:500], now
    session.add(Notification(
        id=uuid7(), recipient_user_id=sub.created_by, channel="in_app", kind="webhook_disabled",
        subject_type=RESOURCE, subject_id=sub.id, body=reason, status="sent", sent_at=now, created_at=now,
        updated_at=now,
    ))


async def active_subscriptions(db: Database) -> list[uuid.UUID]:
    async with db.transaction() as session:
        return list((await session.execute(
            select(WebhookSubscription.id).where(WebhookSubscription.status == "active")
            .order_by(WebhookSubscription.id))).scalars())


async def deliver_all(db: Database, sender: WebhookSender, *, now: datetime) -> int:
    """One run over every active subscription; answers how many deliveries were accepted."""
    total = 0
    for sid in await active_subscriptions(db):
        total += await deliver_subscription(db, sender, sid, now=now)
    return total
