"""Reports from the public: P1 (anonymous, tracking code, rate limit), P2 (the contact is
street_admin's alone), P3 (verification, a public_report hazard, all or nothing)."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid

import httpx
import pytest
from sqlalchemy import func, select, text

from app.db.models import Event, Hazard, PublicReport
from app.main import create_app
from tests.conftest import test_settings as make_settings
from tests.factories import assert_problem, problem_fields

CONTACT = {"name": "张先生", "phone": "13800138000"}


async def submit(client, **overrides):  # type: ignore[no-untyped-def]
    body = {"description": "厂房内堆放大量油漆桶，消防通道被堵塞", "location": "工业园区三路12号",
            "enterprise_name": "某某家具厂", "contact": CONTACT}
    body.update(overrides)
    r = await client.post("/api/v1/public/reports", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def report_id(session, code: str) -> uuid.UUID:  # type: ignore[no-untyped-def]
    digest = hashlib.sha256(code.encode()).hexdigest()
    return (await session.execute(select(PublicReport.id).where(PublicReport.tracking_hash == digest))).scalar_one()


async def events_of(session, resource_id) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await session.execute(select(Event.type).where(Event.resource_id == resource_id).order_by(Event.id))
    return list(rows.scalars())


# --- P1 ---------------------------------------------------------------------------------


async def test_p1_anonymous_submit_and_status_lookup(client, world, session):
    v = await world.village()
    r = await client.post("/api/v1/public/reports", json={"description": "配电箱裸露", "village_id": str(v.id)})
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert set(receipt) == {"tracking_code", "status", "received_at"}
    assert receipt["status"] == "received" and receipt["received_at"].startswith("2025-06-16T02:00:00")
    assert r.headers["Location"] == f"/api/v1/public/reports/{receipt['tracking_code']}"

    r = await client.get(f"/api/v1/public/reports/{receipt['tracking_code']}")
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "received", "received_at": receipt["received_at"], "verified_at": None}

    rid = await report_id(session, receipt["tracking_code"])
    assert await events_of(session, rid) == ["report.received"]
    event = (await session.execute(select(Event).where(Event.resource_id == rid))).scalar_one()
    assert event.resource == "report" and event.village_id == v.id


async def test_p1_tracking_code_has_at_least_96_bits_and_only_its_hash_is_stored(client, session):
    codes = [(await submit(client))["tracking_code"] for _ in range(5)]
    for code in codes:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", code)
        assert len(code) * 6 >= 96  # base64url: 6 bits a character; token_urlsafe(18) gives 144
        assert len(set(code)) >= 8  # not a padded or repeated value
    assert len(set(codes)) == len(codes)
    for code in codes:
        row = (await session.execute(select(PublicReport).where(
            PublicReport.tracking_hash == hashlib.sha256(code.encode()).hexdigest()))).scalar_one()
        leaked = await session.execute(
            text("SELECT count(*) FROM public_report WHERE strpos(row_to_json(public_report)::text, :c) > 0"),
            {"c": code})
        assert leaked.scalar_one() == 0
        assert row.contact_name == CONTACT["name"]


async def test_p1_unknown_and_malformed_codes_are_404_alike(client):
    await submit(client)
    for code in [secrets.token_urlsafe(18), "abc", "x" * 300, "' OR 1=1 --", "%00"]:
        r = await client.get(f"/api/v1/public/reports/{code}")
        body = assert_problem(r, 404)
        assert body["detail"] in (None, "no report with this tracking code")


async def test_p1_submission_is_validated_and_server_fields_are_refused(client, world):
    r = await client.post("/api/v1/public/reports", json={"description": "x", "status": "substantiated"})
    assert "status" in problem_fields(r)
    r = await client.post("/api/v1/public/reports", json={"description": "x", "tracking_code": "abc"})
    assert "tracking_code" in problem_fields(r)
    r = await client.post("/api/v1/public/reports", json={"location": "somewhere"})
    assert problem_fields(r) == ["description"]
    r = await client.post("/api/v1/public/reports", json={"description": "长" * 4001})
    assert problem_fields(r) == ["description"]
    r = await client.post("/api/v1/public/reports", json={"description": "x", "village_id": str(uuid.uuid4())})
    assert problem_fields(r) == ["village_id"]
    department = await world.department()
    r = await client.post("/api/v1/public/reports", json={"description": "x", "village_id": str(department.id)})
    assert problem_fields(r) == ["village_id"]
    r = await client.post("/api/v1/public/reports", json={"description": "x", "contact": {"phone": "call me"}})
    assert problem_fields(r) == ["contact.phone"]


async def test_p1_rate_limited_per_client_address(db, clock):
    app = create_app(make_settings(public_report_rate_per_hour=3), database=db, clock=clock)

    def client_from(address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 5000)), base_url="http://t")

    async with client_from("198.51.100.20") as client, client_from("198.51.100.21") as neighbour:
        for _ in range(3):
            await submit(client)
        r = await client.post("/api/v1/public/reports", json={"description": "第四次"})
        assert_problem(r, 429, "rate_limited")
        assert 0 < int(r.headers["Retry-After"]) <= 3600
        await submit(neighbour)  # another address has its own budget
        clock.set("2025-06-16T11:00:00+08:00")  # the next hour's window
        await submit(client)


async def test_p1_idempotency_key_replays_the_code_without_storing_it(client, session):
    keyed = {"Idempotency-Key": "mobile-8f0c2c1e-report"}
    body = {"description": "楼道堆放电动车充电", "contact": CONTACT}
    first = await client.post("/api/v1/public/reports", json=body, headers=keyed)
    again = await client.post("/api/v1/public/reports", json=body, headers=keyed)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    code = first.json()["tracking_code"]
    count = await session.execute(select(func.count()).select_from(PublicReport).where(
        PublicReport.tracking_hash == hashlib.sha256(code.encode()).hexdigest()))
    assert count.scalar_one() == 1
    leaked = await session.execute(text(
        "SELECT count(*) FROM idempotency_record WHERE strpos(headers::text, :c) > 0 "
        "OR position(convert_to(:c, 'UTF8') in coalesce(body, ''::bytea)) > 0 OR key = :k"),
        {"c": code, "k": keyed["Idempotency-Key"]})
    assert leaked.scalar_one() == 0
    other = await client.post("/api/v1/public/reports", json={"description": "另一件事"}, headers=keyed)
    assert "Idempotency-Key" in problem_fields(other)


# --- P2 and visibility ------------------------------------------------------------------


@pytest.fixture
async def reported(client, world, session):  # type: ignore[no-untyped-def]
    v1, v2 = await world.village(), await world.village()
    e1 = await world.enterprise(v1, "industry_trade")
    receipt = await submit(client, village_id=str(v1.id))
    rid = await report_id(session, receipt["tracking_code"])
    people = {
        "street_admin": await world.as_("street_admin"),
        "supervisor": await world.as_("supervisor"),
        "district_viewer": await world.as_("district_viewer"),
        "same_village": await world.as_("village_officer", org_unit=v1),
        "other_village": await world.as_("village_officer", org_unit=v2),
        "department": await world.as_("department_officer", org_unit=await world.department("emergency_management")),
        "enterprise": await world.as_("enterprise_user", enterprise=e1),
    }
    return {"id": rid, "code": receipt["tracking_code"], "v1": v1, "e1": e1, "people": people}


@pytest.mark.parametrize(
    "who,contact",
    [("street_admin", CONTACT), ("supervisor", None), ("district_viewer", None), ("same_village", None)],
)
async def test_p2_contact_is_shown_to_street_admin_only(client, reported, who, contact):
    headers = reported["people"][who]
    r = await client.get(f"/api/v1/reports/{reported['id']}", headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["contact"] == contact and r.headers["ETag"] == '"1"'
    r = await client.get("/api/v1/reports", headers=headers)
    [item] = [i for i in r.json()["items"] if i["id"] == str(reported["id"])]
    assert item["contact"] == contact
    if contact is None:
        assert CONTACT["phone"] not in r.text and CONTACT["name"] not in r.text


@pytest.mark.parametrize("who", ["other_village", "department", "enterprise"])
async def test_a2_reports_out_of_scope_are_404_and_absent_from_lists(client, reported, who):
    headers = reported["people"][who]
    assert_problem(await client.get(f"/api/v1/reports/{reported['id']}", headers=headers), 404)
    r = await client.get("/api/v1/reports", headers=headers)
    assert r.status_code == 200 and r.json()["items"] == []


async def test_a1_village_officer_sees_only_reports_naming_its_village(client, reported):
    await submit(client)  # no village: the street office's to sort out
    r = await client.get("/api/v1/reports", headers=reported["people"]["same_village"])
    assert [i["id"] for i in r.json()["items"]] == [str(reported["id"])]
    r = await client.get("/api/v1/reports", headers=reported["people"]["street_admin"])
    assert len(r.json()["items"]) == 2


async def test_reports_list_filters_and_pages(client, reported):
    admin = reported["people"]["street_admin"]
    await submit(client)
    await submit(client)
    r = await client.get(f"/api/v1/reports?village_id={reported['v1'].id}", headers=admin)
    assert [i["id"] for i in r.json()["items"]] == [str(reported["id"])]
    r = await client.get("/api/v1/reports?status=substantiated", headers=admin)
    assert r.json()["items"] == []
    seen: list[str] = []
    cursor = None
    while True:
        r = await client.get("/api/v1/reports", headers=admin, params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        page = r.json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 3 and seen == sorted(seen, reverse=True)
    assert "validation_error" == assert_problem(await client.get("/api/v1/reports?status=open", headers=admin), 422)["code"]


# --- P3 ---------------------------------------------------------------------------------


def substantiated(enterprise, **overrides):  # type: ignore[no-untyped-def]
    body = {"outcome": "substantiated", "note": "现场核查属实", "enterprise_id": str(enterprise.id),
            "grade": "general", "title": "消防通道堵塞", "deadline": "2025-07-15"}
    body.update(overrides)
    return body


async def test_p3_substantiated_creates_one_public_report_hazard(client, reported, session):
    admin = reported["people"]["street_admin"]
    r = await client.post(f"/api/v1/reports/{reported['id']}/verify", headers=admin, json=substantiated(reported["e1"]))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["status"] == "substantiated" and report["reward_eligible"] is True
    assert report["hazard_id"] and report["verified_at"] and report["verification_note"] == "现场核查属实"
    assert report["contact"] == CONTACT and r.headers["ETag"] == '"2"'

    hazards = (await session.execute(select(Hazard).where(Hazard.report_id == reported["id"]))).scalars().all()
    assert [str(h.id) for h in hazards] == [report["hazard_id"]]
    r = await client.get(f"/api/v1/hazards/{report['hazard_id']}", headers=admin)
    hazard = r.json()
    assert hazard["source"] == "public_report" and hazard["report_id"] == str(reported["id"])
    assert hazard["enterprise_id"] == str(reported["e1"].id) and hazard["village_id"] == str(reported["v1"].id)
    assert hazard["discovered_on"] == "2025-06-16" and hazard["deadline"] == "2025-07-15"
    assert hazard["location"] == "工业园区三路12号"
    assert hazard["description"] is None  # the reporter's words stay with the report
    assert await events_of(session, reported["id"]) == ["report.received", "report.verified"]
    assert "hazard.created" in await events_of(session, hazard["id"])

    r = await client.get(f"/api/v1/public/reports/{reported['code']}")
    assert r.json()["status"] == "substantiated" and r.json()["verified_at"] == report["verified_at"]
    assert set(r.json()) == {"status", "received_at", "verified_at"}


async def test_p3_discovered_on_defaults_to_the_received_date_in_shanghai(client, world, clock):
    clock.set("2025-06-15T17:30:00+00:00")  # 01:30 on 16 June in Shanghai
    v = await world.village()
    e = await world.enterprise(v)
    code = (await submit(client, village_id=str(v.id)))["tracking_code"]
    admin = await world.as_("supervisor")
    clock.set("2025-06-20T10:00:00+08:00")
    rid = (await client.get("/api/v1/reports", headers=admin)).json()["items"][0]["id"]
    r = await client.post(f"/api/v1/reports/{rid}/verify", headers=admin, json=substantiated(e, grade="major", deadline=None))
    assert r.status_code == 200, r.text
    hazard = (await client.get(f"/api/v1/hazards/{r.json()['hazard_id']}", headers=admin)).json()
    assert hazard["discovered_on"] == "2025-06-16" and hazard["notified_at"]  # H8 for a major one
    assert (await client.get(f"/api/v1/public/reports/{code}")).json()["status"] == "substantiated"


async def test_p3_unsubstantiated_creates_no_hazard(client, reported, session):
    r = await client.post(f"/api/v1/reports/{reported['id']}/verify", headers=reported["people"]["supervisor"],
                          json={"outcome": "unsubstantiated", "note": "现场核查未发现所述情况"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "unsubstantiated" and body["hazard_id"] is None and body["reward_eligible"] is False
    assert body["contact"] is None  # supervisor
    count = await session.execute(select(func.count()).select_from(Hazard).where(Hazard.report_id == reported["id"]))
    assert count.scalar_one() == 0
    assert await events_of(session, reported["id"]) == ["report.received", "report.verified"]


async def test_p3_verify_twice_is_409(client, reported):
    admin = reported["people"]["street_admin"]
    first = await client.post(f"/api/v1/reports/{reported['id']}/verify", headers=admin,
                              json={"outcome": "unsubstantiated", "note": "n"})
    assert first.status_code == 200
    for body in ({"outcome": "unsubstantiated", "note": "n"}, substantiated(reported["e1"])):
        r = await client.post(f"/api/v1/reports/{reported['id']}/verify", headers=admin, json=body)
        assert assert_problem(r, 409, "invalid_transition")["current_status"] == "unsubstantiated"


@pytest.mark.parametrize("who", ["same_village", "district_viewer"])
async def test_p3_others_who_see_the_report_may_not_verify_403(client, reported, session, who):
    r = await client.post(f"/api/v1/reports/{reported['id']}/verify", headers=reported["people"][who],
                          json={"outcome": "unsubstantiated", "note": "n"})
    assert_problem(r, 403)
    status = await session.execute(select(PublicReport.status).where(PublicReport.id == reported["id"]))
    assert status.scalar_one() == "received"


@pytest.mark.parametrize("who", ["other_village", "department", "enterprise"])
async def test_p3_verify_out_of_scope_is_404(client, reported, who):
    r = await client.post(f"/api/v1/reports/{reported['id']}/verify", headers=reported["people"][who],
                          json={"outcome": "unsubstantiated", "note": "n"})
    assert_problem(r, 404)


async def test_p3_all_or_nothing_unknown_enterprise(client, reported, session):
    admin = reported["people"]["street_admin"]
    body = substantiated(reported["e1"], enterprise_id=str(uuid.uuid4()))
    r = await client.post(f"/api/v1/reports/{reported['id']}/verify", headers=admin, json=body)
    assert problem_fields(r, 422) == ["enterprise_id"]
    r = await client.get(f"/api/v1/reports/{reported['id']}", headers=admin)
    assert r.json()["status"] == "received" and r.json()["hazard_id"] is None and r.json()["verified_at"] is None
    count = await session.execute(select(func.count()).select_from(Hazard).where(Hazard.report_id == reported["id"]))
    assert count.scalar_one() == 0
    assert await events_of(session, reported["id"]) == ["report.received"]


async def test_p3_verification_fields_follow_the_outcome(client, reported):
    admin = reported["people"]["street_admin"]
    url = f"/api/v1/reports/{reported['id']}/verify"
    r = await client.post(url, headers=admin, json={"outcome": "substantiated", "note": "n"})
    assert sorted(problem_fields(r, 422)) == ["enterprise_id", "grade", "title"]
    r = await client.post(url, headers=admin, json={"outcome": "unsubstantiated", "note": "n", "grade": "major"})
    assert problem_fields(r, 422) == ["grade"]
    r = await client.post(url, headers=admin, json={"outcome": "unsubstantiated"})
    assert problem_fields(r, 422) == ["note"]
    r = await client.post(url, headers=admin, json={**substantiated(reported["e1"]), "discovered_on": "2025-06-17"})
    assert problem_fields(r, 422) == ["discovered_on"]  # after today
    r = await client.post(url, headers=admin, json={**substantiated(reported["e1"]), "source": "patrol"})
    assert problem_fields(r, 422) == ["source"]  # the source is public_report, not the client's


async def test_p3_verify_honours_if_match(client, reported):
    admin = reported["people"]["street_admin"]
    url = f"/api/v1/reports/{reported['id']}/verify"
    r = await client.post(url, headers={**admin, "If-Match": '"2"'}, json={"outcome": "unsubstantiated", "note": "n"})
    assert_problem(r, 412)
    r = await client.post(url, headers={**admin, "If-Match": '"1"'}, json={"outcome": "unsubstantiated", "note": "n"})
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
