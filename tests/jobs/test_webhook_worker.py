"""R6 at-least-once: a process killed while a webhook delivery is in flight leaves it
pending; the next run delivers it again with the same `webhook-id`, and then the next
event, in order."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from datetime import datetime, timezone

from standardwebhooks import Webhook

from app.channels.webhooks import WebhookSender
from app.db.models import AppUser, WebhookDelivery
from app.db.unit_of_work import UnitOfWork
from app.domain.access import Principal, scope_for
from app.domain.enums import Role
from app.services import webhooks
from app.services.context import Context
from tests.channels.peers import HttpPeer, Received, json_reply
from tests.conftest import test_settings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


async def test_a_process_killed_mid_delivery_leaves_it_to_be_redelivered_with_the_same_webhook_id(jobs_db, jobs_url):
    settings = test_settings(webhook_allowed_private_hosts='["127.0.0.1"]')
    now = datetime.now(timezone.utc)
    arrived = asyncio.Event()
    hang = {"first": True}
    seen: list[tuple[str, dict]] = []
    secret = {"value": ""}

    async def handler(r: Received):  # type: ignore[no-untyped-def]
        payload = Webhook(secret["value"]).verify(r.body, {k: v for k, v in r.headers.items()
                                                          if k.startswith("webhook-")})
        seen.append((r.headers["webhook-id"], payload))
        if hang["first"]:
            hang["first"] = False
            arrived.set()
            await asyncio.sleep(120)  # the sender is killed while it waits for this answer
        return json_reply(200, "{}")

    async with HttpPeer(handler) as peer:
        async with jobs_db.transaction() as session:
            user = AppUser(username=f"admin_{uuid.uuid4().hex[:8]}", password_hash="x", role="street_admin")
            session.add(user)
        uow = UnitOfWork.open(jobs_db, settings.audit_keys)
        p = Principal(user_id=user.id, username=user.username, role=Role.street_admin, org_unit_id=None,
                      enterprise_id=None)
        ctx = Context(uow, p, scope_for(p), now, now.date())
        sub, secret["value"] = await webhooks.create(ctx, WebhookSender.from_settings(settings),
                                                     url=peer.url("/hook"), event_types=["hazard.created"],
                                                     description=None)
        await uow.commit()
        await uow.close()
        ids = [uuid.uuid4(), uuid.uuid4()]
        for rid in ids:
            uow = UnitOfWork.open(jobs_db, settings.audit_keys)
            uow.event("hazard.created", "hazard", rid, sector="industry_trade")
            await uow.commit()
            await uow.close()

        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.jobs.webhook_sender_process", jobs_url, str(sub.id),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, cwd=ROOT)
        try:
            await asyncio.wait_for(arrived.wait(), 30)
        finally:
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
        # the killed process's transaction is gone with its connection: the delivery is pending
        accepted = 0
        for _ in range(50):
            accepted = await webhooks.deliver_subscription(jobs_db, WebhookSender.from_settings(settings), sub.id,
                                                           now=datetime.now(timezone.utc))
            if accepted:
                break
            await asyncio.sleep(0.2)
    assert accepted == 2
    assert [wid for wid, _ in seen][0] == [wid for wid, _ in seen][1]  # the same webhook-id again
    assert [p["data"]["event"]["resource_id"] for _, p in seen] == [str(ids[0]), str(ids[0]), str(ids[1])]
    async with jobs_db.transaction() as session:
        from sqlalchemy import select

        rows = (await session.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
                                      .order_by(WebhookDelivery.event_seq))).scalars().all()
    assert [(d.status, d.attempts) for d in rows] == [("delivered", 1), ("delivered", 1)]
