"""The real service for contract tests: a scratch database migrated by alembic and seeded
with a small street, and `uvicorn app.main:create_app --factory` in a subprocess on a free
port. Schemathesis, the BOLA suite and the property tests talk to it over HTTP, so the
app's asyncpg pool lives on the server's own event loop, as in production."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from app.db import migrate
from app.db.reference import ensure_reference_data
from app.db.session import Database
from app.domain.calendar import business_date
from app.services.security import PasswordHashing, TokenService
from tests.conftest import TEST_AUDIT_KEY, TEST_SECRET, test_settings
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v1"
PASSWORD = "contract-pass-2024"

# Generous enough that fuzzing is never throttled; the limit tests start a server of their own.
GENEROUS_LIMITS = {
    "ANQUAN_AUTH_RATE_PER_MINUTE": "1000000",
    "ANQUAN_PUBLIC_REPORT_RATE_PER_HOUR": "1000000",
    "ANQUAN_LOGIN_MAX_FAILURES": "1000000",
}

# A 1×1 PNG: the smallest evidence file the attachment endpoint accepts.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Street:
    """What the seed built: ids by name, and a bearer header per named user."""

    ids: dict[str, str] = field(default_factory=dict)
    users: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> Authorization header
    usernames: dict[str, str] = field(default_factory=dict)

    def auth(self, name: str) -> dict[str, str]:
        return dict(self.users[name])


async def _seed_database(url: str) -> Street:
    """Reference data, villages, enterprises of several sectors and one user per role."""
    settings = test_settings()
    fake_app = SimpleNamespace(state=SimpleNamespace(passwords=PasswordHashing(settings), tokens=TokenService(settings)))
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    street = Street()
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            world = World(session, fake_app)
            v1 = await world.village("契约东村")
            v2 = await world.village("契约西村")
            enterprises = {
                "e1": await world.enterprise(v1, "hazardous_chemicals", tags=["dust_explosion"]),
                "e2": await world.enterprise(v2, "construction"),
                "e3": await world.enterprise(v1, "fire"),
                "e4": await world.enterprise(v2, "industry_trade", tags=["hospital_grade2"]),
                "e5": await world.enterprise(v1, "gas"),
            }
            street.ids.update(v1=str(v1.id), v2=str(v2.id), **{k: str(e.id) for k, e in enterprises.items()})
            emergency = await world.department("emergency_management")
            housing = await world.department("housing_construction")
            street.ids.update(emergency=str(emergency.id), housing=str(housing.id), street_office=str((await world.street_office()).id))
            people = {
                "admin": ("street_admin", {}),
                "supervisor": ("supervisor", {}),
                "dept_emergency": ("department_officer", {"org_unit": emergency}),
                "dept_housing": ("department_officer", {"org_unit": housing}),
                "village1": ("village_officer", {"org_unit": v1}),
                "village2": ("village_officer", {"org_unit": v2}),
                "ent1": ("enterprise_user", {"enterprise": enterprises["e1"]}),
                "ent3": ("enterprise_user", {"enterprise": enterprises["e3"]}),
                "viewer": ("district_viewer", {}),
            }
            for name, (role, kwargs) in people.items():
                user = await world.user(role, password=PASSWORD, username=f"ct_{name}", **kwargs)
                street.users[name] = world.headers(user)
                street.usernames[name] = user.username
                street.ids[f"user_{name}"] = str(user.id)
    finally:
        await db.dispose()
    return street


def _seed_through_api(base_url: str, street: Street, env: dict[str, str] | None = None) -> None:
    """Objects of every kind, made the way clients make them."""
    today = business_date(datetime.now(timezone.utc))
    admin = street.auth("admin")
    with httpx.Client(base_url=base_url, timeout=30) as c:

        def post(path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
            r = c.post(API + path, json=body, headers=headers or admin)
            assert r.status_code in (200, 201), (path, r.status_code, r.text)
            return r.json()

        up = c.post(API + "/attachments", files={"file": ("evidence.png", PNG, "image/png")}, headers=admin)
        assert up.status_code == 201, up.text
        street.ids["attachment"] = up.json()["id"]
        for n, (ent, grade) in enumerate([("e1", "major"), ("e2", "general"), ("e3", "general"), ("e4", "major"), ("e1", "general")]):
            h = post("/hazards", {
                "enterprise_id": street.ids[ent], "grade": grade, "source": "supervision",
                "title": f"契约隐患{n}", "discovered_on": str(today - timedelta(days=30 - n)),
                "attachment_ids": [street.ids["attachment"]] if n == 0 else [],
            })
            street.ids[f"hazard{n}"] = h["id"]
        plan = {"responsible_person": "李明", "measures": "整改", "funds": "1000.00",
                "deadline": str(today + timedelta(days=30)), "contingency_plan": "停用"}
        post(f"/hazards/{street.ids['hazard0']}/plan", plan)
        post(f"/hazards/{street.ids['hazard1']}/plan", plan)
        post(f"/hazards/{street.ids['hazard1']}/submit", {"evidence": "已整改"})
        post(f"/hazards/{street.ids['hazard2']}/plan", plan)
        post(f"/hazards/{street.ids['hazard2']}/submit", {"evidence": "已整改"})
        post(f"/hazards/{street.ids['hazard2']}/review", {"decision": "approve"})
        street.ids["inspection"] = post("/inspections", {
            "enterprise_id": street.ids["e1"], "kind": "principal_self", "performed_on": str(today - timedelta(days=3)),
            "led_by_principal": True, "findings": [{"grade": "general", "title": "契约检查发现"}],
        })["id"]
        street.ids["drill"] = post("/drills", {
            "enterprise_id": street.ids["e1"], "kind": "evacuation", "held_on": str(today - timedelta(days=5)), "participants": 20,
        })["id"]
        street.ids["training"] = post("/trainings", {
            "enterprise_id": street.ids["e1"], "trainee_role": "principal", "topic": "主要负责人培训",
            "held_on": str(today - timedelta(days=5)), "hours": "8.0", "passed": True,
        })["id"]
        street.ids["task"] = post("/supervision-tasks", {
            "kind": "supervision_round", "title": "契约督导", "assignee_org_unit_id": street.ids["v1"],
            "target_org_unit_id": street.ids["v1"], "due_on": str(today + timedelta(days=30)),
        })["id"]
        post(f"/hazards/{street.ids['hazard0']}/escalations", {"kind": "letter", "note": "函告"})
        post(f"/org-units/{street.ids['v1']}/escalations", {"kind": "circular", "note": "通报"})
        r = c.post(API + "/public/reports", json={"description": "契约举报", "village_id": street.ids["v1"]})
        assert r.status_code == 201, r.text
        street.ids["tracking_code"] = r.json()["tracking_code"]
        reports = c.get(API + "/reports", headers=admin).json()["items"]
        street.ids["report"] = reports[0]["id"]
        # a ledger import of village 1's officer, with one valid and one invalid row
        code = c.get(API + f"/enterprises/{street.ids['e1']}", headers=admin).json()["credit_code"]
        ledger = f"统一社会信用代码,演练类型,演练日期,参演人数\n{code},疏散演练,{today},20\n{code},逃跑,{today},3\n"
        r = c.post(API + "/imports", data={"kind": "drills"}, files={"file": ("契约导入.csv", ledger.encode(), "text/csv")},
                   headers=street.auth("village1"))
        assert r.status_code == 201, r.text
        street.ids["import"] = r.json()["id"]
        # a webhook subscription of the street office (to a loopback receiver that is not there)
        r = c.post(API + "/webhook-subscriptions", headers=admin,
                   json={"url": "http://127.0.0.1:9/contract-hook", "event_types": ["hazard.created"]})
        assert r.status_code == 201, r.text
        street.ids["webhook_subscription"] = r.json()["id"]
        # a reminder rule of the street (its code is its id)
        street.ids["reminder_rule"] = c.get(API + "/reminder-rules/hazard_deadline", headers=admin).json()["code"]
        if env is not None:
            # R3: a major hazard overdue by 10 days and the daily job run by hand make a proposal
            overdue = post("/hazards", {
                "enterprise_id": street.ids["e1"], "grade": "major", "source": "patrol", "title": "契约逾期重大隐患",
                "discovered_on": str(today - timedelta(days=20)),
            })
            post(f"/hazards/{overdue['id']}/plan", {
                "responsible_person": "契约负责人", "measures": "契约措施", "funds": "1000.00",
                "deadline": str(today - timedelta(days=10)), "contingency_plan": "契约预案",
                "effective_on": str(today - timedelta(days=19)),
            })
            done = subprocess.run([sys.executable, "-m", "app.cli", "run-scheduled", "escalation-proposals"],
                                  env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            proposals = c.get(API + "/escalation-proposals", params={"hazard_id": overdue["id"]}, headers=admin).json()
            street.ids["escalation_proposal"] = proposals["items"][0]["id"]


@dataclass
class LiveServer:
    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    street: Street
    env: dict[str, str]
    data_dir: Path

    @property
    def api(self) -> str:
        return self.base_url + API

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the service and remove its data directory (attachments, log)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def start_server(database_url: str, *, extra_env: dict[str, str] | None = None, seed: bool = True) -> LiveServer:
    """Migrate and seed `database_url`, start the service on a free port, wait for /readyz."""
    migrate.upgrade(database_url)
    street = asyncio.run(_seed_database(database_url)) if seed else Street()
    port = free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="anquan-contract-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_")},
        "DATABASE_URL": database_url,
        "ANQUAN_ENV": "test",
        "ANQUAN_JWT_SECRET": TEST_SECRET,
        "ANQUAN_AUDIT_KEY": TEST_AUDIT_KEY,
        "ANQUAN_ARGON2_TIME_COST": "1",
        "ANQUAN_ARGON2_MEMORY_KIB": "8192",
        "ANQUAN_DATA_DIR": str(data_dir),
        "ANQUAN_DB_POOL_SIZE": "10",
        "ANQUAN_DB_MAX_OVERFLOW": "10",
        **GENEROUS_LIMITS,
        "ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS": '["127.0.0.1"]',
        "ANQUAN_WORKER_IN_PROCESS": "true",  # the job engine's worker, as under ./scripts/run
        **(extra_env or {}),
    }
    log_path = data_dir / "server.log"
    log = open(log_path, "wb")  # noqa: SIM115 - owned by the subprocess for its lifetime
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--no-proxy-headers", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, process, log_path, street, env, data_dir)
    deadline = time.monotonic() + 120
    while True:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"the service exited with {process.returncode}:\n{tail}")
        try:
            if httpx.get(server.base_url + "/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"the service did not become ready in 120 s:\n{tail}")
        time.sleep(0.1)
    if seed:
        try:
            _seed_through_api(server.base_url, street, server.env)
        except BaseException:
            server.stop()
            raise
    return server


if __name__ == "__main__":  # manual exploration: python -m tests.contract.live postgresql://.../db
    import json

    srv = start_server(sys.argv[1])
    print(json.dumps({"base_url": srv.base_url, "ids": srv.street.ids, "users": srv.street.users}, ensure_ascii=False))
    sys.stdout.flush()
    try:
        srv.process.wait()
    except KeyboardInterrupt:
        srv.stop()
