"""I1: an export of the hazard ledger (xlsx and csv) imports into an empty street unchanged:
the street's enterprises are imported first (through the import too), then the export; the
new street's export is the old one's, id for id and cell for cell. The export streams from a
connection of its own, so both streets are committed databases of their own; the new one's
imports are validated and committed by a real worker of the job engine."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from app.db import migrate
from app.db.reference import ensure_reference_data
from app.db.session import Database
from app.domain.imports import headers
from app.main import create_app
from tests.api.helpers import drive
from tests.api.test_imports import committed, csv_bytes, uploaded
from tests.conftest import Clock, LiveWorld, test_settings
from tests.jobs.conftest import worker

NOW = datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc)


async def _street(scratch_database):  # type: ignore[no-untyped-def]
    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=4, max_overflow=2)
    async with db.transaction() as session:
        await ensure_reference_data(session)
    return LiveWorld(db, create_app(test_settings(), database=db, clock=Clock(NOW)))


@pytest.fixture(scope="module")
async def old_street(live):  # type: ignore[no-untyped-def]
    async def build(world):  # type: ignore[no-untyped-def]
        east, west = await world.village("东湖村"), await world.village("西岭社区")
        chem = await world.enterprise(east, "hazardous_chemicals", name="东湖精细化工有限公司", registered_on=datetime(2019, 3, 1).date())
        mall = await world.enterprise(west, "fire", name="西岭商场", tags=["large_commercial_complex"])
        admin = world.headers(await world.user("street_admin"))
        return {"villages": [east, west], "enterprises": [chem, mall], "admin": admin}

    street = await live.build(build)
    admin = street["admin"]
    chem, mall = street["enterprises"]
    async with live.client() as c:
        async def hazard(enterprise, **body):  # type: ignore[no-untyped-def]
            r = await c.post("/api/v1/hazards", headers=admin, json={
                "enterprise_id": str(enterprise.id), "grade": "general", "source": "supervision",
                "title": "配电箱未接地", "discovered_on": "2024-03-02", **body})
            assert r.status_code == 201, r.text
            return r.json()

        await hazard(chem, grade="major", title="储罐区可燃气体报警器失效", discovered_on="2023-11-20")
        await drive(c, admin, await hazard(chem, title="=HYPERLINK(\"http://x\")", source="patrol"), "plan")
        await drive(c, admin, await hazard(mall, source="self_inspection"), "plan", "submit")
        await drive(c, admin, await hazard(mall, grade="major", title="疏散通道堵塞", source="enforcement"),
                    "plan", "submit", "approve")
        voided = await hazard(mall, title="误报", source="patrol")
        r = await c.post(f"/api/v1/hazards/{voided['id']}/void", headers=admin, json={"reason": "经核查不是隐患"})
        assert r.status_code == 200, r.text
        listed = await drive(c, admin, await hazard(chem, title="有限空间作业未审批", source="other"), "plan")
        r = await c.post(f"/api/v1/hazards/{listed['id']}/extend", headers=admin,
                         json={"deadline": "2025-09-30", "reason": "设备到货延迟"})
        assert r.status_code == 200, r.text
    return street


def enterprises_file(street) -> bytes:  # type: ignore[no-untyped-def]
    names = {v.id: v.name for v in street["villages"]}
    rows = [list(headers("enterprises"))[:12]]
    for e in street["enterprises"]:
        rows.append([e.name, e.credit_code, names[e.village_id], e.sector, "是" if e.high_risk else "否", e.status,
                     e.registered_on.isoformat(), "、".join(e.tags), e.principal_name, e.principal_phone,
                     e.controller_name, e.controller_phone])
    return csv_bytes(rows)


def xlsx_rows(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
async def test_i1_an_export_imports_into_an_empty_street_unchanged(old_street, live, scratch_database, fmt):
    async with live.client() as c:
        exported = await c.get(f"/api/v1/hazards/export?format={fmt}", headers=old_street["admin"])
    assert exported.status_code == 200, exported.text
    new = await _street(scratch_database)
    try:
        async def build(world):  # type: ignore[no-untyped-def]
            for village in old_street["villages"]:
                await world.village(village.name)
            return world.headers(await world.user("street_admin"))

        admin = await new.build(build)
        async with worker(new.db, new.db.raw_url, clock=Clock(NOW)), new.client() as c:
            imp = await uploaded(c, admin, "enterprises", enterprises_file(old_street), "enterprises.csv")
            assert imp["counts"] == {"valid": 2, "invalid": 0, "duplicates": 0}, imp
            assert (await committed(c, admin, imp["id"]))["status"] == "committed"
            imp = await uploaded(c, admin, "hazards", exported.content, f"hazards.{fmt}")
            assert imp["counts"] == {"valid": 6, "invalid": 0, "duplicates": 0}, imp
            assert (await committed(c, admin, imp["id"]))["status"] == "committed"
            again = await c.get(f"/api/v1/hazards/export?format={fmt}", headers=admin)
        assert again.status_code == 200
        if fmt == "csv":
            assert again.content == exported.content
        else:
            assert xlsx_rows(again.content) == xlsx_rows(exported.content)
            assert len(xlsx_rows(again.content)) == 7
    finally:
        await new.db.dispose()
