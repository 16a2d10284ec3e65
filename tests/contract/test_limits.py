"""Resource limits, for every operation the contract lists: `limit` above 200 is a 422
naming `limit`; a request body over 1 MiB is a 413 (evidence uploads have their own,
larger limit); token, refresh and public report requests are rate limited per client
address (429 with Retry-After)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.contract.conftest import COMMITTED, operations
from tests.contract.live import API, LiveServer, start_server

MIB = 1024 * 1024
_CONTRACT = json.loads(COMMITTED.read_text(encoding="utf-8"))
LISTS = [
    (path, op["operationId"]) for method, path, op in operations(_CONTRACT)
    if method == "GET" and any(p["name"] == "limit" and p["in"] == "query" for p in op.get("parameters", []))
]
JSON_WRITES = [
    (method, path) for method, path, op in operations(_CONTRACT)
    if method in ("POST", "PATCH", "PUT") and "application/json" in op.get("requestBody", {}).get("content", {})
]


def _url(path: str) -> str:
    return re.sub(r"{\w+}", str(uuid.uuid4()), path)


def test_the_contract_has_lists_and_writes():
    assert len(LISTS) >= 12 and len(JSON_WRITES) >= 25


@pytest.mark.parametrize("path,name", LISTS, ids=[name for _, name in LISTS])
def test_limit_above_200_is_422_naming_limit(server: LiveServer, http: httpx.Client, path, name):
    url = _url(path).replace("{tracking_code}", "x")
    ok = http.get(url, params={"limit": 200}, headers=server.street.auth("admin"))
    assert ok.status_code != 422 or "limit" not in ok.text, ok.text
    r = http.get(url, params={"limit": 201}, headers=server.street.auth("admin"))
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["limit"]


def test_every_list_declares_limit_1_to_200():
    for method, _path, op in operations(_CONTRACT):
        for p in op.get("parameters", []):
            if p["name"] == "limit" and method == "GET":
                assert (p["schema"].get("minimum"), p["schema"].get("maximum")) == (1, 200), op["operationId"]


@pytest.mark.parametrize("method,path", JSON_WRITES, ids=[f"{m} {p}" for m, p in JSON_WRITES])
def test_body_over_1_mib_is_413(server: LiveServer, http: httpx.Client, method, path):
    # Valid JSON of 1 MiB + 1 byte: the size alone is what is refused, before anything else.
    padding = MIB + 1 - len('{"x":""}')
    body = ('{"x":"' + "a" * padding + '"}').encode()
    assert len(body) == MIB + 1
    r = http.request(method, _url(path), content=body, headers={
        **server.street.auth("admin"), "Content-Type": "application/json",
    })
    assert r.status_code == 413, r.text[:500]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "payload_too_large"


def test_body_over_1_mib_without_content_length_is_413(server: LiveServer, http: httpx.Client):
    """A chunked body has no Content-Length: the limit is counted while reading."""

    def chunks() -> Iterator[bytes]:
        yield b'{"description":"'
        for _ in range(17):
            yield b"a" * 65536
        yield b'"}'

    r = http.post(API + "/public/reports", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413, r.text[:500]


def test_a_body_of_exactly_1_mib_is_read(server: LiveServer, http: httpx.Client):
    padding = MIB - len('{"description":""}')
    body = ('{"description":"' + "a" * padding + '"}').encode()
    r = http.post(API + "/public/reports", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text[:300]  # read and validated: too long a description, not too large a body
    assert [e["field"] for e in r.json()["errors"]] == ["description"]


def test_evidence_uploads_have_their_own_limit(server: LiveServer, http: httpx.Client):
    from tests.contract.live import PNG

    big = PNG + b"\0" * (2 * MIB)  # a PNG of 2 MiB: over the JSON limit, under the file limit
    r = http.post(API + "/attachments", files={"file": ("big.png", big, "image/png")}, headers=server.street.auth("admin"))
    assert r.status_code == 201, r.text


# ---- rate limits ---------------------------------------------------------------------

AUTH_PER_MINUTE = 4
REPORTS_PER_HOUR = 3


@pytest.fixture(scope="module")
def throttled(scratch_database) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """A server with small budgets (the shared one is generous so that fuzzing is not throttled)."""
    live = start_server(scratch_database(), seed=False, extra_env={
        "ANQUAN_AUTH_RATE_PER_MINUTE": str(AUTH_PER_MINUTE),
        "ANQUAN_PUBLIC_REPORT_RATE_PER_HOUR": str(REPORTS_PER_HOUR),
        # Each test speaks from an address of its own (as behind a proxy), so budgets do not mix.
        "ANQUAN_TRUST_FORWARDED_FOR": "true",
    })
    try:
        yield live
    finally:
        live.stop()


def _assert_throttled(responses: list[httpx.Response], budget: int) -> None:
    codes = [r.status_code for r in responses]
    assert 429 not in codes[:budget], codes
    assert codes[budget:] == [429] * (len(codes) - budget), codes
    last = responses[-1]
    assert last.headers["content-type"].startswith("application/problem+json")
    assert 0 < int(last.headers["Retry-After"]) <= 3600, last.headers


def test_login_is_rate_limited_per_address(throttled: LiveServer):
    with httpx.Client(base_url=throttled.api, timeout=30, headers={"X-Forwarded-For": "198.51.100.1"}) as c:
        # A different unknown username each time: the per-address budget, not the per-user throttle.
        responses = [
            c.post("/auth/token", data={"username": f"nobody{n}", "password": "wrong-password"})
            for n in range(AUTH_PER_MINUTE + 2)
        ]
    _assert_throttled(responses, AUTH_PER_MINUTE)
    assert {r.status_code for r in responses[:AUTH_PER_MINUTE]} == {401}


def test_refresh_is_rate_limited_per_address(throttled: LiveServer):
    with httpx.Client(base_url=throttled.api, timeout=30, headers={"X-Forwarded-For": "198.51.100.2"}) as c:
        responses = [c.post("/auth/refresh", json={"refresh_token": f"garbage-{n}"}) for n in range(AUTH_PER_MINUTE + 2)]
        other = c.post("/auth/refresh", json={"refresh_token": "garbage"}, headers={"X-Forwarded-For": "198.51.100.3"})
    _assert_throttled(responses, AUTH_PER_MINUTE)
    assert {r.status_code for r in responses[:AUTH_PER_MINUTE]} == {401}
    assert other.status_code == 401  # another address has a budget of its own


def test_public_reports_are_rate_limited_per_address(throttled: LiveServer):
    with httpx.Client(base_url=throttled.api, timeout=30, headers={"X-Forwarded-For": "198.51.100.4"}) as c:
        responses = [c.post("/public/reports", json={"description": f"限流测试 {n}"}) for n in range(REPORTS_PER_HOUR + 2)]
    _assert_throttled(responses, REPORTS_PER_HOUR)
    assert {r.status_code for r in responses[:REPORTS_PER_HOUR]} == {201}
