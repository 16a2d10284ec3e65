"""import_50k: a ledger of 50,000 hazards (.xlsx, the export's headers) uploaded to the
service (one uvicorn process) and validated and committed by a job worker
(`python -m app.cli worker`, a second process, as in production), timed from the upload to
`committed`; the job worker's memory growth is its peak resident size (VmHWM) less its size
before the upload (the API process's growth is reported beside it). Targets: ≤ 60 s and ≤ 200 MiB.

It works in the bench database of its own (BENCH_DATABASE_NAME): recreated, migrated, the
reference data, 8 villages and 500 enterprises, one street_admin."""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

IMPORT_SCENARIOS = {"import_50k"}
ROWS = 50_000
ENTERPRISES = 500
SECONDS_TARGET = 60.0
MIB_TARGET = 200.0


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def ledger_xlsx(enterprises: list[tuple[str, str, str]], rows: int, seed: int = 2024) -> bytes:
    """The export's columns, states in a plausible mix, business dates 2023–2025."""
    from openpyxl import Workbook

    from app.domain.imports import HAZARD_EXPORT_HEADERS

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患台账")
    ws.append(list(HAZARD_EXPORT_HEADERS))
    states = ["已上报", "整改中", "待审核", "已销号", "已销号", "已销号", "已作废"]
    for i in range(rows):
        name, code, village = enterprises[i % len(enterprises)]
        discovered = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 880))
        state = rng.choice(states)
        planned = state in ("整改中", "待审核", "已销号")
        deadline = discovered + timedelta(days=rng.randrange(10, 120)) if planned else None
        closed = discovered + timedelta(days=rng.randrange(1, 90)) if state == "已销号" else None
        ws.append([
            None, f"隐患{i:05d}：{rng.choice(['消防通道堵塞', '配电箱未接地', '储罐区报警器失效', '有限空间未审批'])}", name, code,
            village, None, rng.choice(["重大", "一般", "一般", "一般"]), rng.choice(["自查", "巡查", "督导检查", "执法检查"]),
            discovered, deadline, state, None, 0, "否", "李明" if planned else None, closed,
        ])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _prepare(url: str) -> tuple[list[tuple[str, str, str]], Any]:
    from app.db import migrate
    from app.db.models import AppUser, Enterprise, EnterpriseState, OrgUnit
    from app.db.reference import ensure_reference_data
    from app.db.session import Database
    from app.domain.enterprises import credit_code_check_character, default_high_risk
    from app.services.security import PasswordHashing
    from app.settings import Settings

    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=1, max_overflow=0)
    rng = random.Random(7)
    made: list[tuple[str, str, str]] = []
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            villages = [OrgUnit(kind="village", name=f"【演示】导入村{i}", code=f"bench-import-{i}") for i in range(8)]
            session.add_all(villages)
            await session.flush()
            codes: set[str] = set()
            for i in range(ENTERPRISES):
                while True:
                    body = "91340" + "".join(rng.choice("0123456789") for _ in range(12))
                    code = body + credit_code_check_character(body)
                    if code not in codes:
                        codes.add(code)
                        break
                village = villages[i % 8]
                e = Enterprise(name=f"【演示】导入企业{i:03d}有限公司", credit_code=code, village_id=village.id,
                               sector="industry_trade", high_risk=default_high_risk("industry_trade"), status="active",
                               registered_on=date(2020, 1, 1), tags=[], principal_name="王强", principal_phone="13800138000",
                               controller_name="王建国", controller_phone="13900139000")
                session.add(e)
                await session.flush()
                session.add(EnterpriseState(enterprise_id=e.id, effective_on=e.registered_on, status="active",
                                            high_risk=e.high_risk))
                made.append((e.name, code, village.name))
            street = (await session.execute(
                OrgUnit.__table__.select().where(OrgUnit.code == "street_office"))).first()
            admin = AppUser(username="bench_import_admin", role="street_admin", org_unit_id=street.id,
                            password_hash=PasswordHashing(Settings(argon2_time_cost=1, argon2_memory_kib=8192)).hash("x" * 12))
            session.add(admin)
            await session.flush()
            return made, admin.id
    finally:
        await db.dispose()


async def run_import_bench(server: Any, root: Path, *, log: Callable[[str], None]) -> int:
    from bench.db import recreate_database
    from app.services.security import TokenService
    from app.settings import Settings

    url = server.bench_url
    log(f"import_50k: recreating {url.rsplit('/', 1)[-1]}")
    await recreate_database(server)
    enterprises, admin_id = await _prepare(url)
    log(f"import_50k: generating a ledger of {ROWS:,} hazards")
    content = await asyncio.to_thread(ledger_xlsx, enterprises, ROWS)
    log(f"import_50k: {len(content) / 2**20:.1f} MiB")
    secret = secrets.token_hex(32)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": url, "ANQUAN_ENV": "production", "ANQUAN_JWT_SECRET": secret,
                "ANQUAN_AUDIT_KEY": secret[::-1], "ANQUAN_DATA_DIR": str(root / "var" / "bench" / "data")})
    port = 18000 + secrets.randbelow(2000)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        cwd=root, env=env,
    )
    # the job worker, a second process of the same image as in production: it validates and commits
    worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=root, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            for _ in range(600):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            settings = Settings(env="production", jwt_secret=secret, audit_key=secret[::-1])
            auth = {"Authorization": f"Bearer {TokenService(settings).issue(admin_id, 'street_admin')}"}
            await client.get("/api/v1/imports/templates/hazards", headers=auth)  # warm the worker up
            await asyncio.sleep(2)  # the worker has started and connected
            baseline = _status_kib(worker.pid, "VmRSS")
            api_baseline = _status_kib(process.pid, "VmRSS")
            started = time.monotonic()
            r = await client.post("/api/v1/imports", headers=auth, data={"kind": "hazards"},
                                  files={"file": ("ledger.xlsx", content, "application/octet-stream")})
            assert r.status_code == 201, r.text
            uploaded = time.monotonic()
            location = r.headers["Location"]

            async def until(status: str) -> dict[str, Any]:
                while True:
                    body = (await client.get(location, headers=auth)).json()
                    if body["status"] not in ("validating", "committing"):
                        assert body["status"] == status, body
                        return body
                    await asyncio.sleep(0.25)

            ready = await until("ready")
            validated = time.monotonic()
            r = await client.post(location + "/commit", headers=auth, json={"skip_invalid": True})
            assert r.status_code == 202, r.text
            done = await until("committed")
            finished = time.monotonic()
            peak = _status_kib(worker.pid, "VmHWM")
            api_peak = _status_kib(process.pid, "VmHWM")
    finally:
        for proc in (worker, process):
            proc.terminate()
        for proc in (worker, process):
            proc.wait(timeout=30)
    result = {
        "scenario": "import_50k",
        "rows": ROWS,
        "counts": ready["counts"],
        "created": done["created_count"],
        "upload_seconds": round(uploaded - started, 2),
        "validation_seconds": round(validated - uploaded, 2),
        "commit_seconds": round(finished - validated, 2),
        "total_seconds": round(finished - started, 2),
        "worker_rss_before_mib": round(baseline / 1024, 1),
        "worker_peak_growth_mib": round((peak - baseline) / 1024, 1),
        "api_peak_growth_mib": round((api_peak - api_baseline) / 1024, 1),
        "targets": {"total_seconds <= 60": finished - started <= SECONDS_TARGET,
                    "worker_peak_growth_mib <= 200": (peak - baseline) / 1024 <= MIB_TARGET},
        "load_average": os.getloadavg(),
    }
    out = root / "var" / "bench" / "import_50k.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    log("import_50k: " + json.dumps(result, ensure_ascii=False))
    return 0 if all(result["targets"].values()) else 1
