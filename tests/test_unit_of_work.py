"""The unit of work outside HTTP: a service called from the command line's unit of work
leaves its change, its change-feed events and its audit row, committed together."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from app.db import migrate
from app.db.models import AuditLog, Escalation, Event, Hazard
from app.db.reference import ensure_reference_data
from app.db.repositories.users import load_principal
from app.db.session import Database
from app.db.unit_of_work import unit_of_work
from app.domain.access import scope_for
from app.domain.errors import RuleViolation
from app.main import create_app
from app.services import hazards, org_unit_escalations
from app.services.audit import verify_chain
from app.services.context import Context
from tests.conftest import TEST_AUDIT_KEY, Clock, test_settings
from tests.factories import World

NOW = datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc)
KEYS = test_settings().audit_keys


@pytest.fixture
async def committed(scratch_database):  # type: ignore[no-untyped-def]
    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    app = create_app(test_settings(), database=db, clock=Clock(NOW))
    async with db.transaction() as s:
        await ensure_reference_data(s)
        w = World(s, app)
        enterprise = await w.enterprise(await w.village(), "fire")
        user = await w.user("street_admin")
    yield url, db, enterprise, user
    await db.dispose()


async def _context(uow, user_id) -> Context:  # type: ignore[no-untyped-def]
    principal = await load_principal(uow.session, user_id)
    assert principal is not None
    return Context(uow, principal, scope_for(principal), NOW, date(2025, 6, 16))


async def test_a_service_called_through_the_cli_unit_of_work_leaves_its_events_and_audit_row(committed):
    _, db, enterprise, user = committed
    async with unit_of_work(db, KEYS, clock=lambda: NOW) as uow:
        ctx = await _context(uow, user.id)
        hazard = await hazards.create(ctx, hazards.NewHazard(
            enterprise_id=enterprise.id, grade="major", source="patrol", title="消防通道堵塞",
            discovered_on=date(2025, 6, 16),
        ))
    async with db.transaction() as s:
        assert (await s.get(Hazard, hazard.id)) is not None
        events = (await s.execute(select(Event).where(Event.resource_id == hazard.id).order_by(Event.seq))).scalars().all()
        assert [e.type for e in events] == ["hazard.created", "hazard.major_notified"]
        assert all(e.seq is not None for e in events)  # numbered at COMMIT
        rows = (await s.execute(select(AuditLog))).scalars().all()
        assert [(r.action, r.resource, r.resource_id, r.actor_id, r.method) for r in rows] == [
            ("hazard.create", "hazards", str(hazard.id), user.id, None)]
        assert rows[0].seq is not None and rows[0].hash is not None and rows[0].request_id == uow.id
        assert (await verify_chain(s, KEYS)).intact


async def test_a_failing_unit_of_work_leaves_nothing(committed):
    _, db, enterprise, user = committed
    with pytest.raises(RuleViolation):
        async with unit_of_work(db, KEYS, clock=lambda: NOW) as uow:
            ctx = await _context(uow, user.id)
            await hazards.create(ctx, hazards.NewHazard(
                enterprise_id=enterprise.id, grade="general", source="patrol", title="a", discovered_on=date(2025, 6, 16),
            ))
            await hazards.create(ctx, hazards.NewHazard(  # discovered in the future: refused
                enterprise_id=enterprise.id, grade="general", source="patrol", title="b", discovered_on=date(2025, 7, 1),
            ))
    async with db.transaction() as s:
        assert (await s.execute(select(Hazard))).first() is None
        assert (await s.execute(select(Event))).first() is None
        assert (await s.execute(select(AuditLog))).first() is None


async def test_the_create_user_command_is_audited(committed):
    url, db, _, _ = committed
    env = {**os.environ, "DATABASE_URL": url, "ANQUAN_ENV": "dev", "ANQUAN_AUDIT_KEY": TEST_AUDIT_KEY,
           "ANQUAN_ARGON2_TIME_COST": "1", "ANQUAN_ARGON2_MEMORY_KIB": "8192"}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app.cli", "create-user", "--username", "cli_admin", "--password", "pw-123456789",
         "--role", "street_admin"],
        capture_output=True, text=True, env=env,
    )
    assert done.returncode == 0, done.stderr
    user_id = done.stdout.strip()
    async with db.transaction() as s:
        rows = (await s.execute(select(AuditLog).where(AuditLog.action == "user.create"))).scalars().all()
        assert [(r.resource, r.resource_id, r.actor_id, r.path) for r in rows] == [("users", user_id, None, None)]
        assert (await verify_chain(s, KEYS)).intact


async def test_an_org_unit_escalation_outside_http_is_recorded_and_audited(committed):
    _, db, enterprise, user = committed
    step = org_unit_escalations.OrgUnitEscalationInput("letter", "整改迟缓", date(2025, 6, 10))
    async with unit_of_work(db, KEYS, clock=lambda: NOW) as uow:
        ctx = await _context(uow, user.id)
        escalation = await org_unit_escalations.escalate_org_unit(ctx, enterprise.village_id, step)
    async with db.transaction() as s:
        row = await s.get(Escalation, escalation.id)
        assert row is not None and (row.org_unit_id, row.kind, row.effective_on) == (
            enterprise.village_id, "letter", date(2025, 6, 10))
        rows = (await s.execute(select(AuditLog))).scalars().all()
        assert [(r.action, r.resource, r.resource_id, r.actor_id) for r in rows] == [
            ("org_unit.escalate", "org-units", str(enterprise.village_id), user.id)]
    with pytest.raises(RuleViolation) as refused:  # H7: never in the future
        async with unit_of_work(db, KEYS, clock=lambda: NOW) as uow:
            ctx = await _context(uow, user.id)
            await org_unit_escalations.escalate_org_unit(
                ctx, enterprise.village_id, org_unit_escalations.OrgUnitEscalationInput("letter", "x", date(2025, 6, 17)))
    assert refused.value.errors[0].field == "effective_on"
