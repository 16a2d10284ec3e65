"""The read model is exact: random sequences of writes through the API (hazards created,
moved through their states with back-dated `effective_on`, extended, voided, reopened,
listed; inspections, drills, trainings, supervision rounds, ledger imports), and after each
one every analytics answer, for every scope, is byte for byte what the reference
computation over the whole ledger gives (ANQUAN_ANALYTICS_SOURCE=reference) on the same
data. And `rebuild-read-model` finds and repairs a corrupted row."""

from __future__ import annotations

import random
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import text

from app.db.repositories import read_model
from app.domain.imports import HAZARD_EXPORT_HEADERS
from app.main import create_app
# Imports are validated and committed by jobs: the module runs on a committed database of its
# own with a real worker, and the client commits the test's world before each request.
from tests.api.test_imports import client, committed, csv_bytes, db, hazard_line, imports_db, uploaded  # noqa: F401
from tests.conftest import test_settings

TODAY = date(2025, 6, 16)  # the clock fixture's business date
SUPERVISION = "/api/v1/supervision-tasks"


@pytest.fixture
async def reference(db, clock):  # type: ignore[no-untyped-def]
    app = create_app(test_settings(analytics_source="reference"), database=db, clock=clock)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def street(world):  # type: ignore[no-untyped-def]
    v1, v2 = await world.village(), await world.village()
    em = await world.department("emergency_management")  # leads industry_trade, hazardous_chemicals
    enterprises = [
        await world.enterprise(v1, "industry_trade", tags=["dust_explosion"]),
        await world.enterprise(v1, "hazardous_chemicals"),
        await world.enterprise(v2, "fire", tags=["large_commercial_complex"]),
        await world.enterprise(v2, "industry_trade", high_risk=True, registered_on=date(2024, 5, 20)),
    ]
    v1_officer = await world.as_("village_officer", org_unit=v1)
    return {
        "v1": v1, "v2": v2, "enterprises": enterprises,
        "officers": {"v1": v1_officer, "v2": await world.as_("village_officer", org_unit=v2)},
        "admin": await world.as_("street_admin"),
        "scopes": {
            "street_admin": await world.as_("street_admin"),
            "village_officer": v1_officer,
            "department_officer": await world.as_("department_officer", org_unit=em),
            "enterprise_user": await world.as_("enterprise_user", enterprise=enterprises[0]),
        },
    }


QUESTIONS = [
    "/api/v1/dashboard", "/api/v1/dashboard?as_of=2024-12-31", "/api/v1/dashboard?as_of=2025-03-15",
    *(f"/api/v1/stats/hazards?group_by={g}" for g in ("village", "sector", "source", "grade", "status", "month", "risk_level")),
    "/api/v1/stats/hazards?group_by=risk_level&grade=major&from=2024-06-01",
    "/api/v1/stats/hazards?group_by=village&grade=major", "/api/v1/stats/hazards?group_by=source&grade=general",
    "/api/v1/stats/hazards?group_by=village&from=2024-01-01&to=2024-12-31&grade=major",
    "/api/v1/stats/hazards?group_by=month&from=2024-06-15&grade=general",
    "/api/v1/compliance", "/api/v1/compliance?as_of=2024-12-31", "/api/v1/compliance?status=missed",
    "/api/v1/compliance?status=done&obligation=drill&as_of=2025-01-31",
    "/api/v1/compliance/supervision", "/api/v1/compliance/supervision?as_of=2024-12-31&kind=village",
    *(f"/api/v1/compliance/training?year={y}" for y in (2024, 2025, 2026)),
    "/api/v1/targets", "/api/v1/targets?as_of=2024-12-31", "/api/v1/targets?as_of=2025-01-20",
    "/api/v1/targets?as_of=2024-06-30",
]


async def assert_exact(client, reference, street, step: str) -> None:  # type: ignore[no-untyped-def]
    for role, headers in street["scopes"].items():
        for path in QUESTIONS:
            got, want = await client.get(path, headers=headers), await reference.get(path, headers=headers)
            assert got.status_code == want.status_code, (step, role, path, got.text)
            assert got.content == want.content, (step, role, path)
            if got.status_code == 200:
                assert got.headers["Data-Version"] == want.headers["Data-Version"]


def _day(rng: random.Random, first: date, last: date = TODAY) -> str:
    return (first + timedelta(days=rng.randint(0, max((last - first).days, 0)))).isoformat()


class Writer:
    """Random writes through the API; each hazard remembers its last business date (H7) and
    the actions its state allows, so most writes are ones the rules accept."""

    def __init__(self, client, street, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
        self.client, self.street, self.rng = client, street, rng
        self.admin = street["admin"]
        self.hazards: dict[str, tuple[date, list[str], str]] = {}  # id -> (last effective_on, allowed, grade)
        self.listed: dict[str, bool] = {}

    async def post(self, path: str, body: dict, headers: dict | None = None) -> httpx.Response:
        r = await self.client.post(path, headers=headers or self.admin, json=body)
        assert r.status_code < 500, (path, r.text)
        return r

    def _keep(self, hazard: dict, eff: date) -> None:
        self.hazards[hazard["id"]] = (eff, hazard["allowed_actions"], hazard["grade"])

    async def create(self) -> str:
        rng = self.rng
        discovered = _day(rng, date(2023, 3, 1))
        body = {
            "enterprise_id": str(rng.choice(self.street["enterprises"]).id), "grade": rng.choice(["major", "general"]),
            "source": rng.choice(["supervision", "self_inspection", "patrol"]), "title": "除尘器未设置泄爆口",
            "discovered_on": discovered,
        }
        r = await self.post("/api/v1/hazards", body)
        assert r.status_code == 201, r.text
        self._keep(r.json(), date.fromisoformat(discovered))
        return f"create {body['grade']} {discovered}"

    async def step(self) -> str:
        rng = self.rng
        if not self.hazards:
            return await self.create()
        hid = rng.choice(sorted(self.hazards))
        last, allowed, grade = self.hazards[hid]
        choices = [*allowed, "listing"] if grade == "major" and allowed else allowed or ["listing"]
        weights = {"plan": 4, "submit": 4, "approve": 4, "reject": 1, "extend": 1, "reopen": 1, "void": 0.3, "listing": 1}
        kind = rng.choices(choices, [weights[c] for c in choices])[0]
        # Back-dated most of the time: anywhere between the previous step and today.
        eff = date.fromisoformat(_day(rng, last))
        # Deadlines about today too: the day a hazard becomes overdue is an edge.
        near = [d.isoformat() for d in (TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)) if d >= eff]
        deadline = rng.choice([*near, *near, _day(rng, eff, TODAY + timedelta(days=200))])
        bodies = {
            "plan": ("plan", {"responsible_person": "李明", "measures": "更换泄爆装置", "funds": "85000.00",
                              "deadline": deadline, "contingency_plan": "停用设备并设置警戒"}),
            "submit": ("submit", {"evidence": "已整改完毕"}),
            "approve": ("review", {"decision": "approve"}),
            "reject": ("review", {"decision": "reject", "comment": "证据不足"}),
            "extend": ("extend", {"deadline": deadline, "reason": "设备到货延迟"}),
            "void": ("void", {"reason": "经核查不构成隐患"}),
            "reopen": ("reopen", {"reason": "复查发现未整改"}),
            "listing": ("listing", {"listed": not self.listed.get(hid, False)}),
        }
        path, body = bodies[kind]
        r = await self.post(f"/api/v1/hazards/{hid}/{path}", {**body, "effective_on": eff.isoformat()})
        if r.status_code != 200:
            return f"{kind} {eff} refused {r.status_code}"
        if kind == "listing":
            self.listed[hid] = r.json()["listed"]
            self.hazards[hid] = (eff, allowed, grade)
        else:
            self._keep(r.json(), eff)
        return f"{kind} {eff}"

    async def inspection(self) -> str:
        rng = self.rng
        e = rng.choice(self.street["enterprises"])
        kind = rng.choice(["principal_self", "principal_self", "supervision"])
        body = {"enterprise_id": str(e.id), "kind": kind, "performed_on": _day(rng, date(2023, 11, 1)),
                "led_by_principal": rng.random() < 0.8}
        r = await self.post("/api/v1/inspections", body)
        return f"inspection {kind}" + ("" if r.status_code == 201 else f" refused {r.status_code}")

    async def drill(self) -> str:
        rng = self.rng
        e = rng.choice(self.street["enterprises"])
        body = {"enterprise_id": str(e.id), "kind": rng.choice(["evacuation", "evacuation", "fire"]),
                "held_on": _day(rng, date(2023, 11, 1)), "participants": 40, "scenario": "仓库起火"}
        r = await self.post("/api/v1/drills", body)
        return "drill" + ("" if r.status_code == 201 else f" refused {r.status_code}")

    async def training(self) -> str:
        rng = self.rng
        e = rng.choice(self.street["enterprises"])
        body = {"enterprise_id": str(e.id), "trainee_role": rng.choice(["fire_safety_responsible", "principal"]),
                "trainee_name": "李娜", "topic": "消防安全责任人培训", "held_on": _day(rng, date(2024, 1, 1)),
                "hours": "8.0", "passed": rng.random() < 0.8}
        r = await self.post("/api/v1/trainings", body)
        return "training" + ("" if r.status_code == 201 else f" refused {r.status_code}")

    async def supervision_round(self) -> str:
        v = self.rng.choice(["v1", "v2"])
        unit = self.street[v]
        r = await self.post(SUPERVISION, {"kind": "supervision_round", "title": "督导",
                                          "assignee_org_unit_id": str(unit.id), "target_org_unit_id": str(unit.id),
                                          "due_on": "2025-06-30"})
        assert r.status_code == 201, r.text
        task = r.json()["id"]
        r = await self.post(f"{SUPERVISION}/{task}/submit", {"report": "已完成督导"}, self.street["officers"][v])
        assert r.status_code == 200, r.text
        r = await self.post(f"{SUPERVISION}/{task}/accept", {})
        return "supervision round" + ("" if r.status_code == 200 else f" refused {r.text}")

    async def ledger_import(self) -> str:
        rng = self.rng
        lines = []
        for i in range(rng.randint(2, 5)):
            e = rng.choice(self.street["enterprises"])
            found = date.fromisoformat(_day(rng, date(2023, 1, 1), date(2024, 12, 1)))
            closed = i == 0 or rng.random() < 0.5  # a closed major one in every file: its past is in its history
            lines.append(hazard_line(
                e, 隐患名称=f"导入隐患{rng.randint(0, 10**9)}", 等级="重大" if i == 0 else rng.choice(["重大", "一般"]),
                发现日期=found.isoformat(), 整改期限=(found + timedelta(days=rng.randint(10, 200))).isoformat(),
                状态="已销号" if closed else "整改中",
                销号日期=(found + timedelta(days=rng.randint(0, 150))).isoformat() if closed else None,
            ))
        imp = await uploaded(self.client, self.admin, "hazards", csv_bytes([list(HAZARD_EXPORT_HEADERS), *lines]),
                             filename="ledger.csv")
        if imp["status"] != "ready" or imp["counts"]["invalid"]:
            return f"import not ready {imp['status']} {imp['counts']}"
        done = await committed(self.client, self.admin, imp["id"])
        assert done["status"] == "committed", done
        return f"import {done['created_count']}"

    def plan(self, n: int) -> list:  # type: ignore[type-arg]
        """`n` random writes, each kind at least once (a short sequence would miss some)."""
        ops = [self.create, self.step, self.inspection, self.drill, self.training, self.supervision_round,
               self.ledger_import]
        chosen = ops + self.rng.choices(ops, [3, 12, 1.5, 1.5, 1, 1, 2], k=max(0, n - len(ops)))
        self.rng.shuffle(chosen)
        return chosen


@pytest.mark.parametrize("seed", [7, 2025])
async def test_every_answer_equals_the_reference_after_every_write(client, reference, street, seed):
    writer = Writer(client, street, random.Random(seed))
    await assert_exact(client, reference, street, "empty")
    for i, write in enumerate(writer.plan(24)):
        done = await write()
        await assert_exact(client, reference, street, f"{i}: {done}")


async def test_the_rebuild_finds_and_repairs_a_corrupted_row(client, reference, street, session):
    writer = Writer(client, street, random.Random(11))
    for _ in range(10):
        await writer.create()
    for _ in range(10):
        await writer.step()
    await writer.inspection()
    assert all(d.clean for d in await read_model.differences(session))
    # One counter off by one in each hazard table (not a row the writes left at zero), one
    # major hazard's span with another status.
    await session.execute(text("UPDATE rm_hazard_cell SET n = n + 1 WHERE ctid = (SELECT min(ctid) FROM rm_hazard_cell WHERE n > 0)"))
    await session.execute(text(
        "UPDATE rm_hazard_roll SET n = n + 1 WHERE ctid = (SELECT min(ctid) FROM rm_hazard_roll WHERE gs = 0 AND n > 0)"))
    await session.execute(text("UPDATE rm_major_span SET status = 'closed' WHERE status <> 'closed'"))
    stats = "/api/v1/stats/hazards?group_by=grade"
    assert (await client.get(stats, headers=street["admin"])).content != (
        await reference.get(stats, headers=street["admin"])).content
    found = {d.table: d for d in await read_model.rebuild(session)}
    assert found["rm_hazard_cell"].missing == 1 and found["rm_hazard_cell"].extra == 1
    assert found["rm_hazard_roll"].missing == 1 and found["rm_hazard_roll"].extra == 1
    assert found["rm_major_span"].missing >= 1
    assert found["rm_event_day"].clean
    assert all(d.clean for d in await read_model.differences(session))
    await assert_exact(client, reference, street, "rebuilt")
