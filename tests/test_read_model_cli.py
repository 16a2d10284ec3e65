"""`python -m app.cli rebuild-read-model`: on the demo street the read model matches the
ledger; a corrupted counter is reported (with --check, exit 1, nothing changed) and then
recomputed."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.db import migrate
from app.db.session import Database
from app.main import create_app
from app.settings import to_async_url
from tests.api.helpers import MAJOR_PLAN, create_hazard
from tests.conftest import test_settings as make_settings
from tests.test_settings_cli import _cli


def _sql(url: str, statement: str) -> object:
    async def run() -> object:
        engine = create_async_engine(to_async_url(url))
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(statement))
                return result.scalar() if result.returns_rows else None
        finally:
            await engine.dispose()

    return asyncio.run(run())


async def _write_some(url: str) -> None:
    """Hazards (one closed), an inspection and a drill through the API, committed."""
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        app = create_app(make_settings(), database=db)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.post("/api/v1/auth/token", data={"username": "rm_admin", "password": "rm-password-123"})
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
            enterprises = (await client.get("/api/v1/enterprises?limit=3", headers=auth)).json()["items"]
            for i, e in enumerate(enterprises):
                h = await create_hazard(client, auth, type("E", (), {"id": e["id"]}), grade=("major", "general")[i % 2],
                                        discovered_on=f"2025-0{i + 1}-10")
                if i == 0:  # planned, submitted and accepted, on business dates of its own
                    for path, body in (("plan", {**MAJOR_PLAN, "deadline": "2025-03-31"}), ("submit", {"evidence": "已整改"}),
                                       ("review", {"decision": "approve"})):
                        r = await client.post(f"/api/v1/hazards/{h['id']}/{path}", headers=auth,
                                              json={**body, "effective_on": "2025-02-20"})
                        assert r.status_code == 200, r.text
                for path, body in (
                    ("/api/v1/inspections", {"enterprise_id": e["id"], "kind": "principal_self", "led_by_principal": True,
                                             "performed_on": "2025-05-06"}),
                    ("/api/v1/drills", {"enterprise_id": e["id"], "kind": "evacuation", "held_on": "2025-04-10",
                                        "participants": 30}),
                ):
                    assert (await client.post(path, headers=auth, json=body)).status_code == 201
    finally:
        await db.dispose()


def test_rebuild_reports_and_repairs_a_corrupted_row(scratch_database):
    url = scratch_database()
    migrate.upgrade(url)
    for args in (("seed", "--demo"), ("create-user", "--username", "rm_admin", "--password", "rm-password-123",
                                      "--role", "street_admin")):
        done = _cli(url, *args)
        assert done.returncode == 0, done.stderr
    asyncio.run(_write_some(url))
    assert _sql(url, "SELECT count(*) FROM rm_hazard_cell WHERE n > 0") > 0

    clean = _cli(url, "rebuild-read-model", "--check")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "read model matches the ledger" in clean.stdout

    _sql(url, "UPDATE rm_hazard_cell SET n = n + 3 WHERE ctid = (SELECT min(ctid) FROM rm_hazard_cell WHERE n > 0)")
    _sql(url, "DELETE FROM rm_event_day WHERE ctid = (SELECT min(ctid) FROM rm_event_day)")
    before = _sql(url, "SELECT sum(n) FROM rm_hazard_cell")

    check = _cli(url, "rebuild-read-model", "--check")
    assert check.returncode == 1
    assert "rm_hazard_cell: 1 rows missing or wrong, 1 rows extra" in check.stdout
    assert "rm_event_day: 1 rows missing or wrong, 0 rows extra" in check.stdout
    assert "rm_major: matches the ledger" in check.stdout
    assert "differs from the ledger in rm_hazard_cell, rm_event_day" in check.stderr
    assert _sql(url, "SELECT sum(n) FROM rm_hazard_cell") == before  # --check changes nothing

    rebuilt = _cli(url, "rebuild-read-model")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "recomputed from the ledger: rm_hazard_cell, rm_event_day" in rebuilt.stdout
    assert _sql(url, "SELECT sum(n) FROM rm_hazard_cell") == before - 3
    again = _cli(url, "rebuild-read-model", "--check")
    assert again.returncode == 0 and "read model matches the ledger" in again.stdout
