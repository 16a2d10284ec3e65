"""The audit trail: every write in the same transaction, hash-chained, tamper-evident."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from sqlalchemy import func, select, text

from app.db.models import AuditLog
from app.services.audit import verify_chain
from tests.api.helpers import create_hazard
from tests.conftest import TEST_AUDIT_KEY, test_settings

KEYS = test_settings().audit_keys


async def test_every_write_is_audited_with_who_and_what(client, world, session):
    v = await world.village()
    e = await world.enterprise(v, "fire")
    admin_user = await world.user("street_admin")
    admin = {**world.headers(admin_user), "X-Request-ID": "req-audit-1"}
    h = await create_hazard(client, admin, e, grade="general")
    await client.get(f"/api/v1/hazards/{h['id']}", headers=admin)  # reads are not audited
    r = await client.post("/api/v1/hazards", headers=admin, json={"title": "incomplete"})
    assert r.status_code == 422  # failed writes leave no row
    rows = (await session.execute(select(AuditLog).order_by(AuditLog.id))).scalars().all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.actor_id, row.actor_role, row.method, row.path, row.resource, row.resource_id, row.status_code) == (
        admin_user.id, "street_admin", "POST", "/api/v1/hazards", "hazards", h["id"], 201)
    assert row.action == "hazard.create" and row.key_id == KEYS.current and len(row.mac) == 64
    assert row.request_id == "req-audit-1" and row.client_address == "203.0.113.7"
    assert row.org_unit_id == (await world.street_office()).id


async def test_audit_endpoint_is_street_admin_only_and_filters(client, world):
    v = await world.village()
    e = await world.enterprise(v, "fire")
    admin = await world.as_("street_admin")
    h = await create_hazard(client, admin, e, grade="general")
    await client.patch(f"/api/v1/hazards/{h['id']}", headers=admin, json={"title": "改"})
    r = await client.get("/api/v1/audit", headers=admin, params={"resource_id": h["id"]})
    assert r.status_code == 200
    assert [(i["method"], i["resource"]) for i in r.json()["items"]] == [("PATCH", "hazards"), ("POST", "hazards")]
    r = await client.get("/api/v1/audit", headers=admin, params={"method": "PATCH", "limit": 1})
    assert len(r.json()["items"]) == 1
    for role in ("supervisor", "district_viewer"):
        r = await client.get("/api/v1/audit", headers=await world.as_(role))
        assert r.status_code == 403


async def test_audit_chain_detects_tampering(client, world, session):
    v = await world.village()
    e = await world.enterprise(v, "fire")
    admin = await world.as_("street_admin")
    for i in range(4):
        await create_hazard(client, admin, e, grade="general", title=f"h{i}")
    v = await verify_chain(session, KEYS)
    assert v.bad is None and v.checked == 4
    seqs = (await session.execute(select(AuditLog.seq).order_by(AuditLog.seq))).scalars().all()
    assert seqs == sorted(seqs) and len(seqs) == 4
    await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
    await session.execute(text("UPDATE audit_log SET path = '/x' WHERE seq = :s"), {"s": seqs[1]})
    v = await verify_chain(session, KEYS)
    assert v.bad == seqs[1] and "changed" in v.reason and v.checked == 1
    await session.execute(text("UPDATE audit_log SET path = '/api/v1/hazards' WHERE seq = :s"), {"s": seqs[1]})
    await session.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": seqs[2]})
    v = await verify_chain(session, KEYS)
    assert v.bad == seqs[3] and "removed" in v.reason
    await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"))


async def test_audit_rows_cannot_be_changed_without_disabling_the_trigger(client, world, session):
    v = await world.village()
    admin = await world.as_("street_admin")
    await create_hazard(client, admin, await world.enterprise(v, "fire"), grade="general")
    try:
        async with session.begin_nested():
            await session.execute(text("DELETE FROM audit_log"))
    except Exception as exc:  # noqa: BLE001
        assert "append-only" in str(exc)
    else:
        raise AssertionError("delete was allowed")


async def test_verify_audit_cli_names_the_tampered_row(scratch_database, world):
    from app.db import migrate
    from app.db.session import Database
    from app.main import create_app
    from tests.conftest import Clock, test_settings
    from tests.factories import World

    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        from datetime import datetime, timezone

        app = create_app(test_settings(), database=db, clock=Clock(datetime(2025, 6, 16, 2, tzinfo=timezone.utc)))
        from app.db.reference import ensure_reference_data

        async with db.transaction() as s:
            await ensure_reference_data(s)
            w = World(s, app)
            e = await w.enterprise(await w.village(), "fire")
            headers = await w.as_("street_admin")
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            for i in range(3):
                await create_hazard(c, headers, e, grade="general", title=f"h{i}")
        env = {**os.environ, "DATABASE_URL": url, "ANQUAN_ENV": "dev", "ANQUAN_AUDIT_KEY": TEST_AUDIT_KEY}
        ok = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "app.cli", "verify-audit"],
                                     capture_output=True, text=True, env=env)
        assert ok.returncode == 0 and "3 rows checked" in ok.stdout, ok.stderr
        async with db.transaction() as s:
            second = (await s.execute(select(AuditLog.seq).order_by(AuditLog.seq).offset(1).limit(1))).scalar_one()
            await s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
            await s.execute(text("UPDATE audit_log SET actor_role = 'supervisor' WHERE seq = :s"), {"s": second})
            await s.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"))
        bad = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "app.cli", "verify-audit"],
                                      capture_output=True, text=True, env=env)
        assert bad.returncode == 1
        assert f"broken at row {second}" in bad.stderr and "changed" in bad.stderr
        async with db.transaction() as s:
            n = (await s.execute(select(func.count()).select_from(AuditLog))).scalar_one()
        assert n == 3
    finally:
        await db.dispose()


async def test_each_write_is_audited_with_the_services_action(client, world, session):
    """The service names what it did; a write no service describes (a token grant) still
    leaves its row, named after its route."""
    v = await world.village()
    e = await world.enterprise(v, "fire")
    admin_user = await world.user("street_admin", password="pw-for-the-token")
    admin = world.headers(admin_user)
    h = await create_hazard(client, admin, e, grade="general")
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin,
                          json={"responsible_person": "张三", "deadline": "2025-07-01"})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/hazards/{h['id']}/listing", headers=admin, json={"listed": True})
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/auth/token", data={"username": admin_user.username, "password": "pw-for-the-token"})
    assert r.status_code == 200, r.text
    rows = (await session.execute(select(AuditLog).order_by(AuditLog.seq))).scalars().all()
    assert [(r.action, r.resource, r.resource_id, r.path) for r in rows] == [
        ("hazard.create", "hazards", h["id"], "/api/v1/hazards"),
        ("hazard.plan", "hazards", h["id"], f"/api/v1/hazards/{h['id']}/plan"),
        ("hazard.list", "hazards", h["id"], f"/api/v1/hazards/{h['id']}/listing"),
        ("create_token", None, None, "/api/v1/auth/token"),
    ]
    assert (await verify_chain(session, KEYS)).intact
