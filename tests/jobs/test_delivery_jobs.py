"""The delivery jobs on the real engine: a committed major hazard's text messages are sent
by a worker through the SMS gateway (a loopback HTTP server); the `deliveries` schedule
hands a webhook subscription's events to a worker, which delivers them signed and in
order."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from standardwebhooks import Webhook

from app.channels.webhooks import WebhookSender
from app.db.models import AppUser, Enterprise, EnterpriseState, Hazard, Notification, OrgUnit
from app.db.unit_of_work import UnitOfWork
from app.domain.access import Principal, scope_for
from app.domain.enums import Role
from app.jobs.engine import run_scheduled, run_worker
from app.jobs.registry import JobEnv
from app.services import webhooks
from app.services.context import Context
from app.services.notifications import notify_major_hazard
from tests.channels.peers import HttpPeer, Received, json_reply
from tests.conftest import test_settings
from tests.factories import credit_code


async def _drain(db, url, settings) -> None:  # type: ignore[no-untyped-def]
    await asyncio.wait_for(run_worker(JobEnv(db, settings), url, drain=True, schedules=False), 60)


async def test_a_committed_major_hazard_is_texted_by_the_worker(jobs_db, jobs_url) -> None:  # type: ignore[no-untyped-def]
    async with HttpPeer() as gateway:
        settings = test_settings(sms_gateway_url=gateway.url("/sms"))
        async with jobs_db.transaction() as session:
            village = OrgUnit(kind="village", name="作业村", code=f"jobs-{uuid.uuid4().hex[:8]}")
            session.add(village)
            await session.flush()
            enterprise = Enterprise(name="合肥精工机械有限公司", credit_code=credit_code(), village_id=village.id,
                                    sector="industry_trade", high_risk=False, registered_on=datetime(2020, 1, 1).date(),
                                    principal_name="王强", principal_phone="13811112222", controller_name="王建国",
                                    controller_phone="13933334444")
            session.add(enterprise)
            await session.flush()
            session.add(EnterpriseState(enterprise_id=enterprise.id, effective_on=enterprise.registered_on,
                                        status="active", high_risk=False))
        uow = UnitOfWork.open(jobs_db, settings.audit_keys)
        hazard = Hazard(id=uuid.uuid4(), enterprise_id=enterprise.id, village_id=village.id, sector="industry_trade",
                        grade="major", source="patrol", title="除尘系统未接地", discovered_on=datetime(2025, 6, 16).date(),
                        status="reported", status_effective_on=datetime(2025, 6, 16).date())
        uow.session.add(hazard)
        await uow.session.flush()
        await notify_major_hazard(uow, hazard, enterprise, now=datetime.now(UTC))
        await uow.commit()
        await uow.close()
        await _drain(jobs_db, jobs_url, settings)
    phones = sorted(json.loads(r.body)["phone"] for r in gateway.requests)
    assert phones == ["13811112222", "13933334444"]
    async with jobs_db.transaction() as session:
        rows = (await session.execute(select(Notification).where(Notification.subject_id == hazard.id))).scalars().all()
    assert {n.status for n in rows} == {"sent"}


async def test_the_deliveries_schedule_hands_a_subscriptions_events_to_a_worker(jobs_db, jobs_url) -> None:  # type: ignore[no-untyped-def]
    settings = test_settings(webhook_allowed_private_hosts='["127.0.0.1"]')
    secret = {"value": ""}
    got: list[dict] = []

    def receive(r: Received):  # type: ignore[no-untyped-def]
        got.append(Webhook(secret["value"]).verify(r.body, {k: v for k, v in r.headers.items()
                                                           if k.startswith("webhook-")}))
        return json_reply(200, "{}")

    async with HttpPeer(receive) as peer:
        async with jobs_db.transaction() as session:
            user = AppUser(username=f"admin_{uuid.uuid4().hex[:8]}", password_hash="x", role="street_admin")
            session.add(user)
        now = datetime.now(UTC)
        uow = UnitOfWork.open(jobs_db, settings.audit_keys)
        p = Principal(user_id=user.id, username=user.username, role=Role.street_admin, org_unit_id=None,
                      enterprise_id=None)
        sub, secret["value"] = await webhooks.create(Context(uow, p, scope_for(p), now, now.date()),
                                                     WebhookSender.from_settings(settings), url=peer.url("/hook"),
                                                     event_types=["hazard.created"], description=None)
        await uow.commit()
        await uow.close()
        ids = [uuid.uuid4() for _ in range(3)]
        for rid in ids:
            uow = UnitOfWork.open(jobs_db, settings.audit_keys)
            uow.event("hazard.created", "hazard", rid, sector="industry_trade")
            await uow.commit()
            await uow.close()
        env = JobEnv(jobs_db, settings)
        assert "subscriptions to deliver" in await run_scheduled(env, "deliveries")
        await _drain(jobs_db, jobs_url, settings)
    assert [p["data"]["event"]["resource_id"] for p in got] == [str(i) for i in ids]
