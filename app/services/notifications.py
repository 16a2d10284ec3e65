"""Notifications (R4, R5): who is told what, on which channel, and why.

`notify()` is what a service or a job calls, inside the unit of work of the change that
causes it (R7): one row per (recipient, channel) with the rendered Chinese text
(app/domain/messages.py) and the cause. An in-app notification is complete when it is
written (the recipient reads it in `/api/v1/notifications`); a notification on an outbound
channel (`sms`, `email`, `wecom`, `dingtalk`) waits `pending` for its delivery
(app/services/deliveries.py), which retries with backoff and ends `sent`, `failed` or
`cancelled`. A recipient that has no address for a channel (a user without a phone, a
person without an e-mail address, an org unit without a robot) gets nothing on it.

`occasion` makes a notification happen once (R2): with it, one row per (kind, subject,
occasion, recipient, channel) however often the cause is seen again."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.db.ids import uuid7
from app.db.models import NOTIFICATION_CHANNELS, Notification
from app.db.repositories.scoping import scope_clause
from app.db.unit_of_work import UnitOfWork
from app.domain import messages
from app.domain.access import Principal, Scope, ScopeKind
from app.domain.enums import Role
from app.domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from app.services.context import Context

OUTBOUND_CHANNELS = ("sms", "email", "wecom", "dingtalk")
# the job that sends one (app/jobs/delivery_tasks.py)
DELIVER_JOB = "notifications.deliver"

# The texts that notify() renders by name (template=...), all from app/domain/messages.py.
TEMPLATES: Mapping[str, Callable[..., str]] = {
    "hazard_deadline": messages.hazard_deadline_text,
    "hazard_overdue": messages.hazard_overdue_text,
    "period_end": messages.period_end_text,
    "task_due": messages.task_due_text,
    "task_overdue": messages.task_overdue_text,
    "major_hazard_sms": messages.major_hazard_sms,
    "escalation_proposal": messages.escalation_proposal_text,
    "targets_digest": messages.targets_digest_text,
    "webhook_disabled": messages.webhook_disabled_text,
}


@dataclass(frozen=True)
class Recipient:
    """Someone to tell: a user of the service, a person reached by phone or e-mail (a
    principal, an actual controller), or an org unit's group robots."""

    user_id: uuid.UUID | None = None
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    org_unit_id: uuid.UUID | None = None

    @classmethod
    def user(cls, user_id: uuid.UUID, *, name: str | None = None) -> Recipient:
        return cls(user_id=user_id, name=name)

    @classmethod
    def person(cls, name: str, *, role: str | None = None, phone: str | None = None,
               email: str | None = None) -> Recipient:
        return cls(name=name, role=role, phone=phone or None, email=email or None)

    @classmethod
    def org_unit(cls, org_unit_id: uuid.UUID) -> Recipient:
        return cls(org_unit_id=org_unit_id)

    def address_for(self, channel: str) -> str | None:
        """The address on `channel`, None when this recipient cannot be reached on it.
        (Robots are found by org unit at delivery time.)"""
        match channel:
            case "in_app":
                return "" if self.user_id else None
            case "sms":
                return self.phone
            case "email":
                return self.email
            case "wecom" | "dingtalk":
                return "" if self.org_unit_id else None
        raise ValueError(f"unknown channel {channel!r}")

    @property
    def key(self) -> str:
        """Identifies the recipient inside a dedupe key."""
        return str(self.user_id or self.org_unit_id or self.phone or self.email or self.name)


Text = str | Callable[[Recipient], str]


def render(template: str, args: Mapping[str, Any]) -> str:
    try:
        fn = TEMPLATES[template]
    except KeyError:
        raise ValueError(f"unknown message template {template!r}") from None
    return fn(**args)


def _dedupe_key(kind: str, subject_id: uuid.UUID | None, occasion: str, recipient: Recipient, channel: str) -> str:
    raw = f"{kind}|{subject_id}|{occasion}|{recipient.key}|{channel}"
    return f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


async def notify(
    uow: UnitOfWork,
    *,
    recipients: Iterable[Recipient],
    kind: str,
    subject_type: str | None,
    subject_id: uuid.UUID | None,
    channels: Sequence[str] = ("in_app",),
    text: Text | None = None,
    template: str | None = None,
    template_args: Mapping[str, Any] | None = None,
    per_recipient_args: Callable[[Recipient], Mapping[str, Any]] | None = None,
    title: str | None = None,
    enterprise_id: uuid.UUID | None = None,
    village_id: uuid.UUID | None = None,
    sector: str | None = None,
    occasion: str | None = None,
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """Writes the notifications of one cause and answers their ids (those already made
    for the same occasion are not made again and not answered).

    The text is `text` (a string, or a function of the recipient), or the template
    `template` of TEMPLATES rendered with `template_args` merged with
    `per_recipient_args(recipient)`. `kind` is the rule (`major_hazard`, `hazard_deadline`,
    ...), `subject_type`/`subject_id` the object (the API's collection name and id), and
    enterprise/village/sector the cause's scope."""
    if (text is None) == (template is None):
        raise ValueError("give either text or template")
    for channel in channels:
        if channel not in NOTIFICATION_CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
    at = now or uow.clock()
    rows: list[dict[str, Any]] = []
    for recipient in recipients:
        targets = [(c, recipient.address_for(c)) for c in channels]
        targets = [(c, a) for c, a in targets if a is not None]
        if not targets:
            continue
        if template is not None:
            args = dict(template_args or {})
            if per_recipient_args is not None:
                args.update(per_recipient_args(recipient))
            body = render(template, args)
        else:
            body = text(recipient) if callable(text) else str(text)
        for channel, address in targets:
            in_app = channel == "in_app"
            rows.append(
                {
                    "id": uuid7(),
                    "recipient_user_id": recipient.user_id if channel in ("in_app", "email", "sms") else None,
                    "recipient_name": recipient.name,
                    "recipient_role": recipient.role,
                    "address": address or None,
                    "org_unit_id": recipient.org_unit_id if channel in ("wecom", "dingtalk") else None,
                    "channel": channel,
                    "kind": kind,
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "enterprise_id": enterprise_id,
                    "village_id": village_id,
                    "sector": sector,
                    "title": title,
                    "body": body,
                    "status": "sent" if in_app else "pending",
                    "sent_at": at if in_app else None,
                    "next_attempt_at": None if in_app else at,
                    "dedupe_key": None if occasion is None else _dedupe_key(kind, subject_id, occasion, recipient, channel),
                    "created_at": at,
                    "updated_at": at,
                }
            )
    if not rows:
        return []
    # the rows as parameters of one statement (compiled once, not once per number of rows)
    stmt = pg_insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]).execution_options(render_nulls=True)
    made = (await uow.session.execute(stmt.returning(Notification.id, Notification.channel), rows)).all()
    for nid, channel in made:
        if channel != "in_app":
            uow.enqueue(DELIVER_JOB, {"id": str(nid)}, dedupe_key=f"notification:{nid}")  # at commit (R7)
    return [nid for nid, _ in made]


# --- reading and acting on notifications (A2) -------------------------------------------------


def visible_clause(principal: Principal, scope: Scope):  # type: ignore[no-untyped-def]
    """A2 for notifications: a user sees its own; officials also see the deliveries to people
    outside the service (a principal's text message, a robot's message) whose cause they can
    see — a cause without a place only the street office."""
    own = Notification.recipient_user_id == principal.user_id
    if principal.role in (Role.enterprise_user, Role.district_viewer):
        return own
    placed = scope_clause(scope, enterprise_id=Notification.enterprise_id, village_id=Notification.village_id,
                          sector=Notification.sector)
    if scope.kind is not ScopeKind.all:
        placed = and_(Notification.village_id.is_not(None), placed)
    return or_(own, and_(Notification.recipient_user_id.is_(None), placed))


async def page(ctx: Context, *, read: bool | None, channel: str | None, status: str | None,
               before: uuid.UUID | None, limit: int) -> list[Notification]:
    """The caller's own notifications, newest first."""
    stmt = select(Notification).where(Notification.recipient_user_id == ctx.principal.user_id)
    if read is not None:
        stmt = stmt.where(Notification.read_at.is_not(None) if read else Notification.read_at.is_(None))
    if channel is not None:
        stmt = stmt.where(Notification.channel == channel)
    if status is not None:
        stmt = stmt.where(Notification.status == status)
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    return list((await ctx.session.execute(stmt.order_by(Notification.id.desc()).limit(limit))).scalars())


async def get(ctx: Context, notification_id: uuid.UUID, *, for_update: bool = False) -> Notification:
    stmt = select(Notification).where(Notification.id == notification_id,
                                      visible_clause(ctx.principal, ctx.scope))
    if for_update:
        stmt = stmt.with_for_update()
    n = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if n is None:
        raise NotFound(f"no notification {notification_id}")
    return n


async def of_subject(ctx: Context, subject_type: str, subject_id: uuid.UUID) -> list[Notification]:
    """The notifications of one cause that the caller may see, oldest first."""
    stmt = select(Notification).where(
        Notification.subject_type == subject_type, Notification.subject_id == subject_id,
        visible_clause(ctx.principal, ctx.scope),
    )
    return list((await ctx.session.execute(stmt.order_by(Notification.id).limit(500))).scalars())


async def mark_read(ctx: Context, notification_id: uuid.UUID, *, read: bool = True) -> Notification:
    n = await get(ctx, notification_id, for_update=True)
    if n.recipient_user_id != ctx.principal.user_id:
        raise Forbidden("only its recipient marks a notification read")
    n.read_at = (n.read_at or ctx.now) if read else None
    n.updated_at = ctx.now
    await ctx.session.flush()
    return n


async def resend(ctx: Context, notification_id: uuid.UUID) -> Notification:
    """R5 `resend`: a delivery on an outbound channel goes out again from its first attempt."""
    n = await get(ctx, notification_id, for_update=True)
    if n.channel == "in_app":
        raise RuleViolation("in-app notifications are not sent", [FieldError("channel", "in_app is not resent")])
    if n.status == "pending":
        raise Conflict("the notification is still being delivered")
    n.status, n.attempts, n.next_attempt_at, n.sent_at = "pending", 0, ctx.now, None
    n.last_error = n.last_status_code = None
    n.updated_at = ctx.now
    await ctx.session.flush()
    ctx.audit("notification.resend", "notifications", n.id)
    return n


async def notify_major_hazard(uow: UnitOfWork, hazard: Any, enterprise: Any, *, now: datetime) -> list[uuid.UUID]:
    """R4 (H8): a new major hazard — a text message to its enterprise's principal and its
    actual controller, once per hazard."""
    people = [
        Recipient.person(enterprise.principal_name, role="principal", phone=enterprise.principal_phone),
        Recipient.person(enterprise.controller_name, role="actual_controller", phone=enterprise.controller_phone),
    ]
    return await notify(
        uow, recipients=people, kind="major_hazard", subject_type="hazards", subject_id=hazard.id, channels=("sms",),
        template="major_hazard_sms",
        template_args={"enterprise": enterprise.name, "title": hazard.title, "discovered_on": hazard.discovered_on},
        per_recipient_args=lambda r: {"person": r.name or "", "role": r.role or "principal"},
        enterprise_id=hazard.enterprise_id, village_id=hazard.village_id, sector=hazard.sector,
        occasion="created", now=now,
    )
