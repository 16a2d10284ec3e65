"""R1, R2 on the real engine: the `reminders` schedule and its delivery jobs, with the clock
moved through a week (time is injected; the engine and PostgreSQL are real)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import func, select, text

from app.db.models import Notification, Reminder
from app.domain.calendar import SHANGHAI
from app.jobs.registry import JobEnv
from app.jobs.engine import run_scheduled
from app.main import create_app
from tests.api.helpers import create_hazard, drive
from tests.conftest import Clock, test_settings
from tests.factories import World
from tests.jobs.conftest import drain


def _sh(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=SHANGHAI).astimezone(timezone.utc)


async def _ready_jobs(db) -> int:  # type: ignore[no-untyped-def]
    async with db.transaction() as session:
        return await session.scalar(text("SELECT count(*) FROM pgqueuer WHERE status = 'queued'"))


async def _run_schedule(db, url, clock, name: str = "reminders") -> str:  # type: ignore[no-untyped-def]
    env = JobEnv(db, test_settings(), clock)
    summary = await run_scheduled(env, name)
    if await _ready_jobs(db):
        await drain(db, url, clock)
    return summary


async def test_r1_deadline_reminders_at_nine_none_at_night_none_after_closing(jobs_db, jobs_url):
    clock = Clock(_sh("2025-06-16T00:00:00"))
    app = create_app(test_settings(), database=jobs_db, clock=clock)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        village = await world.village()
        enterprise = await world.enterprise(village)
        admin = world.headers(await world.user("street_admin"))
        owner = await world.user("enterprise_user", enterprise=enterprise)
        officer = await world.user("village_officer", org_unit=village)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        plan = {"responsible_person": "李明", "deadline": "2025-06-23"}
        kept = await create_hazard(client, admin, enterprise, grade="general", discovered_on="2025-06-10",
                                   title="消防通道堵塞")
        closed = await create_hazard(client, admin, enterprise, grade="general", discovered_on="2025-06-10",
                                     title="配电箱未接地")
        for h in (kept, closed):
            r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin, json=plan)
            assert r.status_code == 200, r.text

        # every three hours from Monday 16 June 00:00 to Tuesday 24 June 00:00 (Shanghai)
        t = _sh("2025-06-16T00:00:00")
        while t <= _sh("2025-06-24T00:00:00"):
            clock.now = t
            if t == _sh("2025-06-17T12:00:00"):
                await drive(client, admin, closed, "submit", "approve")
            await _run_schedule(jobs_db, jobs_url, clock)
            t += timedelta(hours=3)

    async with jobs_db.transaction() as session:
        sent = (await session.execute(
            select(Notification.subject_id, Notification.recipient_user_id, Notification.created_at, Notification.kind)
            .where(Notification.channel == "in_app", Notification.subject_id.in_([kept["id"], closed["id"]]))
        )).all()
        reminders = (await session.execute(
            select(Reminder.subject_id, Reminder.occasion, Reminder.status).where(
                Reminder.subject_id.in_([kept["id"], closed["id"]]))
        )).all()
    at = lambda hid: sorted({row.created_at.astimezone(SHANGHAI).isoformat() for row in sent if str(row.subject_id) == hid})  # noqa: E731
    # R1: 7 days and 1 day before the deadline, at 09:00 Shanghai; none at night
    assert at(kept["id"]) == ["2025-06-16T09:00:00+08:00", "2025-06-22T09:00:00+08:00"]
    # R2: the closed hazard's second reminder is not sent
    assert at(closed["id"]) == ["2025-06-16T09:00:00+08:00"]
    for row in sent:
        assert row.kind == "hazard_deadline"
        assert 8 <= row.created_at.astimezone(SHANGHAI).hour < 21
    # each in-app reminder reached the enterprise's user and the village's officer, once
    kept_rows = [r for r in sent if str(r.subject_id) == kept["id"]]
    assert sorted(str(r.recipient_user_id) for r in kept_rows) == sorted([str(owner.id), str(officer.id)] * 2)
    status = {(str(r.subject_id), r.occasion): r.status for r in reminders}
    assert status[(kept["id"], "deadline:2025-06-23:-7")] == "sent"
    assert status[(kept["id"], "deadline:2025-06-23:-1")] == "sent"
    assert status[(closed["id"], "deadline:2025-06-23:-7")] == "sent"
    assert (closed["id"], "deadline:2025-06-23:-1") not in status
    # the overdue reminder of the 24th was made at midnight and waits for the morning
    assert status[(kept["id"], "overdue:2025-06-23:day1")] == "pending"


async def test_r2_two_workers_on_the_same_schedule_send_each_reminder_once(jobs_db, jobs_url):
    clock = Clock(_sh("2025-07-01T09:00:00"))
    app = create_app(test_settings(), database=jobs_db, clock=clock)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        village = await world.village()
        enterprises = [await world.enterprise(village) for _ in range(12)]
        for e in enterprises:
            await world.user("enterprise_user", enterprise=e)
        admin = world.headers(await world.user("street_admin"))
    ids = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for e in enterprises:
            h = await create_hazard(client, admin, e, grade="general", discovered_on="2025-06-20", title="安全出口锁闭")
            r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin,
                                  json={"responsible_person": "李明", "deadline": "2025-07-08"})
            assert r.status_code == 200, r.text
            ids.append(h["id"])

    # two workers fire the same tick of the schedule at once, then both work the queue
    envs = [JobEnv(jobs_db, test_settings(), clock), JobEnv(jobs_db, test_settings(), clock)]
    await asyncio.gather(*(run_scheduled(env, "reminders") for env in envs))
    await asyncio.gather(*(run_scheduled(env, "reminders") for env in envs))
    await asyncio.gather(drain(jobs_db, jobs_url, clock), drain(jobs_db, jobs_url, clock))

    async with jobs_db.transaction() as session:
        per_hazard = dict((await session.execute(
            select(Reminder.subject_id, func.count()).where(Reminder.subject_id.in_(ids)).group_by(Reminder.subject_id)
        )).all())
        notes = dict((await session.execute(
            select(Notification.subject_id, func.count()).where(
                Notification.subject_id.in_(ids), Notification.channel == "in_app"
            ).group_by(Notification.subject_id)
        )).all())
        statuses = set((await session.execute(
            select(Reminder.status).where(Reminder.subject_id.in_(ids)))).scalars())
    assert per_hazard == {i: 1 for i in ids}
    assert {str(k): v for k, v in notes.items()} == {i: 1 for i in ids}
    assert statuses == {"sent"}


async def test_r1_a_reminder_whose_worker_comes_late_waits_out_the_quiet_hours(jobs_db, jobs_url):
    clock = Clock(_sh("2025-08-01T20:30:00"))
    app = create_app(test_settings(), database=jobs_db, clock=clock)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        enterprise = await world.enterprise(await world.village())
        owner = await world.user("enterprise_user", enterprise=enterprise)
        admin = world.headers(await world.user("street_admin"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        h = await create_hazard(client, admin, enterprise, grade="general", discovered_on="2025-07-30", title="灭火器过期")
        r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin,
                              json={"responsible_person": "李明", "deadline": "2025-08-08"})
        assert r.status_code == 200, r.text
    env = JobEnv(jobs_db, test_settings(), clock)
    await run_scheduled(env, "reminders")  # 20:30: still allowed, so it goes to the workers
    async with jobs_db.transaction() as session:
        queued = await session.scalar(text(
            "SELECT count(*) FROM pgqueuer q JOIN reminder r ON r.id::text = convert_from(q.payload, 'UTF8')::jsonb->>'reminder_id' "
            "WHERE r.subject_id = :h"), {"h": h["id"]})
    assert queued == 1
    clock.now = _sh("2025-08-01T21:30:00")  # the worker only gets to it now, in the quiet hours
    await drain(jobs_db, jobs_url, clock)

    async def sent() -> list[datetime]:
        async with jobs_db.transaction() as session:
            return list((await session.execute(select(Notification.created_at).where(
                Notification.subject_id == h["id"], Notification.recipient_user_id == owner.id))).scalars())

    assert await sent() == []
    clock.now = _sh("2025-08-02T09:00:00")
    await _run_schedule(jobs_db, jobs_url, clock)
    assert [t.astimezone(SHANGHAI).isoformat() for t in await sent()] == ["2025-08-02T09:00:00+08:00"]


async def test_r2_a_reminder_whose_hazard_closes_before_it_goes_out_is_cancelled(jobs_db, jobs_url):
    clock = Clock(_sh("2025-09-01T09:00:00"))
    app = create_app(test_settings(), database=jobs_db, clock=clock)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        enterprise = await world.enterprise(await world.village())
        await world.user("enterprise_user", enterprise=enterprise)
        admin = world.headers(await world.user("street_admin"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        h = await create_hazard(client, admin, enterprise, grade="general", discovered_on="2025-08-30", title="电线私拉乱接")
        r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin,
                              json={"responsible_person": "李明", "deadline": "2025-09-08"})
        assert r.status_code == 200, r.text
        await run_scheduled(JobEnv(jobs_db, test_settings(), clock), "reminders")  # enqueued, not yet done
        await drive(client, admin, h, "submit", "approve")
    await drain(jobs_db, jobs_url, clock)
    async with jobs_db.transaction() as session:
        row = await session.scalar(select(Reminder).where(Reminder.subject_id == h["id"]))
        notes = await session.scalar(select(func.count()).select_from(Notification).where(Notification.subject_id == h["id"]))
    assert row is not None and row.status == "cancelled" and "closed" in (row.outcome or "")
    assert notes == 0


async def test_r1_c1_reminds_ten_days_before_the_quarter_ends_with_nothing_recorded(jobs_db, jobs_url):
    clock = Clock(_sh("2025-06-20T09:00:00"))  # Q2 ends on 30 June
    app = create_app(test_settings(), database=jobs_db, clock=clock)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        village = await world.village()
        idle, done, late = [await world.enterprise(village, "industry_trade", high_risk=False) for _ in range(3)]
        users = {e.id: await world.user("enterprise_user", enterprise=e) for e in (idle, done, late)}
        admin = world.headers(await world.user("street_admin"))

    async def inspect(client, enterprise, on: str) -> None:  # type: ignore[no-untyped-def]
        r = await client.post("/api/v1/inspections", headers=admin, json={
            "enterprise_id": str(enterprise.id), "kind": "principal_self", "performed_on": on,
            "led_by_principal": True, "inspector": "王强", "notes": "主要负责人带队检查"})
        assert r.status_code == 201, r.text

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await inspect(client, done, "2025-06-05")
        await run_scheduled(JobEnv(jobs_db, test_settings(), clock), "reminders")
        await inspect(client, late, "2025-06-20")  # recorded before the worker gets to its reminder
    await drain(jobs_db, jobs_url, clock)

    async with jobs_db.transaction() as session:
        got = {r.subject_id: (r.occasion, r.status) for r in (await session.execute(
            select(Reminder).where(Reminder.rule == "c1_period_end",
                                   Reminder.subject_id.in_([str(idle.id), str(done.id), str(late.id)])))).scalars()}
        texts = {(n.subject_id, n.recipient_user_id): n.body for n in (await session.execute(
            select(Notification).where(Notification.kind == "c1_period_end", Notification.channel == "in_app",
                                       Notification.subject_id.in_([idle.id, done.id, late.id])))).scalars()}
    assert got == {str(idle.id): ("period:2025-Q2:-10", "sent"), str(late.id): ("period:2025-Q2:-10", "cancelled")}
    assert list(texts) == [(idle.id, users[idle.id].id)]
    assert "主要负责人带队安全检查" in texts[(idle.id, users[idle.id].id)]


async def test_r1_tasks_and_the_weekly_digest(jobs_db, jobs_url):
    clock = Clock(_sh("2025-11-03T09:00:00"))  # a Monday
    app = create_app(test_settings(), database=jobs_db, clock=clock)
    async with jobs_db.transaction() as session:
        world = World(session, app)
        village = await world.village()
        officer = await world.user("village_officer", org_unit=village)
        admin_user = await world.user("street_admin")
        admin = world.headers(admin_user)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        r = await client.post("/api/v1/supervision-tasks", headers=admin, json={
            "kind": "ad_hoc", "title": "排查出租房屋消防通道", "assignee_org_unit_id": str(village.id),
            "due_on": "2025-11-06"})
        assert r.status_code == 201, r.text
        task = r.json()
    env = JobEnv(jobs_db, test_settings(), clock)
    await run_scheduled(env, "reminders")
    await run_scheduled(env, "target-digest")
    await run_scheduled(env, "target-digest")  # the digest of a week goes out once
    await drain(jobs_db, jobs_url, clock)
    async with jobs_db.transaction() as session:
        to_officer = list((await session.execute(select(Notification.kind, Notification.body).where(
            Notification.recipient_user_id == officer.id))).all())
        to_admin = list((await session.execute(select(Notification.kind, Notification.body).where(
            Notification.recipient_user_id == admin_user.id, Notification.kind == "targets_weekly"))).all())
    assert [(k, "还剩3天" in b and task["title"] in b) for k, b in to_officer] == [("task_due", True)]
    assert len(to_admin) == 1 and "年度目标周报（2025-W45）" in to_admin[0].body
