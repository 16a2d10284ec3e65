"""API.md conventions: RFC 9457 errors everywhere, input limits, Idempotency-Key, request
ids and security headers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from app.db.models import Enterprise
from tests.factories import assert_problem, enterprise_payload, problem_fields

URL = "/api/v1/enterprises"


@pytest.fixture
async def admin(world):  # type: ignore[no-untyped-def]
    return await world.as_("street_admin")


@pytest.fixture
async def village(world):  # type: ignore[no-untyped-def]
    return await world.village()


async def count(session) -> int:  # type: ignore[no-untyped-def]
    return (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one()


# --- problem+json -----------------------------------------------------------------------------


async def test_unknown_path_is_404_problem(client):
    body = assert_problem(await client.get("/api/v1/nothing-here"), 404, "not_found")
    assert body["type"] == "urn:anquan:problem:not_found"
    assert body["title"] == "Not Found"
    assert body["instance"] == "/api/v1/nothing-here"


async def test_wrong_method_is_405_problem(client, admin):
    r = await client.delete("/api/v1/sectors", headers=admin)
    body = assert_problem(r, 405, "method_not_allowed")
    assert body["title"] == "Method Not Allowed"
    assert r.headers["allow"] == "GET"


async def test_validation_error_is_422_problem(client, admin):
    r = await client.get(f"{URL}?limit=0", headers=admin)
    body = assert_problem(r, 422, "validation_error")
    assert body["title"] == "Unprocessable Content"
    assert body["detail"] == "1 field is invalid"
    assert body["errors"] == [{"field": "limit", "message": body["errors"][0]["message"]}]
    assert body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing", 404),
        ("PUT", "/api/v1/sectors", 405),
        ("GET", "/api/v1/enterprises?limit=x", 422),
        ("GET", "/api/v1/enterprises", 401),
        ("GET", "/api/v1/users", 403),
        ("GET", f"/api/v1/enterprises/{uuid.UUID(int=0)}", 404),
    ],
)
async def test_every_error_has_type_title_status_code(client, world, method, path, status):
    headers = await world.as_("supervisor") if status != 401 else {}
    assert_problem(await client.request(method, path, headers=headers), status)


# --- hostile input -------------------------------------------------------------------------------


async def test_nul_byte_in_a_name_is_422_not_500(client, admin, village, session):
    before = await count(session)
    r = await client.post(URL, json=enterprise_payload(village.id, name="坏\x00名字"), headers=admin)
    assert problem_fields(r) == ["name"]
    r = await client.post(URL, json=enterprise_payload(village.id, principal={"name": "王\x00", "phone": "13800138000"}), headers=admin)
    assert problem_fields(r) == ["principal.name"]
    assert await count(session) == before


async def test_nul_byte_in_a_query_is_422(client, admin):
    assert problem_fields(await client.get(URL, params={"q": "a\x00b"}, headers=admin)) == ["q"]


async def test_nul_byte_in_org_unit_and_user_names_is_422(client, admin):
    r = await client.post("/api/v1/org-units", json={"kind": "village", "name": "村\x00"}, headers=admin)
    assert problem_fields(r) == ["name"]
    r = await client.post(
        "/api/v1/users",
        json={"username": "nul_user", "password": "pass\x00word-long", "role": "district_viewer"},
        headers=admin,
    )
    assert problem_fields(r) == ["password"]


async def test_a_10000_character_name_is_422(client, admin, village, session):
    before = await count(session)
    r = await client.post(URL, json=enterprise_payload(village.id, name="长" * 10_000), headers=admin)
    assert problem_fields(r) == ["name"]
    assert await count(session) == before


@pytest.mark.parametrize("limit", ["99999999999999999999", "-99999999999999999999", "1e3"])
async def test_integers_out_of_range_are_422(client, admin, limit):
    assert problem_fields(await client.get(f"{URL}?limit={limit}", headers=admin)) == ["limit"]


async def test_unknown_enum_value_is_422(client, admin, village):
    assert problem_fields(await client.get(f"{URL}?status=bogus", headers=admin)) == ["status"]
    r = await client.post(URL, json=enterprise_payload(village.id, status="bogus"), headers=admin)
    assert problem_fields(r) == ["status"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("village_id", 123),
        ("village_id", "not-a-uuid"),
        ("name", 42),
        ("tags", "confined_space"),
        ("principal", "王强"),
        ("high_risk", "perhaps"),
        ("registered_on", 20210510),
        ("benchmark", [True]),
    ],
)
async def test_wrong_types_are_422(client, admin, village, field, value):
    body = enterprise_payload(village.id)
    body[field] = value
    assert problem_fields(await client.post(URL, json=body, headers=admin)) == [field]


@pytest.mark.parametrize("raw", [b"{not json", b'{"name": "x",}', b"\xff\xfe"])
async def test_malformed_json_is_422_naming_the_body(client, admin, raw):
    r = await client.post(URL, content=raw, headers={**admin, "Content-Type": "application/json"})
    assert problem_fields(r) == ["body"]


@pytest.mark.parametrize("raw", [b"[]", b'"text"', b"null", b"42"])
async def test_a_body_that_is_not_an_object_is_422(client, admin, raw):
    r = await client.post(URL, content=raw, headers={**admin, "Content-Type": "application/json"})
    assert problem_fields(r) == ["body"]


async def test_body_over_1_mib_is_413(client, admin, village, session):
    before = await count(session)
    body = enterprise_payload(village.id, address="x" * (1024 * 1024))
    r = await client.post(URL, json=body, headers=admin)
    problem = assert_problem(r, 413, "payload_too_large")
    assert problem["detail"] == "the request body exceeds 1048576 bytes"
    assert problem["title"] == "Content Too Large"  # RFC 9110, whatever the Python version
    assert r.headers["x-content-type-options"] == "nosniff"
    assert await count(session) == before


async def test_streamed_body_over_1_mib_is_413(client, admin):
    """No Content-Length: the limit is enforced while reading."""

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b" " * 65536

    r = await client.post(URL, content=chunks(), headers={**admin, "Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert_problem(r, 413, "payload_too_large")


async def test_body_just_under_the_limit_is_read(client, admin, village):
    body = enterprise_payload(village.id, address="x" * 1000)
    raw = __import__("json").dumps(body).encode()
    padded = raw[:-1] + b" " * (1024 * 1024 - len(raw)) + b"}"
    assert len(padded) == 1024 * 1024
    r = await client.post(URL, content=padded, headers={**admin, "Content-Type": "application/json"})
    assert problem_fields(r) == ["address"]  # parsed and validated, not refused for size


# --- Idempotency-Key -------------------------------------------------------------------------------


async def test_idempotency_key_replays_the_first_answer(client, admin, village, session):
    body = enterprise_payload(village.id)
    headers = {**admin, "Idempotency-Key": "create-enterprise-0001"}
    before = await count(session)
    first = await client.post(URL, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    second = await client.post(URL, json=body, headers=headers)
    assert second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert second.content == first.content
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["content-type"] == first.headers["content-type"]
    assert await count(session) == before + 1
    stored = (await session.execute(select(func.count()).select_from(Enterprise).where(Enterprise.credit_code == body["credit_code"]))).scalar_one()
    assert stored == 1


async def test_idempotency_key_with_another_body_is_422(client, admin, village, session):
    headers = {**admin, "Idempotency-Key": "create-enterprise-0002"}
    assert (await client.post(URL, json=enterprise_payload(village.id), headers=headers)).status_code == 201
    before = await count(session)
    r = await client.post(URL, json=enterprise_payload(village.id), headers=headers)
    body = assert_problem(r, 422, "idempotency_key_reused")
    assert [e["field"] for e in body["errors"]] == ["Idempotency-Key"]
    assert await count(session) == before


async def test_idempotency_keys_belong_to_their_caller(client, world, village, session):
    """Another user's identical key is another request, not a replay of someone else's answer."""
    first = await world.as_("street_admin")
    second = await world.as_("street_admin")
    body = enterprise_payload(village.id)
    assert (await client.post(URL, json=body, headers={**first, "Idempotency-Key": "shared-key"})).status_code == 201
    r = await client.post(URL, json=body, headers={**second, "Idempotency-Key": "shared-key"})
    assert_problem(r, 409, "duplicate_credit_code")
    assert "idempotent-replayed" not in r.headers


async def test_a_failed_request_does_not_burn_its_key(client, admin, village):
    headers = {**admin, "Idempotency-Key": "retry-after-fix"}
    body = enterprise_payload(village.id)
    bad = {**body, "village_id": str(uuid.uuid4())}
    assert (await client.post(URL, json=bad, headers=headers)).status_code == 422
    body_ok = await client.post(URL, json=body, headers=headers)
    assert body_ok.status_code == 201, body_ok.text


@pytest.mark.parametrize("key", ["", "has space", "ключ".encode(), "x" * 201])
async def test_malformed_idempotency_key_is_422(client, admin, village, key):
    r = await client.post(URL, json=enterprise_payload(village.id), headers={**admin, "Idempotency-Key": key})
    assert problem_fields(r) == ["Idempotency-Key"]


async def test_idempotency_on_org_units(client, admin, session):
    headers = {**admin, "Idempotency-Key": "org-unit-1"}
    first = await client.post("/api/v1/org-units", json={"kind": "village", "name": "幂等村"}, headers=headers)
    second = await client.post("/api/v1/org-units", json={"kind": "village", "name": "幂等村"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["idempotent-replayed"] == "true"


# --- request ids and headers --------------------------------------------------------------------------


async def test_request_id_echoed(client):
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123.def:9"})
    assert r.headers["x-request-id"] == "abc-123.def:9"


async def test_request_id_generated_when_missing_or_malformed(client):
    a = (await client.get("/healthz")).headers["x-request-id"]
    b = (await client.get("/healthz")).headers["x-request-id"]
    assert a and b and a != b
    evil = (await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})).headers["x-request-id"]
    assert evil != "bad id\twith spaces" and len(evil) == 24


async def test_request_id_on_errors_too(client):
    r = await client.get("/api/v1/nothing", headers={"X-Request-ID": "req-404"})
    assert r.status_code == 404 and r.headers["x-request-id"] == "req-404"


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/nothing", "/api/v1/enterprises"])
async def test_security_headers(client, path):
    r = await client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


async def test_request_id_with_a_trailing_newline_is_replaced():
    """`$` alone matches before a final newline; a newline must never reach a response header."""
    from app.api.middleware import RequestContextMiddleware

    sent: list[dict] = []

    async def inner(scope, receive, send):  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive():  # type: ignore[no-untyped-def]
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"x-request-id", b"abc\n")]}
    await RequestContextMiddleware(inner, max_body_bytes=10)(scope, receive, send)
    rid = dict(sent[0]["headers"])[b"x-request-id"]
    assert b"\n" not in rid and rid != b"abc\n"
