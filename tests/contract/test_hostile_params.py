"""Every parameter that reaches SQL is checked at the edge: each cursor, feed position,
date and timestamp parameter of every read operation of the app's contract gets hostile
values — cursors that decode to the wrong type (`[true]`), overflow bigint, or are forged
base64; dates of year 1 or 9999, impossible days, timestamps with a 24-hour offset — and
each must answer 422 naming that parameter, never 500. The operations are read from the
app's OpenAPI document, so an endpoint added later is covered the day it is published."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import httpx
import pytest

from app.contract import render
from tests.contract.live import LiveServer


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE_CURSORS = [
    "W3RydWVd",  # [true]
    _b64(b"[99999999999999999999]"),  # bigint overflow
    _b64(b'["00000000-0000-0000-0000-000000000000"]'),  # a cursor of an earlier version
    _b64(b"[1, 2, 3]"),
    "AAAAAAAAAAAAAAAAAAAA==",  # padded
    "AAAAAAAAAAAAAAAAAAAA+/",  # standard, not URL-safe, alphabet
    "A" * 21,
    "A" * 23,
    "A" * 600,
    "%00",
    "é" * 22,
    "",
]
HOSTILE_POSITIONS = ["-1", "99999999999999999999", "9223372036854775808", "1e3", "0x10", "abc", "1.5", ""]
HOSTILE_DATES = ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31", "2025-02-30", "2025-13-01", "20250101",
                 "2025-1-1", "2025-06-01T00:00:00+08:00", "-2025-01-01", ""]
HOSTILE_INSTANTS = ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00Z", "2025-03-02T08:00:00+24:00",
                    "2025-03-02T24:00:00Z", "2025-03-02T08:00:00", "2101-01-01T00:00:00Z", "1700000000", ""]


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def kind_of(parameter: dict[str, Any], document: dict[str, Any]) -> str | None:
    schema = _resolve(parameter["schema"], document)
    if parameter["name"] == "cursor":
        return "cursor"
    if parameter["name"] == "after" and schema.get("type") == "integer":
        return "position"
    if schema.get("format") == "date":
        return "date"
    if schema.get("format") == "date-time":
        return "instant"
    return None


HOSTILE = {"cursor": HOSTILE_CURSORS, "position": HOSTILE_POSITIONS, "date": HOSTILE_DATES, "instant": HOSTILE_INSTANTS}


def _document() -> dict[str, Any]:
    return json.loads(render())


# Sub-resources with a list of their own: the seeded object their path names (live.py).
PATH_IDS = {"import_id": "import"}


def on_server(path: str, server: LiveServer) -> str:
    """The path with its id filled in from the seeded street."""
    return re.sub(r"{(\w+)}", lambda m: server.street.ids[PATH_IDS[m.group(1)]], path)


def targets() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(path, parameter, kind, the other required parameters) of every GET operation."""
    document = _document()
    found = []
    for path, item in document["paths"].items():
        op = item.get("get")
        if op is None or any(name not in PATH_IDS for name in re.findall(r"{(\w+)}", path)):
            continue
        required = {p["name"]: p.get("example") for p in op.get("parameters", []) if p.get("required") and p["in"] == "query"}
        for parameter in op.get("parameters", []):
            if parameter["in"] != "query":
                continue
            kind = kind_of(parameter, document)
            if kind is not None:
                found.append((path, parameter["name"], kind, required))
    return found


TARGETS = targets()


def test_the_targets_cover_every_list_and_dated_read():
    paths = {path for path, *_ in TARGETS}
    kinds = {kind for _, _, kind, _ in TARGETS}
    assert kinds == {"cursor", "position", "date", "instant"}
    assert {"/api/v1/hazards", "/api/v1/audit", "/api/v1/events", "/api/v1/compliance", "/api/v1/hazards/export",
            "/api/v1/stats/hazards", "/api/v1/targets"} <= paths
    document = _document()
    paginated = {p for p, item in document["paths"].items() if "get" in item and any(
        q["name"] == "cursor" for q in item["get"].get("parameters", []))}
    assert paginated <= paths and len(paginated) >= 10


def _example_value(value: Any) -> Any:
    return value if value is not None else "1"


@pytest.mark.parametrize("path,name,kind,required", TARGETS, ids=[f"{p}?{n}" for p, n, _, _ in TARGETS])
def test_hostile_values_answer_422_naming_the_parameter(
    http: httpx.Client, server: LiveServer, path: str, name: str, kind: str, required: dict[str, Any]
) -> None:
    admin = server.street.auth("admin")
    base = {k: _example_value(v) for k, v in required.items() if k != name}
    wrong = []
    for value in HOSTILE[kind]:
        r = http.get(on_server(path, server), params={**base, name: value}, headers=admin)
        fields = [e.get("field") for e in r.json().get("errors") or []] if r.headers.get("content-type", "").startswith(
            "application/problem+json") else []
        if r.status_code != 422 or name not in fields:
            wrong.append((value, r.status_code, r.text[:300]))
    assert wrong == []


@pytest.mark.parametrize("path", sorted({p for p, n, k, _ in TARGETS if k == "cursor"}))
def test_any_cursor_of_the_declared_shape_is_a_position(http: httpx.Client, server: LiveServer, path: str) -> None:
    """The shape the contract declares is the whole rule: a forged cursor of that shape is a
    position in the list like any other (an empty or a short page), never an error."""
    document = _document()
    op = document["paths"][path]["get"]
    cursor = next(p for p in op["parameters"] if p["name"] == "cursor")
    length = cursor["schema"]["maxLength"]
    required = {p["name"]: _example_value(p.get("example")) for p in op["parameters"]
                if p.get("required") and p["in"] == "query"}
    for forged in ("A" * length, "_" * length, "-" * length, "z9" * (length // 2) + "z" * (length % 2)):
        r = http.get(on_server(path, server), params={**required, "cursor": forged}, headers=server.street.auth("admin"))
        assert r.status_code == 200, (forged, r.status_code, r.text[:300])


def test_the_feed_reads_the_position_as_a_number(http: httpx.Client, server: LiveServer) -> None:
    admin = server.street.auth("admin")
    first = http.get("/api/v1/events", params={"limit": 2}, headers=admin).json()
    assert isinstance(first["next_cursor"], int) and first["next_cursor"] == first["items"][-1]["id"]
    # The string digits of earlier versions read the same.
    again = http.get("/api/v1/events", params={"after": f"000{first['next_cursor']}", "limit": 2}, headers=admin)
    assert again.status_code == 200 and again.json()["items"][0]["id"] > first["next_cursor"]
