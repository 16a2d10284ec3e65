"""The demo street (app/db/demo.py over app/db/generator.py): two and a half years of
history that the domain's own rules agree with (H2 transitions, H7 dates, T1–T3 from the
pure reference model), figures worth designing a dashboard against, every name marked
【演示】, loaded in seconds, and the same rows for the same day."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest

from app.db import migrate
from app.db.demo import DEMO_MARK, DEMO_PASSWORD, is_empty, load_demo
from app.db.reference import ensure_reference_data
from app.db.session import Database
from app.domain.calendar import business_date
from app.domain.hazards import TRANSITIONS, Action, HazardStatus
from app.domain.targets import HazardTimeline, evaluate_targets
from app.main import create_app
from app.serve import wants_demo
from app.services.security import PasswordHashing
from app.settings import Settings, to_plain_url
from tests.conftest import Clock, test_settings

TODAY = date(2026, 12, 2)
NON_TRANSITIONS = {"notify", "list", "delist", "escalate"}  # recorded on the hazard, its state unchanged


@dataclass
class Demo:
    url: str
    seconds: float
    counts: dict[str, int]


async def _load(url: str, today: date) -> Demo:
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        started = time.perf_counter()
        async with db.transaction() as session:
            await ensure_reference_data(session)
            assert await is_empty(session)
            counts = await load_demo(session, PasswordHashing(test_settings()), today=today)
        return Demo(url, time.perf_counter() - started, counts)
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
async def demo(scratch_database) -> Demo:  # type: ignore[no-untyped-def]
    return await _load(scratch_database(), TODAY)


@pytest.fixture(scope="module")
async def pg(demo: Demo) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(to_plain_url(demo.url))
    yield conn
    await conn.close()


@pytest.fixture
async def api(demo: Demo) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    db = Database.from_url(demo.url, pool_size=2, max_overflow=0)
    clock = Clock(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # 10:00 on TODAY in Shanghai
    app = create_app(test_settings(), database=db, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        yield c, {"Authorization": f"Bearer {r.json()['access_token']}"}
    await db.dispose()


async def get(api, path: str) -> dict:  # type: ignore[no-untyped-def]
    client, auth = api
    r = await client.get(f"/api/v1/{path}", headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------------------- the load itself


async def test_it_loads_in_seconds_and_marks_every_name(demo: Demo, pg) -> None:
    assert demo.seconds < 20, demo.seconds
    assert demo.counts["enterprise"] == 200 and demo.counts["hazard"] >= 2000, demo.counts
    assert await pg.fetchval("SELECT count(*) FROM org_unit WHERE kind = 'village'") == 8
    for sql in (
        "SELECT name FROM org_unit WHERE kind = 'village'",
        "SELECT name FROM enterprise",
        "SELECT display_name FROM app_user",
        "SELECT title FROM supervision_task",
        "SELECT enterprise_name FROM public_report WHERE enterprise_name IS NOT NULL",
    ):
        unmarked = [r[0] for r in await pg.fetch(sql) if DEMO_MARK not in r[0]]
        assert not unmarked, (sql, unmarked[:3])


async def test_the_same_day_gives_the_same_rows(demo: Demo, pg, scratch_database) -> None:  # type: ignore[no-untyped-def]
    again = await _load(scratch_database(), TODAY)
    other = await asyncpg.connect(to_plain_url(again.url))
    try:
        for table, order in TABLES.items():
            assert await _digest(pg, table, order) == await _digest(other, table, order), table
    finally:
        await other.close()


TABLES = {  # every table the generator writes; app_user without its (salted) password hash
    "org_unit": "id", "enterprise": "id", "enterprise_state": "enterprise_id, effective_on",
    "app_user": "id", "inspection": "id", "drill": "id", "training": "id", "supervision_task": "id",
    "public_report": "id", "hazard": "id", "hazard_history": "id", "escalation": "id",
}


async def _digest(conn: asyncpg.Connection, table: str, order: str) -> str:
    """The table's rows in order, the reference data's ids (street office, departments:
    ensure_reference_data, not the generator) written as their codes."""
    row = "(t.*)::text" if table != "app_user" else "(t.id, t.username, t.role, t.org_unit_id, t.enterprise_id, t.display_name)::text"
    where = " WHERE t.kind = 'village'" if table == "org_unit" else ""
    text = await conn.fetchval(f"SELECT string_agg({row}, '|' ORDER BY {order}) FROM {table} t{where}")
    for r in await conn.fetch("SELECT id::text, code FROM org_unit WHERE kind <> 'village'"):
        text = text.replace(r["id"], r["code"])
    return hashlib.md5(text.encode()).hexdigest()


def test_the_demo_can_be_turned_off() -> None:
    dev = Settings(env="dev")
    assert wants_demo(False, dev)
    assert not wants_demo(True, dev)  # ./scripts/run --no-demo
    assert not wants_demo(False, Settings(env="dev", demo=False))  # ANQUAN_DEMO=false
    assert not wants_demo(False, test_settings())  # never outside dev


# ------------------------------------------------------------------------- the domain's rules


async def test_every_history_follows_the_lifecycle_and_its_dates(pg) -> None:
    """H2: each step is a transition the rules allow (or a note that keeps the state); H7:
    effective_on never decreases, is never on or after today and never after the day it was
    recorded; the hazard row is the fold of its history."""
    hazards = {r["id"]: r for r in await pg.fetch("SELECT * FROM hazard")}
    steps = defaultdict(list)
    for r in await pg.fetch("SELECT * FROM hazard_history ORDER BY hazard_id, id"):
        steps[r["hazard_id"]].append(r)
    escalations = defaultdict(list)
    for r in await pg.fetch("SELECT * FROM escalation ORDER BY id"):
        escalations[r["hazard_id"]].append((r["kind"], r["effective_on"]))
    assert set(steps) == set(hazards)
    for hid, rows in steps.items():
        h = hazards[hid]
        assert rows[0]["action"] == "create" and rows[0]["to_status"] == "reported"
        assert rows[0]["effective_on"] == h["discovered_on"]
        status, deadline, listed, extensions, closed_on = HazardStatus.reported, None, False, 0, None
        previous, previous_at = h["discovered_on"], rows[0]["at"]
        for r in rows[1:]:
            assert r["from_status"] == status.value, (hid, r["action"])
            if r["action"] in NON_TRANSITIONS:
                assert r["to_status"] == status.value, (hid, r["action"])
                if r["action"] in ("list", "escalate"):
                    assert status in (HazardStatus.reported, HazardStatus.rectifying, HazardStatus.pending_review)
            else:
                assert TRANSITIONS[(Action(r["action"]), status)].value == r["to_status"], (hid, r["action"], status)
            status = HazardStatus(r["to_status"])
            assert previous <= r["effective_on"] < TODAY, (hid, r["action"])
            assert r["effective_on"] <= business_date(r["at"]) and r["at"] >= previous_at, (hid, r["action"])
            previous, previous_at = r["effective_on"], r["at"]
            deadline = r["deadline"] or deadline
            extensions += r["action"] == "extend"
            listed = {"list": True, "delist": False}.get(r["action"], listed)
            closed_on = r["effective_on"] if r["action"] == "approve" else closed_on
        assert (h["status"], h["deadline"], h["listed"], h["extensions"], h["closed_on"], h["version"]) == (
            status.value, deadline, listed, extensions, closed_on, len(rows)), hid
        assert [(r["data"] and r["data"].split('"')[3], r["effective_on"]) for r in rows if r["action"] == "escalate"] == escalations[hid]
        if h["grade"] == "major":
            assert rows[1]["action"] == "notify" and h["notified_at"] is not None
    statuses = {h["status"] for h in hazards.values()}
    assert statuses == {"reported", "rectifying", "pending_review", "closed", "void"}
    assert min(h["discovered_on"] for h in hazards.values()) < date(2023, 2, 1)
    assert max(h["discovered_on"] for h in hazards.values()) >= TODAY - timedelta(days=7)


async def _timelines(pg) -> list[HazardTimeline]:  # type: ignore[no-untyped-def]
    out = []
    rows = await pg.fetch(
        "SELECT h.id, h.grade, h.discovered_on, array_agg(x.effective_on ORDER BY x.id) AS eff, "
        "array_agg(x.to_status ORDER BY x.id) AS st, array_agg(x.deadline ORDER BY x.id) AS dl "
        "FROM hazard h JOIN hazard_history x ON x.hazard_id = h.id GROUP BY h.id"
    )
    for r in rows:
        out.append(HazardTimeline(
            grade=r["grade"], discovered_on=r["discovered_on"],
            steps=tuple(zip(r["eff"], r["st"], strict=True)),
            deadlines=tuple((e, d) for e, d in zip(r["eff"], r["dl"], strict=True) if d is not None),
        ))
    return out


@pytest.mark.parametrize("as_of", [date(2024, 6, 30), date(2024, 12, 31), date(2025, 12, 31), TODAY])
async def test_the_targets_agree_with_the_reference_model(api, pg, as_of: date) -> None:
    expected = evaluate_targets(await _timelines(pg), as_of)
    got = {t["code"]: t for t in (await get(api, f"targets?as_of={as_of}"))["items"]}
    for code, (status, figures) in expected.items():
        assert got[code.value]["status"] == status.value, (code, got[code.value])
        assert got[code.value]["figures"] == figures, code


# ------------------------------------------------------------------------- what a dashboard shows


async def test_the_2024_stock_target_shows_how_the_year_ended(api) -> None:
    t1 = next(t for t in (await get(api, "targets?as_of=2024-12-31"))["items"] if t["code"] == "stock_cleared")
    f = t1["figures"]
    assert f["stock_total"] >= 10 and f["closed_by_deadline"] >= f["stock_total"] * 0.8, f
    assert f["closed_by_deadline"] + f["open_at_deadline"] <= f["stock_total"] and f["open_at_deadline"] > 0
    assert t1["status"] == ("met" if f["open_at_deadline"] == 0 else "at_risk"), t1  # its last day
    after = next(t for t in (await get(api, "targets?as_of=2025-01-01"))["items"] if t["code"] == "stock_cleared")
    assert after["status"] == ("met" if f["open_at_deadline"] == 0 else "missed"), after
    mid = next(t for t in (await get(api, "targets?as_of=2024-06-30"))["items"] if t["code"] == "stock_cleared")
    assert mid["status"] in ("on_track", "at_risk") and mid["figures"]["open_stock"] > 0, mid


async def test_every_panel_of_the_dashboard_has_figures(api) -> None:
    d = await get(api, "dashboard")
    assert d["as_of"] == TODAY.isoformat()
    m = d["major_hazards"]
    assert m["open"] > 0 and m["listed"] > 0 and m["overdue"] <= m["open"], m
    for code in ("principal_inspection", "drill"):
        c = d["compliance"][code]
        assert c["done"] > 0 and c["missed_periods"] > 0, (code, c)
        assert 0 < c["with_missed"] < c["applicable"], (code, c)  # some keep every period, some do not
        assert 0.5 <= c["rate"] < 1, (code, c)
    s = d["supervision"]
    assert s["units"] == 18 and s["done"] > 0 and 0 < s["coverage"] <= 1, s
    assert {t["code"] for t in d["targets"]} == {"stock_cleared", "increment_reduced", "dynamic_zero"}
    assert all(any(v for v in t["figures"].values()) for t in d["targets"]), d["targets"]
    assert len(d["by_village"]) == 8 and all(v["label"].startswith(DEMO_MARK) for v in d["by_village"])
    assert all(v["principal_inspection_rate"] for v in d["by_village"])
    assert len(d["by_sector"]) > 5


async def test_compliance_has_a_realistic_mix(api) -> None:
    c = await get(api, "compliance?as_of=2025-06-30&status=missed")
    assert c["items"], c["summary"]
    summary = (await get(api, "compliance?as_of=2025-06-30"))["summary"]["principal_inspection"]
    assert 0 < summary["with_missed"] < summary["applicable"], summary
    sup = await get(api, "compliance/supervision?as_of=2025-06-30")
    assert {i["status"] for i in sup["items"]} >= {"done"} and sup["summary"]["with_missed"] > 0, sup["summary"]
    for year in (2024, 2025, 2026):
        t = await get(api, f"compliance/training?year={year}")
        assert t["total"] >= 3 and 0 < t["covered"] <= t["total"], (year, t)


async def test_reports_escalations_and_statistics(api, pg) -> None:
    reports = {r["status"]: r["n"] for r in await pg.fetch("SELECT status, count(*) AS n FROM public_report GROUP BY status")}
    assert set(reports) == {"received", "substantiated", "unsubstantiated"}, reports
    linked = await pg.fetchval(
        "SELECT count(*) FROM public_report r JOIN hazard h ON h.id = r.hazard_id AND h.report_id = r.id "
        "WHERE h.source = 'public_report' AND h.discovered_on = (r.received_at AT TIME ZONE 'Asia/Shanghai')::date"
    )
    assert linked == reports["substantiated"]
    kinds = {r[0] for r in await pg.fetch("SELECT DISTINCT kind FROM escalation")}
    assert {"letter", "circular"} <= kinds, kinds
    assert await pg.fetchval("SELECT count(DISTINCT hazard_id) FROM hazard_history WHERE action = 'list'") >= 3
    stats = await get(api, "stats/hazards?group_by=village&from=2025-01-01")
    assert len(stats["items"]) == 8 and all(i["total"] > 0 for i in stats["items"]), stats["items"][:2]
