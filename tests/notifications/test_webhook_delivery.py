"""Webhook deliveries to a real receiver on loopback that verifies every request with the
standardwebhooks library (R6): retried after 500s, accepted once, later events in feed
order, only the subscribed types visible to the subscriber, disabled after 3 days."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select
from standardwebhooks import Webhook

from app.channels.webhooks import WebhookSender
from app.db.models import Notification, WebhookDelivery, WebhookSubscription
from app.db.unit_of_work import UnitOfWork
from app.domain.access import Principal, scope_for
from app.domain.enums import Role
from app.services import webhooks
from app.services.context import Context
from tests.channels.peers import HttpPeer, Received, json_reply
from tests.conftest import test_settings


class Receiver:
    """Verifies each request's signature; answers from a script (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.secret = ""
        self.seen: list[tuple[int, str, dict]] = []  # (status answered, webhook-id, payload)
        self.accepted: list[dict] = []

    def __call__(self, r: Received):  # type: ignore[no-untyped-def]
        payload = Webhook(self.secret).verify(r.body, {k: v for k, v in r.headers.items() if k.startswith("webhook-")})
        status = self.statuses.pop(0) if self.statuses else 200
        self.seen.append((status, r.headers["webhook-id"], payload))
        if status == 200:
            self.accepted.append(payload)
        return json_reply(status, "{}")


def sender() -> WebhookSender:
    return WebhookSender.from_settings(test_settings(webhook_allowed_private_hosts='["127.0.0.1"]',
                                                     channel_timeout_seconds=5))


async def _subscribe(db, settings, clock, user, url: str, types: list[str]):  # type: ignore[no-untyped-def]
    uow = UnitOfWork(db.sessionmaker(), settings.audit_keys, clock=clock, seal_now=True)
    p = Principal(user_id=user.id, username=user.username, role=Role(user.role), org_unit_id=user.org_unit_id,
                  enterprise_id=user.enterprise_id)
    ctx = Context(uow, p, scope_for(p), clock.now, clock.now.date())
    sub, secret = await webhooks.create(ctx, sender(), url=url, event_types=types, description=None)
    await uow.commit()
    await uow.close()
    return sub.id, secret


async def _events(db, settings, clock, items):  # type: ignore[no-untyped-def]
    """Commits one unit of work per (type, resource_id, village_id)."""
    for type_, rid, village_id in items:
        uow = UnitOfWork(db.sessionmaker(), settings.audit_keys, clock=clock, seal_now=True)
        uow.event(type_, "hazard", rid, village_id=village_id, enterprise_id=None, sector="industry_trade",
                  data={"n": str(rid)})
        await uow.commit()
        await uow.close()


async def test_500_twice_then_200_one_accepted_delivery_after_3_attempts_and_the_rest_in_order(
    db, settings, clock, world
) -> None:  # type: ignore[no-untyped-def]
    village = await world.village()
    admin = await world.user("street_admin")
    receiver = Receiver([500, 500])
    async with HttpPeer(receiver) as peer:
        sid, receiver.secret = await _subscribe(db, settings, clock, admin, peer.url("/hook"),
                                                ["hazard.created", "hazard.status_changed"])
        ids = [uuid.uuid4() for _ in range(3)]
        await _events(db, settings, clock, [("hazard.created", ids[0], village.id),
                                            ("drill.recorded", uuid.uuid4(), village.id),  # not subscribed
                                            ("hazard.status_changed", ids[1], village.id),
                                            ("hazard.created", ids[2], village.id)])
        now = clock.now
        assert await webhooks.deliver_subscription(db, sender(), sid, now=now) == 0
        # before its time, the retry does not go
        assert await webhooks.deliver_subscription(db, sender(), sid, now=now + timedelta(seconds=5)) == 0
        now += webhooks.RETRY_DELAYS[0]
        assert await webhooks.deliver_subscription(db, sender(), sid, now=now) == 0
        now += webhooks.RETRY_DELAYS[1]
        assert await webhooks.deliver_subscription(db, sender(), sid, now=now) == 3
    statuses = [s for s, _, _ in receiver.seen]
    assert statuses == [500, 500, 200, 200, 200]
    first_ids = {wid for _, wid, p in receiver.seen[:3]}
    assert len(first_ids) == 1  # one webhook-id for every attempt of one event
    assert [p["data"]["event"]["resource_id"] for p in receiver.accepted] == [str(i) for i in ids]
    seqs = [p["data"]["event"]["id"] for p in receiver.accepted]
    assert seqs == sorted(seqs)
    assert [p["type"] for p in receiver.accepted] == ["hazard.created", "hazard.status_changed", "hazard.created"]
    async with db.transaction() as s:
        rows = (await s.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sid)
                                .order_by(WebhookDelivery.event_seq))).scalars().all()
    assert [(d.status, d.attempts) for d in rows] == [("delivered", 3), ("delivered", 1), ("delivered", 1)]


async def test_a_village_officers_subscription_gets_only_its_village_and_the_resource_in_its_scope(
    db, settings, clock, world
) -> None:  # type: ignore[no-untyped-def]
    mine, other = await world.village(), await world.village()
    enterprise = await world.enterprise(mine)
    officer = await world.user("village_officer", org_unit=mine)
    from app.db.models import Hazard

    hazard = Hazard(enterprise_id=enterprise.id, village_id=mine.id, sector=enterprise.sector, grade="general",
                    source="patrol", title="消防通道堵塞", discovered_on=date(2025, 6, 1),
                    status="reported", status_effective_on=date(2025, 6, 1))
    world.session.add(hazard)
    await world.session.flush()
    receiver = Receiver()
    async with HttpPeer(receiver) as peer:
        sid, receiver.secret = await _subscribe(db, settings, clock, officer, peer.url("/hook"), ["hazard.created"])
        await _events(db, settings, clock, [("hazard.created", uuid.uuid4(), other.id),
                                            ("hazard.created", hazard.id, mine.id)])
        assert await webhooks.deliver_subscription(db, sender(), sid, now=clock.now) == 1
    [payload] = receiver.accepted
    assert payload["data"]["event"]["resource_id"] == str(hazard.id)
    assert payload["data"]["resource"]["title"] == "消防通道堵塞"
    assert payload["data"]["resource"]["village_id"] == str(mine.id)


async def test_three_days_of_failures_disable_the_subscription_and_tell_its_creator(db, settings, clock, world) -> None:  # type: ignore[no-untyped-def]
    village = await world.village()
    admin = await world.user("street_admin")
    receiver = Receiver([500] * 1000)
    async with HttpPeer(receiver) as peer:
        sid, receiver.secret = await _subscribe(db, settings, clock, admin, peer.url("/hook"), ["hazard.created"])
        await _events(db, settings, clock, [("hazard.created", uuid.uuid4(), village.id)])
        start = now = clock.now
        while True:
            await webhooks.deliver_subscription(db, sender(), sid, now=now)
            async with db.transaction() as s:
                sub = await s.get(WebhookSubscription, sid)
                d = (await s.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sid))).scalar_one()
                status, next_at = sub.status, d.next_attempt_at
            if status == "disabled":
                break
            assert now - start < timedelta(days=3)
            now = next_at
    assert now - start >= timedelta(days=3)
    # retries kept coming for more than 24 hours, with growing gaps
    assert len(receiver.seen) > 10
    async with db.transaction() as s:
        sub = await s.get(WebhookSubscription, sid)
        note = (await s.execute(select(Notification).where(Notification.subject_id == sid))).scalar_one()
    assert "连续3天推送失败" in sub.disabled_reason
    assert note.recipient_user_id == admin.id and note.channel == "in_app"
    assert d.status == "failed"
