"""Supervision tasks (S1–S3) through HTTP: creation, the submit/accept/return lifecycle with
If-Match and Idempotency-Key, overdue, a round's findings as hazards (all or nothing),
referrals, and who sees and does what (A1–A3)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from app.db.models import Hazard, SupervisionTask, TaskReferral
from tests.factories import assert_problem, problem_fields

BASE = "/api/v1/supervision-tasks"


@pytest.fixture
async def street(world):
    v1, v2 = await world.village(), await world.village()
    em = await world.department("emergency_management")  # leads industry_trade, hazardous_chemicals
    housing = await world.department("housing_construction")  # leads construction
    e1 = await world.enterprise(v1, "industry_trade")
    e2 = await world.enterprise(v2, "construction")
    e3 = await world.enterprise(v1, "fire")
    return {
        "v1": v1, "v2": v2, "em": em, "housing": housing, "e1": e1, "e2": e2, "e3": e3,
        "admin": await world.as_("street_admin"),
        "supervisor": await world.as_("supervisor"),
        "viewer": await world.as_("district_viewer"),
        "v1_officer": await world.as_("village_officer", org_unit=v1),
        "v2_officer": await world.as_("village_officer", org_unit=v2),
        "em_officer": await world.as_("department_officer", org_unit=em),
        "housing_officer": await world.as_("department_officer", org_unit=housing),
        "e1_user": await world.as_("enterprise_user", enterprise=e1),
        "e3_user": await world.as_("enterprise_user", enterprise=e3),
    }


def round_body(assignee, target=None, **overrides):  # type: ignore[no-untyped-def]
    body = {"kind": "supervision_round", "title": "2025年上半年督导", "assignee_org_unit_id": str(assignee.id),
            "target_org_unit_id": str((target or assignee).id), "due_on": "2025-06-30"}
    body.update(overrides)
    return body


async def create_task(client, headers, body):  # type: ignore[no-untyped-def]
    r = await client.post(BASE, headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def act(client, headers, task, action, body=None, **extra_headers):  # type: ignore[no-untyped-def]
    default = {"submit": {"report": "已完成督导，发现问题2处"}, "accept": {}, "return": {"comment": "材料不全"}}[action]
    return await client.post(f"{BASE}/{task['id']}/{action}", headers={**headers, **extra_headers},
                             json=default if body is None else body)


async def _count(session, model, **where):  # type: ignore[no-untyped-def]
    stmt = select(func.count()).select_from(model)
    for k, v in where.items():
        stmt = stmt.where(getattr(model, k) == v)
    return (await session.execute(stmt)).scalar_one()


# --- S1 create --------------------------------------------------------------------------------

async def test_s1_create_round_answers_201_location_etag(client, street):
    r = await client.post(BASE, headers=street["admin"], json=round_body(street["v1"], description="重点检查有限空间"))
    assert r.status_code == 201, r.text
    task = r.json()
    assert r.headers["Location"] == f"{BASE}/{task['id']}" and r.headers["ETag"] == '"1"'
    assert task["kind"] == "supervision_round" and task["status"] == "open"
    assert task["target_org_unit_id"] == str(street["v1"].id) and task["due_on"] == "2025-06-30"
    assert task["completed_on"] is None and task["overdue"] is False and task["allowed_actions"] == ["submit"]
    assert task["referrals"] == [] and task["hazard_ids"] == [] and task["report"] is None
    got = await client.get(f"{BASE}/{task['id']}", headers=street["admin"])
    assert got.status_code == 200 and got.json() == task and got.headers["ETag"] == '"1"'


async def test_s1_hazard_oversight_names_an_open_hazard(client, world, street):
    hazard = {"id": str((await world.hazard(street["e1"])).id)}
    body = {"kind": "hazard_oversight", "title": "挂牌督办", "assignee_org_unit_id": str(street["em"].id),
            "hazard_id": hazard["id"], "due_on": "2025-07-31"}
    task = await create_task(client, street["supervisor"], body)
    assert task["hazard_id"] == hazard["id"] and task["target_org_unit_id"] is None
    for kind in ("plan_measure", "ad_hoc"):
        task = await create_task(client, street["admin"], {**body, "kind": kind, "hazard_id": None})
        assert task["kind"] == kind


@pytest.mark.parametrize("role,expected", [
    ("admin", 201), ("supervisor", 201), ("viewer", 403), ("v1_officer", 403), ("em_officer", 403), ("e1_user", 403),
])
async def test_s2_only_street_office_creates_tasks(client, street, session, role, expected):
    r = await client.post(BASE, headers=street[role], json=round_body(street["v1"]))
    assert r.status_code == expected, r.text
    if expected == 403:
        assert_problem(r, 403)
        assert await _count(session, SupervisionTask) == 0


async def test_s1_create_validation_names_the_field(client, world, street, session):
    admin = street["admin"]
    closed = {"id": str((await world.hazard(street["e1"], grade="general", status="closed")).id)}
    office = await client.get("/api/v1/auth/me", headers=admin)
    office_id = office.json()["org_unit_id"]
    unknown = "00000000-0000-7000-8000-000000000009"
    cases = [
        (round_body(street["v1"], target_org_unit_id=None), "target_org_unit_id"),
        ({**round_body(street["v1"]), "kind": "hazard_oversight"}, "hazard_id"),
        (round_body(street["v1"], assignee_org_unit_id=office_id), "assignee_org_unit_id"),
        (round_body(street["v1"], assignee_org_unit_id=unknown), "assignee_org_unit_id"),
        (round_body(street["v1"], target_org_unit_id=office_id), "target_org_unit_id"),
        (round_body(street["v1"], target_org_unit_id=unknown), "target_org_unit_id"),
        ({**round_body(street["v1"]), "kind": "hazard_oversight", "hazard_id": unknown}, "hazard_id"),
        ({**round_body(street["v1"]), "kind": "hazard_oversight", "hazard_id": closed["id"]}, "hazard_id"),
        (round_body(street["v1"], due_on="2025-06-15"), "due_on"),
        (round_body(street["v1"], kind="inspection"), "kind"),
        (round_body(street["v1"], title=""), "title"),
        (round_body(street["v1"], title="x" * 201), "title"),
    ]
    for body, field in cases:
        r = await client.post(BASE, headers=admin, json=body)
        assert problem_fields(r) == [field], (body, r.text)
    assert await _count(session, SupervisionTask) == 0


@pytest.mark.parametrize("field,value", [
    ("status", "accepted"), ("completed_on", "2025-06-16"), ("id", "00000000-0000-7000-8000-000000000001"),
    ("created_by", "00000000-0000-7000-8000-000000000002"), ("version", 7), ("report", "x"),
])
async def test_a4_server_owned_task_fields_are_rejected(client, street, session, field, value):
    r = await client.post(BASE, headers=street["admin"], json={**round_body(street["v1"]), field: value})
    assert problem_fields(r) == [field]
    assert await _count(session, SupervisionTask) == 0


# --- S2 lifecycle -----------------------------------------------------------------------------

async def test_s2_submit_return_submit_accept(client, street, clock):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    r = await act(client, street["v1_officer"], task, "submit", {"report": "第一次报告"})
    assert r.status_code == 200, r.text
    t = r.json()
    assert t["status"] == "submitted" and t["report"] == "第一次报告" and t["submitted_at"] is not None
    assert t["completed_on"] is None and t["allowed_actions"] == ["accept", "return"] and r.headers["ETag"] == '"2"'
    r = await act(client, street["supervisor"], task, "return", {"comment": "未附整改清单"})
    t = r.json()
    assert r.status_code == 200 and t["status"] == "returned" and t["review_comment"] == "未附整改清单"
    assert t["completed_on"] is None and t["allowed_actions"] == ["submit"]
    r = await act(client, street["v1_officer"], task, "submit", {"report": "补充整改清单"})
    t = r.json()
    assert r.status_code == 200 and t["status"] == "submitted" and t["report"] == "补充整改清单"
    assert t["completed_on"] is None
    clock.set("2025-06-20T09:00:00+08:00")
    r = await act(client, street["admin"], task, "accept", {"comment": "同意"})
    t = r.json()
    assert r.status_code == 200 and t["status"] == "accepted" and t["completed_on"] == "2025-06-20"
    assert t["allowed_actions"] == [] and t["review_comment"] == "同意" and r.headers["ETag"] == '"5"'
    got = await client.get(f"{BASE}/{task['id']}", headers=street["v1_officer"])
    assert got.json()["status"] == "accepted" and got.json()["completed_on"] == "2025-06-20"


async def test_s2_completed_on_honours_the_given_date(client, street, clock):
    task = await create_task(client, street["admin"], round_body(street["v1"]))  # created 2025-06-16
    await act(client, street["v1_officer"], task, "submit")
    clock.set("2025-07-03T10:00:00+08:00")
    r = await act(client, street["admin"], task, "accept", {"completed_on": "2025-07-04"})
    assert problem_fields(r) == ["completed_on"]
    r = await act(client, street["admin"], task, "accept", {"completed_on": "2025-06-15"})
    assert problem_fields(r) == ["completed_on"]
    r = await act(client, street["admin"], task, "accept", {"completed_on": "2025-06-28"})
    assert r.status_code == 200, r.text
    assert r.json()["completed_on"] == "2025-06-28" and r.json()["overdue"] is False


async def test_s2_completed_on_is_the_shanghai_date_and_may_be_the_creation_day(client, street, clock):
    clock.set("2025-06-16T23:30:00+08:00")  # 15:30 UTC: the task is created on the 16th in Shanghai
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    await act(client, street["v1_officer"], task, "submit")
    clock.set("2025-06-17T00:10:00+08:00")  # still the 16th in UTC
    r = await act(client, street["admin"], task, "accept")
    assert r.json()["completed_on"] == "2025-06-17"
    task2 = await create_task(client, street["admin"], round_body(street["v1"]))
    await act(client, street["v1_officer"], task2, "submit")
    r = await act(client, street["admin"], task2, "accept", {"completed_on": "2025-06-16"})
    assert problem_fields(r) == ["completed_on"]  # task2 was created on the 17th


async def test_s2_illegal_transitions_answer_409_with_state_and_allowed_actions(client, street, session):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    for action in ("accept", "return"):
        r = await act(client, street["admin"], task, action)
        body = assert_problem(r, 409, "invalid_transition")
        assert body["current_status"] == "open" and body["allowed_actions"] == ["submit"]
    await act(client, street["v1_officer"], task, "submit")
    r = await act(client, street["v1_officer"], task, "submit")
    body = assert_problem(r, 409, "invalid_transition")
    assert body["current_status"] == "submitted" and body["allowed_actions"] == ["accept", "return"]
    await act(client, street["admin"], task, "accept")
    for action, who in (("submit", "v1_officer"), ("accept", "admin"), ("return", "supervisor")):
        r = await act(client, street[who], task, action)
        body = assert_problem(r, 409, "invalid_transition")
        assert body["current_status"] == "accepted" and body["allowed_actions"] == []
    t = (await session.execute(select(SupervisionTask).where(SupervisionTask.id == task["id"]))).scalar_one()
    assert t.status == "accepted" and t.version == 3


async def test_s2_submit_needs_a_report_and_return_a_comment(client, street):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    for body in ({}, {"report": ""}, {"report": "   "}):
        r = await act(client, street["v1_officer"], task, "submit", body)
        assert problem_fields(r) == ["report"]
    await act(client, street["v1_officer"], task, "submit")
    for body in ({}, {"comment": " "}):
        r = await act(client, street["admin"], task, "return", body)
        assert problem_fields(r) == ["comment"]
    r = await act(client, street["admin"], task, "accept", {"completed_on": "2025-06-16", "status": "accepted"})
    assert problem_fields(r) == ["status"]


# (role key, action) -> expected status; the task is assigned to village v1 and targets the EM
# department, and it is put in the state in which the action is legal, so 403 is about the role.
MATRIX = [
    ("admin", "submit", 403), ("admin", "accept", 200), ("admin", "return", 200),
    ("supervisor", "submit", 403), ("supervisor", "accept", 200), ("supervisor", "return", 200),
    ("viewer", "submit", 403), ("viewer", "accept", 403), ("viewer", "return", 403),
    ("v1_officer", "submit", 200), ("v1_officer", "accept", 403), ("v1_officer", "return", 403),
    ("em_officer", "submit", 403), ("em_officer", "accept", 403), ("em_officer", "return", 403),
    ("e1_user", "submit", 404), ("e1_user", "accept", 404), ("e1_user", "return", 404),
]


@pytest.mark.parametrize("who,action,expected", MATRIX)
async def test_s2_who_may_act_on_a_visible_task(client, street, session, who, action, expected):
    task = await create_task(client, street["admin"], round_body(street["v1"], target=street["em"]))
    if action != "submit":
        assert (await act(client, street["v1_officer"], task, "submit")).status_code == 200
    before = (await client.get(f"{BASE}/{task['id']}", headers=street["admin"])).json()
    r = await act(client, street[who], task, action)
    if expected == 200:
        assert r.status_code == 200, r.text
    else:
        assert_problem(r, expected)
        after = (await client.get(f"{BASE}/{task['id']}", headers=street["admin"])).json()
        assert after == before
        if expected == 404:
            assert task["title"] not in r.text


async def test_s2_if_match_stale_answers_412(client, street):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    etag = (await client.get(f"{BASE}/{task['id']}", headers=street["v1_officer"])).headers["ETag"]
    r = await act(client, street["v1_officer"], task, "submit", None, **{"If-Match": '"7"'})
    body = assert_problem(r, 412, "precondition_failed")
    assert body["current_etag"] == etag
    r = await act(client, street["v1_officer"], task, "submit", None, **{"If-Match": etag})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    r = await act(client, street["admin"], task, "accept", None, **{"If-Match": etag})
    assert_problem(r, 412)
    r = await act(client, street["admin"], task, "accept", None, **{"If-Match": '"2"'})
    assert r.status_code == 200 and r.json()["status"] == "accepted"


async def test_s2_idempotent_retry_replays_the_first_answer(client, street, session):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    headers = {**street["v1_officer"], "Idempotency-Key": "task-submit-0001"}
    first = await client.post(f"{BASE}/{task['id']}/submit", headers=headers, json={"report": "报告"})
    again = await client.post(f"{BASE}/{task['id']}/submit", headers=headers, json={"report": "报告"})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"] == '"2"'
    other = await client.post(f"{BASE}/{task['id']}/submit", headers=headers, json={"report": "另一份报告"})
    assert_problem(other, 422, "idempotency_key_reused")
    create_headers = {**street["admin"], "Idempotency-Key": "task-create-0001"}
    a = await client.post(BASE, headers=create_headers, json=round_body(street["v2"]))
    b = await client.post(BASE, headers=create_headers, json=round_body(street["v2"]))
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert await _count(session, SupervisionTask) == 2


async def test_s2_overdue_around_due_on(client, street, clock):
    task = await create_task(client, street["admin"], round_body(street["v1"], due_on="2025-06-30"))
    clock.set("2025-06-30T23:59:00+08:00")
    got = (await client.get(f"{BASE}/{task['id']}", headers=street["admin"])).json()
    assert got["overdue"] is False
    r = await client.get(f"{BASE}?overdue=true", headers=street["admin"])
    assert r.json()["items"] == []
    clock.set("2025-07-01T00:00:00+08:00")
    got = (await client.get(f"{BASE}/{task['id']}", headers=street["admin"])).json()
    assert got["overdue"] is True
    r = await client.get(f"{BASE}?overdue=true", headers=street["admin"])
    assert [t["id"] for t in r.json()["items"]] == [task["id"]]
    r = await client.get(f"{BASE}?overdue=false", headers=street["admin"])
    assert r.json()["items"] == []
    r = await act(client, street["v1_officer"], task, "submit")
    assert r.json()["overdue"] is True  # submitted is not accepted
    r = await act(client, street["admin"], task, "accept", {"completed_on": "2025-06-30"})
    assert r.json()["overdue"] is False and r.json()["completed_on"] == "2025-06-30"
    r = await client.get(f"{BASE}?overdue=true", headers=street["admin"])
    assert r.json()["items"] == []
    r = await client.get(f"{BASE}?overdue=false", headers=street["admin"])
    assert [t["id"] for t in r.json()["items"]] == [task["id"]]


# --- S3 findings and referrals ----------------------------------------------------------------

def findings_body(*enterprises, **overrides):  # type: ignore[no-untyped-def]
    items = [{"enterprise_id": str(e.id), "grade": "general", "title": f"疏散通道堵塞{i}", "deadline": "2025-06-30"}
             for i, e in enumerate(enterprises)]
    for item in items:
        item.update(overrides)
    return {"findings": items}


async def test_s3_findings_become_supervision_hazards_of_the_task(client, street, session):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    body = findings_body(street["e1"], street["e2"])
    body["findings"][1].update(grade="major", criterion_ref="建筑施工重大隐患判定标准 第五条", discovered_on="2025-06-16")
    del body["findings"][0]["deadline"]
    r = await client.post(f"{BASE}/{task['id']}/findings", headers=street["supervisor"], json=body)
    assert r.status_code == 201, r.text
    assert r.headers["Location"] == f"{BASE}/{task['id']}" and r.headers["ETag"] == '"2"'
    out = r.json()
    assert out["task_id"] == task["id"] and len(out["hazards"]) == 2
    h1, h2 = out["hazards"]
    assert h1["enterprise_id"] == str(street["e1"].id) and h1["village_id"] == str(street["v1"].id)
    assert h2["enterprise_id"] == str(street["e2"].id) and h2["grade"] == "major" and h2["notified_at"] is not None
    assert {h1["source"], h2["source"]} == {"supervision"} and h1["discovered_on"] == "2025-06-16"
    assert h1["status"] == "reported"
    rows = (await session.execute(select(Hazard).where(Hazard.supervision_task_id == task["id"]))).scalars().all()
    assert sorted(str(h.id) for h in rows) == sorted([h1["id"], h2["id"]])
    got = await client.get(f"{BASE}/{task['id']}", headers=street["admin"])
    assert got.json()["hazard_ids"] == [h1["id"], h2["id"]] and got.headers["ETag"] == '"2"'
    # the village officer sees the task but only the hazards of its own village (A1)
    got = await client.get(f"{BASE}/{task['id']}", headers=street["v1_officer"])
    assert got.json()["hazard_ids"] == [h1["id"]]
    r = await client.get(f"/api/v1/hazards/{h1['id']}", headers=street["e1_user"])
    assert r.status_code == 200 and r.json()["source"] == "supervision"


@pytest.mark.parametrize("bad,field", [
    ({"enterprise_id": "00000000-0000-7000-8000-000000000001"}, "findings[2].enterprise_id"),
    ({"deadline": "2025-06-01"}, "findings[2].deadline"),
    ({"grade": "extreme"}, "findings[2].grade"),
    ({"discovered_on": "2025-06-17"}, "findings[2].discovered_on"),
    ({"discovered_on": "2025-06-15"}, "findings[2].discovered_on"),  # before the task was created
    ({"title": ""}, "findings[2].title"),
    ({"source": "patrol"}, "findings[2].source"),
    ({"village_id": "00000000-0000-7000-8000-000000000001"}, "findings[2].village_id"),
])
async def test_s3_findings_are_all_or_nothing(client, street, session, bad, field):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    body = findings_body(street["e1"], street["e2"], street["e3"])
    body["findings"][2].update(bad)
    r = await client.post(f"{BASE}/{task['id']}/findings", headers=street["admin"], json=body)
    assert problem_fields(r) == [field]
    assert await _count(session, Hazard) == 0
    got = await client.get(f"{BASE}/{task['id']}", headers=street["admin"])
    assert got.json()["hazard_ids"] == [] and got.headers["ETag"] == '"1"'
    r = await client.get("/api/v1/events?type=hazard.created", headers=street["admin"])
    assert r.json()["items"] == []


async def test_s3_findings_count_limits(client, street):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    r = await client.post(f"{BASE}/{task['id']}/findings", headers=street["admin"], json={"findings": []})
    assert problem_fields(r) == ["findings"]
    r = await client.post(f"{BASE}/{task['id']}/findings", headers=street["admin"],
                          json=findings_body(*([street["e1"]] * 51)))
    assert problem_fields(r) == ["findings"]
    r = await client.post(f"{BASE}/{task['id']}/findings", headers=street["admin"],
                          json=findings_body(*([street["e1"]] * 50)))
    assert r.status_code == 201 and len(r.json()["hazards"]) == 50


@pytest.mark.parametrize("who,expected", [
    ("admin", 201), ("supervisor", 201), ("viewer", 403), ("v1_officer", 403), ("em_officer", 403), ("e1_user", 404),
])
async def test_s3_who_records_findings_and_referrals(client, street, session, who, expected):
    task = await create_task(client, street["admin"], round_body(street["v1"], target=street["em"]))
    r = await client.post(f"{BASE}/{task['id']}/findings", headers=street[who], json=findings_body(street["e1"]))
    assert r.status_code == expected, r.text
    r = await client.post(f"{BASE}/{task['id']}/referrals", headers=street[who],
                          json={"referred_to": "区纪委监委", "subject": "某村干部", "facts": "隐患排查走过场"})
    assert r.status_code == expected, r.text
    if expected != 201:
        assert await _count(session, Hazard) == 0 and await _count(session, TaskReferral) == 0


async def test_s3_findings_honour_if_match_and_idempotency(client, street, session):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    url = f"{BASE}/{task['id']}/findings"
    r = await client.post(url, headers={**street["admin"], "If-Match": '"9"'}, json=findings_body(street["e1"]))
    assert_problem(r, 412)
    headers = {**street["admin"], "If-Match": '"1"', "Idempotency-Key": "findings-0001"}
    first = await client.post(url, headers=headers, json=findings_body(street["e1"]))
    again = await client.post(url, headers=headers, json=findings_body(street["e1"]))
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert await _count(session, Hazard) == 1


async def test_s3_referrals_are_recorded_on_the_task(client, street, clock):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    clock.set("2025-06-20T10:00:00+08:00")
    body = {"referred_to": "区纪委监委", "subject": "某村安全员", "facts": "伪造隐患整改台账", "referred_on": "2025-06-18"}
    r = await client.post(f"{BASE}/{task['id']}/referrals", headers=street["supervisor"], json=body)
    assert r.status_code == 201, r.text
    referral = r.json()
    assert r.headers["Location"] == f"{BASE}/{task['id']}" and r.headers["ETag"] == '"2"'
    assert referral["task_id"] == task["id"] and referral["referred_on"] == "2025-06-18"
    assert referral["facts"] == "伪造隐患整改台账"
    r = await client.post(f"{BASE}/{task['id']}/referrals", headers=street["admin"],
                          json={k: v for k, v in body.items() if k != "referred_on"})
    assert r.json()["referred_on"] == "2025-06-20"
    got = (await client.get(f"{BASE}/{task['id']}", headers=street["admin"])).json()
    assert [x["referred_on"] for x in got["referrals"]] == ["2025-06-18", "2025-06-20"]
    viewer = (await client.get(f"{BASE}/{task['id']}", headers=street["viewer"])).json()
    assert len(viewer["referrals"]) == 2
    # the supervised unit sees its task but not the referrals about misconduct
    r = await client.get(f"{BASE}/{task['id']}", headers=street["v1_officer"])
    assert r.json()["referrals"] == [] and "伪造" not in r.text
    for bad, field in (({"referred_on": "2025-06-21"}, "referred_on"), ({"referred_on": "2025-06-15"}, "referred_on"),
                       ({"facts": ""}, "facts"), ({"referred_to": None}, "referred_to"), ({"id": task["id"]}, "id")):
        r = await client.post(f"{BASE}/{task['id']}/referrals", headers=street["admin"], json={**body, **bad})
        assert problem_fields(r) == [field]


# --- A1, A2 -----------------------------------------------------------------------------------

ID_CALLS = [
    ("GET", "", None),
    ("POST", "/submit", {"report": "r"}),
    ("POST", "/accept", {}),
    ("POST", "/return", {"comment": "c"}),
    ("POST", "/findings", None),
    ("POST", "/referrals", {"referred_to": "区纪委监委", "subject": "s", "facts": "f"}),
]


@pytest.mark.parametrize("method,suffix,body", ID_CALLS)
@pytest.mark.parametrize("who", ["v2_officer", "housing_officer", "e1_user", "e3_user"])
async def test_a2_task_out_of_scope_is_404_without_data(client, street, session, method, suffix, body, who):
    task = await create_task(client, street["admin"], round_body(street["v1"], target=street["em"]))
    if suffix == "/findings":
        body = findings_body(street["e1"])
    r = await client.request(method, f"{BASE}/{task['id']}{suffix}", headers=street[who], json=body)
    assert_problem(r, 404, "not_found")
    assert task["title"] not in r.text and str(street["v1"].id) not in r.text
    t = (await session.execute(select(SupervisionTask).where(SupervisionTask.id == task["id"]))).scalar_one()
    assert t.version == 1 and t.status == "open"


@pytest.mark.parametrize("method,suffix,body", ID_CALLS)
async def test_a2_unknown_task_is_404_and_malformed_id_422(client, street, method, suffix, body):
    if suffix == "/findings":
        body = findings_body(street["e1"])
    r = await client.request(method, f"{BASE}/00000000-0000-7000-8000-000000000000{suffix}", headers=street["admin"],
                             json=body)
    assert_problem(r, 404, "not_found")
    r = await client.request(method, f"{BASE}/not-a-uuid{suffix}", headers=street["admin"], json=body)
    assert "task_id" in problem_fields(r)


async def test_a1_task_lists_hold_only_visible_tasks(client, street):
    admin = street["admin"]
    t1 = await create_task(client, admin, round_body(street["v1"]))
    t2 = await create_task(client, admin, round_body(street["em"], target=street["v2"], due_on="2025-07-15"))
    t3 = await create_task(client, admin, {"kind": "ad_hoc", "title": "燃气专项", "due_on": "2025-08-01",
                                            "assignee_org_unit_id": str(street["housing"].id)})
    expected = {
        "admin": [t3, t2, t1], "supervisor": [t3, t2, t1], "viewer": [t3, t2, t1],
        "v1_officer": [t1], "v2_officer": [t2], "em_officer": [t2], "housing_officer": [t3],
        "e1_user": [],
    }
    for who, tasks in expected.items():
        r = await client.get(BASE, headers=street[who])
        assert r.status_code == 200
        assert [t["id"] for t in r.json()["items"]] == [t["id"] for t in tasks], who
    r = await client.get(f"{BASE}/{t2['id']}", headers=street["v2_officer"])
    assert r.status_code == 200  # seen as the target
    r = await act(client, street["v2_officer"], t2, "submit")
    assert_problem(r, 403)  # but only the assignee submits
    r = await act(client, street["em_officer"], t2, "submit")
    assert r.status_code == 200


async def test_supervision_task_list_filters_and_pagination(client, street):
    admin = street["admin"]
    t1 = await create_task(client, admin, round_body(street["v1"]))
    t2 = await create_task(client, admin, round_body(street["em"], target=street["v2"]))
    t3 = await create_task(client, admin, {"kind": "plan_measure", "title": "完善双重预防机制", "due_on": "2025-12-31",
                                            "assignee_org_unit_id": str(street["v1"].id)})
    await act(client, street["em_officer"], t2, "submit")

    async def ids(query: str) -> list[str]:
        r = await client.get(f"{BASE}?{query}", headers=admin)
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["items"]]

    assert await ids("") == [t3["id"], t2["id"], t1["id"]]
    assert await ids("kind=supervision_round") == [t2["id"], t1["id"]]
    assert await ids("status=submitted") == [t2["id"]]
    assert await ids(f"assignee_org_unit_id={street['v1'].id}") == [t3["id"], t1["id"]]
    assert await ids(f"target_org_unit_id={street['v2'].id}") == [t2["id"]]
    page1 = (await client.get(f"{BASE}?limit=2", headers=admin)).json()
    page2 = (await client.get(f"{BASE}?limit=2&cursor={page1['next_cursor']}", headers=admin)).json()
    assert [t["id"] for t in page1["items"] + page2["items"]] == [t3["id"], t2["id"], t1["id"]]
    assert page2["next_cursor"] is None
    for query, field in (("kind=meeting", "kind"), ("status=done", "status"), ("overdue=maybe", "overdue"),
                         ("cursor=%21", "cursor"), ("limit=201", "limit")):
        r = await client.get(f"{BASE}?{query}", headers=admin)
        assert problem_fields(r) == [field]


async def test_supervision_task_events_go_to_the_street_office_feed(client, street):
    task = await create_task(client, street["admin"], round_body(street["v1"]))
    await act(client, street["v1_officer"], task, "submit")
    await act(client, street["admin"], task, "accept")
    r = await client.get("/api/v1/events", headers=street["viewer"])
    items = [(i["type"], i["resource_id"]) for i in r.json()["items"]]
    assert items == [("supervision_task.created", task["id"]), ("supervision_task.status_changed", task["id"]),
                     ("supervision_task.status_changed", task["id"])]
    assert r.json()["items"][2]["data"] == {"from": "submitted", "to": "accepted", "action": "accept",
                                            "completed_on": "2025-06-16"}
    r = await client.get("/api/v1/events", headers=street["v1_officer"])
    assert r.json()["items"] == []


# --- the row lock, on a real database --------------------------------------------------------

async def _live_street(world):  # type: ignore[no-untyped-def]
    v = await world.village()
    admin = await world.user("street_admin")
    supervisor = await world.user("supervisor")
    officer = await world.user("village_officer", org_unit=v)
    return v, world.headers(admin), world.headers(supervisor), world.headers(officer)


async def test_s2_concurrent_accept_and_return_exactly_one_wins(live):
    v, admin, supervisor, officer = await live.build(_live_street)
    async with live.client() as a, live.client() as b:
        task = await create_task(a, admin, round_body(v))
        assert (await act(a, officer, task, "submit")).status_code == 200
        results = await asyncio.gather(act(a, admin, task, "accept"), act(b, supervisor, task, "return"))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409).json()
    winner = next(r for r in results if r.status_code == 200).json()
    assert loser["current_status"] == winner["status"]
    async with live.db.transaction() as session:
        t = (await session.execute(select(SupervisionTask).where(SupervisionTask.id == task["id"]))).scalar_one()
    assert t.version == 3 and t.status == winner["status"]
