"""R3 on the real engine: two workers firing the same tick of `escalation-proposals`
propose each step once."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import func, select

from app.db.models import EscalationProposal, Event
from app.jobs.engine import run_scheduled
from app.jobs.registry import JobEnv
from app.main import create_app
from tests.api.helpers import MAJOR_PLAN, create_hazard
from tests.conftest import Clock, test_settings
from tests.factories import World
from tests.jobs.test_reminders import _sh


async def test_r3_two_workers_on_the_same_schedule_propose_each_step_once(jobs_db, jobs_url):
    clock = Clock(_sh("2025-10-20T08:30:00"))
    app = create_app(test_settings(), database=jobs_db, clock=clock)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        village = await world.village()
        enterprises = [await world.enterprise(village) for _ in range(6)]
        admin = world.headers(await world.user("street_admin"))
    ids = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for e in enterprises:
            h = await create_hazard(client, admin, e, discovered_on="2025-09-01", title="粉尘涉爆除尘系统未设泄爆")
            r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin,
                                  json={**MAJOR_PLAN, "deadline": "2025-10-01", "effective_on": "2025-09-02"})
            assert r.status_code == 200, r.text
            ids.append(h["id"])  # 19 days overdue: letter and circular

    envs = [JobEnv(jobs_db, test_settings(), clock) for _ in range(2)]
    for _ in range(2):
        await asyncio.gather(*(run_scheduled(env, "escalation-proposals") for env in envs))

    async with jobs_db.transaction() as session:
        rows = (await session.execute(
            select(EscalationProposal.hazard_id, EscalationProposal.step, func.count())
            .where(EscalationProposal.hazard_id.in_(ids))
            .group_by(EscalationProposal.hazard_id, EscalationProposal.step)
        )).all()
        created = await session.scalar(select(func.count()).select_from(Event).where(
            Event.type == "escalation_proposal.created",
            Event.data["hazard_id"].astext.in_(ids),
        ))
    assert sorted((str(h), s, n) for h, s, n in rows) == sorted(
        [(i, "letter", 1) for i in ids] + [(i, "circular", 1) for i in ids])
    assert created == 2 * len(ids)
