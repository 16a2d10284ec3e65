"""I2: the validation runs after the upload's answer, as a job of the job engine, and its
progress is readable while it runs — on the real service (uvicorn) with its worker in the API
process (as under ./scripts/run), which serves the polls meanwhile."""

from __future__ import annotations

import asyncio
import csv
import io
import time

import httpx

from app.db import migrate
from app.db.reference import ensure_reference_data
from app.db.session import Database
from app.services.security import PasswordHashing, TokenService
from tests.conftest import test_settings
from tests.contract.live import API, start_server
from tests.factories import World


async def _street(url: str) -> tuple[str, str]:
    settings = test_settings()
    from types import SimpleNamespace

    app = SimpleNamespace(state=SimpleNamespace(passwords=PasswordHashing(settings), tokens=TokenService(settings)))
    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            world = World(session, app)
            enterprise = await world.enterprise(await world.village("进度村"))
            admin = await world.user("street_admin")
            return enterprise.credit_code, world.headers(admin)["Authorization"]
    finally:
        await db.dispose()


def test_i2_progress_is_readable_while_the_validation_runs(scratch_database) -> None:
    url = scratch_database()
    migrate.upgrade(url)
    code, token = asyncio.run(_street(url))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["统一社会信用代码", "演练类型", "演练日期", "参演人数"])
    rows = 30_000
    for i in range(rows):
        writer.writerow([code, "疏散演练", "2025-03-01", i % 100])
    server = start_server(url, seed=False)
    try:
        with httpx.Client(base_url=server.base_url, timeout=60, headers={"Authorization": token}) as c:
            r = c.post(API + "/imports", data={"kind": "drills"}, files={"file": ("drills.csv", out.getvalue().encode(), "text/csv")})
            assert r.status_code == 201, r.text
            assert r.json()["status"] == "validating"
            seen = []
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                body = c.get(r.headers["Location"]).json()
                seen.append((body["status"], body["progress"]["rows_done"], body["progress"]["rows_total"]))
                if body["status"] != "validating":
                    break
                time.sleep(0.05)
        assert seen[-1] == ("ready", rows, rows), seen[-5:]
        assert any(s == "validating" and total == rows and 0 < done < rows for s, done, total in seen), seen
    finally:
        server.stop()
