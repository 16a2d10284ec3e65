"""The server accepts what the contract describes and nothing looser (found by the
schemathesis run): dates are YYYY-MM-DD (not seconds), timestamps carry an offset,
booleans are true/false, UUIDs are hyphenated, amounts have their decimal places, text
is not blank; a PATCH cannot null a required field; 405 names every method of the path;
a body that cannot be decoded is a 422; forms refuse unknown fields."""

from __future__ import annotations

import uuid

import pytest

from tests.api.helpers import create_hazard
from tests.factories import assert_problem, enterprise_payload, problem_fields


@pytest.fixture
async def admin(world):  # type: ignore[no-untyped-def]
    return await world.as_("street_admin")


@pytest.fixture
async def enterprise(world):  # type: ignore[no-untyped-def]
    return await world.enterprise(await world.village(), "hazardous_chemicals")


@pytest.mark.parametrize("query,field", [
    ("discovered_to=0", "discovered_to"),
    ("discovered_from=1700000000", "discovered_from"),
    ("discovered_to=2025-06-01T00:00:00", "discovered_to"),
    ("village_id=" + "0" * 32, "village_id"),
    ("enterprise_id={" + str(uuid.UUID(int=1)) + "}", "enterprise_id"),
])
async def test_query_dates_and_ids_are_canonical(client, admin, query, field):
    assert problem_fields(await client.get(f"/api/v1/hazards?{query}", headers=admin)) == [field]


@pytest.mark.parametrize("path,query", [("/api/v1/audit", "to=0.5"), ("/api/v1/audit", "from=2025-06-01T00:00:00")])
async def test_timestamps_need_rfc_3339_with_an_offset(client, admin, path, query):
    assert problem_fields(await client.get(f"{path}?{query}", headers=admin)) == [query.split("=")[0]]
    r = await client.get(f"{path}?to=2025-06-01T00:00:00%2B08:00", headers=admin)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("field,value", [
    ("discovered_on", 0), ("discovered_on", "1700000000"), ("discovered_on", "2025-06-01T08:00:00+08:00"),
    ("enterprise_id", "0" * 32), ("title", "   "), ("title", "\u3000\t"), ("grade", 1),
])
async def test_body_types_are_strict(client, admin, enterprise, field, value):
    body = {"enterprise_id": str(enterprise.id), "grade": "general", "source": "patrol", "title": "t",
            "discovered_on": "2025-06-01", field: value}
    assert problem_fields(await client.post("/api/v1/hazards", headers=admin, json=body)) == [field]


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
async def test_booleans_are_json_booleans(client, world, value):
    admin = await world.as_("street_admin")
    user = await world.user("supervisor")
    r = await client.patch(f"/api/v1/users/{user.id}", headers=admin, json={"is_active": value})
    assert problem_fields(r) == ["is_active"]


async def test_integers_are_json_integers(client, admin, enterprise):
    body = {"enterprise_id": str(enterprise.id), "kind": "fire", "held_on": "2025-06-01"}
    for value in ["20", True, 20.5]:
        r = await client.post("/api/v1/drills", headers=admin, json={**body, "participants": value})
        assert problem_fields(r) == ["participants"], value
    r = await client.post("/api/v1/drills", headers=admin, json={**body, "participants": 20})
    assert r.status_code == 201, r.text


async def test_text_is_stripped_after_its_limits_are_checked(client, admin, enterprise):
    h = await create_hazard(client, admin, enterprise, title="  储罐区报警器失效  ")
    assert h["title"] == "储罐区报警器失效"
    r = await client.post("/api/v1/hazards", headers=admin, json={
        "enterprise_id": str(enterprise.id), "grade": "general", "source": "patrol", "title": "x" * 199 + "  ",
        "discovered_on": "2025-06-01"})
    assert problem_fields(r) == ["title"]  # 201 characters as sent: over the documented 200


@pytest.mark.parametrize("funds,stored", [
    ("12000.50", "12000.50"), (12000.5, "12000.50"), (12000, "12000.00"), (0.07, "0.07"), (0.125, "0.13"),
])
async def test_funds_as_string_or_number(client, admin, enterprise, funds, stored):
    h = await create_hazard(client, admin, enterprise, grade="general")
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin, json={
        "responsible_person": "李明", "deadline": "2025-07-31", "funds": funds})
    assert r.status_code == 200, r.text
    assert r.json()["plan"]["funds"] == stored


@pytest.mark.parametrize("funds", ["1e3", "12000.555", "-1", " 12", "NaN", True, 1e13, -0.5])
async def test_funds_outside_the_contract_are_422(client, admin, enterprise, funds):
    h = await create_hazard(client, admin, enterprise, grade="general")
    r = await client.post(f"/api/v1/hazards/{h['id']}/plan", headers=admin, json={
        "responsible_person": "李明", "deadline": "2025-07-31", "funds": funds})
    assert problem_fields(r) == ["funds"]


@pytest.mark.parametrize("hours", ["0", "0.0", "1000", "8.25", 0, 0.05, 1000])
async def test_training_hours_outside_the_contract_are_422(client, admin, enterprise, hours):
    r = await client.post("/api/v1/trainings", headers=admin, json={
        "enterprise_id": str(enterprise.id), "trainee_role": "principal", "topic": "培训", "held_on": "2025-06-01",
        "hours": hours, "passed": True})
    assert problem_fields(r) == ["hours"]


@pytest.mark.parametrize("field", ["name", "status", "village_id", "tags", "principal", "benchmark"])
async def test_patch_cannot_null_a_required_field(client, admin, world, field):
    village = await world.village()
    r = await client.post("/api/v1/enterprises", headers=admin, json=enterprise_payload(village.id))
    assert r.status_code == 201, r.text
    r = await client.patch(f"/api/v1/enterprises/{r.json()['id']}", headers=admin, json={field: None})
    assert problem_fields(r) == [field]


async def test_patch_may_clear_an_optional_field_and_reset_high_risk(client, admin, world):
    village = await world.village()
    r = await client.post("/api/v1/enterprises", headers=admin, json=enterprise_payload(village.id, address="东湖路1号"))
    r = await client.patch(f"/api/v1/enterprises/{r.json()['id']}", headers=admin, json={"address": None, "high_risk": None})
    assert r.status_code == 200, r.text
    assert r.json()["address"] is None


async def test_hazard_title_cannot_be_nulled(client, admin, enterprise):
    h = await create_hazard(client, admin, enterprise)
    assert problem_fields(await client.patch(f"/api/v1/hazards/{h['id']}", headers=admin, json={"title": None})) == ["title"]


@pytest.mark.parametrize("method,path,allowed", [
    ("OPTIONS", "/api/v1/drills", "GET, POST"),
    ("DELETE", "/api/v1/hazards/00000000-0000-7000-8000-000000000000", "GET, PATCH"),
    ("PATCH", "/api/v1/hazards/export", "GET"),
    ("POST", "/api/v1/hazards/export", "GET"),
    ("PUT", "/api/v1/users/00000000-0000-7000-8000-000000000000", "GET, PATCH"),
])
async def test_405_allows_every_method_of_the_path(client, admin, method, path, allowed):
    r = await client.request(method, path, headers=admin)
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == allowed


async def test_a_body_that_is_not_utf8_is_422_naming_the_body(client, admin):
    r = await client.post("/api/v1/org-units", headers={**admin, "Content-Type": "application/json"}, content=b'{"name": "\xff"}')
    assert problem_fields(r) == ["body"]


async def test_token_form_refuses_unknown_fields(client, world):
    await world.user("street_admin", username="form_admin", password="correct-horse-battery")
    r = await client.post("/api/v1/auth/token", data={"username": "form_admin", "password": "correct-horse-battery", "role": "x"})
    assert problem_fields(r) == ["role"]
    # What OAuth2 clients send (Swagger UI: empty scope and client fields) is fine.
    r = await client.post("/api/v1/auth/token", data={
        "grant_type": "password", "username": "form_admin", "password": "correct-horse-battery",
        "scope": "", "client_id": "", "client_secret": ""})
    assert r.status_code == 200, r.text


async def test_upload_refuses_unknown_parts(client, admin):
    png = bytes.fromhex("89504e470d0a1a0a") + b"\0" * 32
    r = await client.post("/api/v1/attachments", headers=admin, files={"file": ("a.png", png, "image/png")}, data={"owner": "x"})
    assert problem_fields(r) == ["owner"]


async def test_an_administrator_cannot_disable_their_own_account(client, world):
    user = await world.user("street_admin")
    headers = world.headers(user)
    r = await client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"is_active": False})
    assert_problem(r, 403)
    r = await client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"display_name": "管理员"})
    assert r.status_code == 200, r.text


async def test_tracking_codes_of_any_length_answer_404(client):
    assert_problem(await client.get("/api/v1/public/reports/" + "x" * 300), 404)
