"""R1 reminder rules and R3 escalation proposals through HTTP against PostgreSQL; the jobs
list's access. (The engine itself runs in tests/jobs.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db.models import AuditLog, Escalation, Event, EscalationProposal
from app.db.unit_of_work import UnitOfWork
from app.domain.escalation import EscalationThresholds
from app.services import escalation_proposals
from tests.api.helpers import MAJOR_PLAN, create_hazard
from tests.conftest import test_settings


@pytest.fixture
async def street(world):
    v1 = await world.village()
    v2 = await world.village()
    e1 = await world.enterprise(v1, "hazardous_chemicals")
    admin = await world.as_("street_admin")
    return {"v1": v1, "v2": v2, "e1": e1, "admin": admin}


# --- R1: reminder rules ---------------------------------------------------------------------


async def test_r1_street_admin_reads_the_defaults_and_changes_a_rule(client, street, session):
    r = await client.get("/api/v1/reminder-rules", headers=street["admin"])
    assert r.status_code == 200, r.text
    rules = {x["code"]: x for x in r.json()["items"]}
    assert len(rules) == 7
    assert rules["hazard_deadline"]["offsets_days"] == [7, 1]
    assert rules["hazard_overdue"]["repeat_every_days"] == 7
    r = await client.patch("/api/v1/reminder-rules/hazard_deadline", headers=street["admin"],
                           json={"offsets_days": [10, 3, 0], "channels": ["in_app"]})
    assert r.status_code == 200, r.text
    assert r.json()["offsets_days"] == [10, 3, 0] and r.json()["channels"] == ["in_app"]
    assert r.json()["recipients"] == rules["hazard_deadline"]["recipients"]
    r = await client.get("/api/v1/reminder-rules/hazard_deadline", headers=street["admin"])
    assert r.json()["offsets_days"] == [10, 3, 0]
    audit = (await session.execute(select(AuditLog.action).where(AuditLog.resource == "reminder-rules"))).scalars()
    assert list(audit) == ["reminder_rule.change"]


@pytest.mark.parametrize("body,field", [
    ({"offsets_days": [7, -1]}, "offsets_days"),
    ({"offsets_days": [-3]}, "offsets_days"),
    ({"offsets_days": [3, 3]}, "offsets_days[1]"),
    ({"offsets_days": []}, "offsets_days"),
    ({"recipients": ["assignee_unit_users"]}, "recipients[0]"),
    ({"repeat_every_days": 7}, "repeat_every_days"),
    ({"code": "task_due"}, "code"),
    ({"enabled": None}, "enabled"),
])
async def test_r1_bad_rule_changes_are_422_naming_the_field(client, street, body, field):
    r = await client.patch("/api/v1/reminder-rules/hazard_deadline", headers=street["admin"], json=body)
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["errors"]]
    assert any(f == field or f.startswith(field) for f in fields), fields
    r = await client.get("/api/v1/reminder-rules/hazard_deadline", headers=street["admin"])
    assert r.json()["offsets_days"] == [7, 1]  # nothing half-written


@pytest.mark.parametrize("role", ["supervisor", "district_viewer", "village_officer", "department_officer"])
async def test_r1_only_street_admin_manages_the_rules(client, world, street, role):
    kw = {"org_unit": street["v1"]} if role == "village_officer" else (
        {"org_unit": await world.department()} if role == "department_officer" else {})
    headers = await world.as_(role, **kw)
    assert (await client.get("/api/v1/reminder-rules", headers=headers)).status_code == 403
    r = await client.patch("/api/v1/reminder-rules/task_due", headers=headers, json={"enabled": False})
    assert r.status_code == 403


# --- R3: escalation proposals -----------------------------------------------------------------


async def _overdue_major(client, street, *, deadline: str = "2025-05-20") -> dict:  # type: ignore[no-untyped-def]
    h = await create_hazard(client, street["admin"], street["e1"], discovered_on="2025-05-01", title="储罐区可燃气体报警器失效")
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=street["admin"],
                          json={**MAJOR_PLAN, "deadline": deadline, "effective_on": "2025-05-02"})
    assert r.status_code == 200, r.text
    return r.json()


async def _scan(db, clock, thresholds: EscalationThresholds | None = None):  # type: ignore[no-untyped-def]
    uow = UnitOfWork.open(db, test_settings().audit_keys, clock=clock)
    try:
        result = await escalation_proposals.scan(uow, clock(), thresholds or EscalationThresholds())
        await uow.commit()
    finally:
        await uow.close()
    return result


async def test_r3_the_daily_job_proposes_each_step_once_and_accepting_escalates(client, street, db, clock, session):
    h = await _overdue_major(client, street)  # 27 days overdue on 16 June
    assert (await _scan(db, clock)).proposed == 2
    assert (await _scan(db, clock)).proposed == 0  # running it again proposes nothing twice
    r = await client.get("/api/v1/escalation-proposals", headers=street["admin"], params={"hazard_id": h["id"]})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [(p["step"], p["status"], p["overdue_days"]) for p in items] == [("letter", "open", 27), ("circular", "open", 27)]
    letter, circular = items

    r = await client.post(f"/api/v1/escalation-proposals/{circular['id']}/accept", headers=street["admin"],
                          json={"note": "逾期未改，予以通报"})
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["status"] == "accepted" and accepted["escalation_id"]
    escalation = await session.get(Escalation, accepted["escalation_id"])
    assert escalation.hazard_id and str(escalation.hazard_id) == h["id"] and escalation.kind == "circular"
    assert escalation.note == "逾期未改，予以通报"

    r = await client.post(f"/api/v1/escalation-proposals/{letter['id']}/dismiss", headers=street["admin"], json={"reason": "  "})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"/api/v1/escalation-proposals/{letter['id']}/dismiss", headers=street["admin"],
                          json={"reason": "已通报，函告不再单独发出"})
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert r.json()["dismissed_reason"] == "已通报，函告不再单独发出"
    r = await client.post(f"/api/v1/escalation-proposals/{letter['id']}/accept", headers=street["admin"], json={})
    assert r.status_code == 409

    # decided or not, a step is not proposed again in the episode
    assert (await _scan(db, clock)).proposed == 0
    # proposals and decisions are in the feed and the audit trail
    events = [(e.type, str(e.resource_id)) for e in (await session.execute(
        select(Event).where(Event.resource == "escalation_proposal").order_by(Event.id))).scalars()]
    assert events == [("escalation_proposal.created", letter["id"]), ("escalation_proposal.created", circular["id"]),
                      ("escalation_proposal.accepted", circular["id"]), ("escalation_proposal.dismissed", letter["id"])]
    audit = [(a.action, a.actor_id is None) for a in (await session.execute(
        select(AuditLog).where(AuditLog.resource == "escalation-proposals").order_by(AuditLog.id))).scalars()]
    assert audit == [("escalation_proposal.create", True), ("escalation_proposal.create", True),
                     ("escalation_proposal.accept", False), ("escalation_proposal.dismiss", False)]
    r = await client.get("/api/v1/events", headers=street["admin"])
    assert "escalation_proposal.accepted" in {e["type"] for e in r.json()["items"]}


async def test_r3_thresholds_are_configurable_and_listing_proposals_list(client, street, db, clock, session):
    h = await _overdue_major(client, street, deadline="2025-06-10")  # 6 days overdue
    assert (await _scan(db, clock)).proposed == 1  # letter only, with the defaults
    assert (await _scan(db, clock, EscalationThresholds(circular=5, interview=30, exposure=60))).proposed == 1
    steps = (await session.execute(select(EscalationProposal.step).where(EscalationProposal.hazard_id == h["id"])
                                   .order_by(EscalationProposal.id))).scalars()
    assert list(steps) == ["letter", "circular"]
    # a listing proposal accepted lists the hazard (H9)
    for new in ("2025-06-12", "2025-06-14"):
        r = await client.post(f"/api/v1/hazards/{h['id']}/extend", headers=street["admin"],
                              json={"deadline": new, "reason": "设备到货延迟"})
        assert r.status_code == 200, r.text
    assert (await _scan(db, clock)).proposed == 2  # a new episode: letter again, and listing
    r = await client.get("/api/v1/escalation-proposals", headers=street["admin"],
                         params={"hazard_id": h["id"], "status": "open"})
    listing = next(p for p in r.json()["items"] if p["step"] == "listing")
    assert listing["episode"] == "2025-06-14"
    r = await client.post(f"/api/v1/escalation-proposals/{listing['id']}/accept", headers=street["admin"], json={})
    assert r.status_code == 200 and r.json()["escalation_id"] is None
    r = await client.get(f"/api/v1/hazards/{h['id']}", headers=street["admin"])
    assert r.json()["listed"] is True


async def test_r3_a2_proposals_follow_their_hazard(client, world, street, db, clock):
    await _overdue_major(client, street)
    await _scan(db, clock)
    r = await client.get("/api/v1/escalation-proposals", headers=street["admin"])
    proposal = r.json()["items"][0]
    other = await world.as_("village_officer", org_unit=street["v2"])
    own = await world.as_("village_officer", org_unit=street["v1"])
    other_enterprise = await world.as_("enterprise_user", enterprise=await world.enterprise(street["v1"]))
    for outsider in (other, other_enterprise):
        assert (await client.get("/api/v1/escalation-proposals", headers=outsider)).json()["items"] == []
        pid = proposal["id"]
        assert (await client.get(f"/api/v1/escalation-proposals/{pid}", headers=outsider)).status_code == 404
        r = await client.post(f"/api/v1/escalation-proposals/{pid}/accept", headers=outsider, json={})
        assert r.status_code == 404
        r = await client.post(f"/api/v1/escalation-proposals/{pid}/dismiss", headers=outsider, json={"reason": "不同意"})
        assert r.status_code == 404
    # the hazard's own village officer sees it but does not decide (street office only)
    assert (await client.get(f"/api/v1/escalation-proposals/{proposal['id']}", headers=own)).status_code == 200
    r = await client.post(f"/api/v1/escalation-proposals/{proposal['id']}/accept", headers=own, json={})
    assert r.status_code == 403
    supervisor = await world.as_("supervisor")
    r = await client.post(f"/api/v1/escalation-proposals/{proposal['id']}/dismiss", headers=supervisor,
                          json={"reason": "企业已申请验收"})
    assert r.status_code == 200


# --- the jobs list ------------------------------------------------------------------------------


@pytest.mark.parametrize("role,status", [("street_admin", 200), ("supervisor", 403), ("district_viewer", 403)])
async def test_jobs_are_listed_for_street_admin_only(client, world, role, status):
    r = await client.get("/api/v1/jobs", headers=await world.as_(role), params={"status": "failed"})
    assert r.status_code == status, r.text
    if status == 200:
        r = await client.get("/api/v1/jobs", headers=await world.as_(role), params={"status": "lost"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
