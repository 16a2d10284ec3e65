"""A4 and resource limits, property by property, from the committed contract.

Every input model forbids unknown fields; every string, list and number it takes is
bounded in the schema. And a client that sends a field the server owns (its id, its
state, its timestamps, its author, the village and sector a hazard takes from its
enterprise, ...) is refused with a 422 naming that field, and nothing is stored."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.contract.bodies import example, request_body, resolve
from tests.contract.conftest import COMMITTED, operations
from tests.contract.live import LiveServer

# Strings that need no maxLength: their format or enumeration bounds them; a file part is
# bounded by the attachment size limit.
BOUNDED_FORMATS = {"uuid", "date", "date-time"}


def _problems(schema: dict[str, Any], contract: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    ref = schema.get("$ref")
    if ref:
        if ref in seen:
            return []
        seen = seen | {ref}
    schema = resolve(schema, contract)
    out: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            out += _problems(branch, contract, where, seen)
    kind = schema.get("type")
    if kind == "object":
        if schema.get("additionalProperties", True) is not False:
            out.append(f"{where}: unknown fields are not refused (additionalProperties)")
        for name, prop in schema.get("properties", {}).items():
            out += _problems(prop, contract, f"{where}.{name}", seen)
    elif kind == "array":
        if "maxItems" not in schema:
            out.append(f"{where}: no maxItems")
        out += _problems(schema.get("items", {}), contract, f"{where}[]", seen)
    elif kind == "string":
        bounded = (
            "maxLength" in schema or "enum" in schema or "const" in schema
            or schema.get("format") in BOUNDED_FORMATS or "contentMediaType" in schema
        )
        if not bounded:
            out.append(f"{where}: no maxLength")
    elif kind in ("integer", "number"):
        low = "minimum" in schema or "exclusiveMinimum" in schema
        high = "maximum" in schema or "exclusiveMaximum" in schema
        if not (low and high):
            out.append(f"{where}: unbounded {kind}")
    return out


def test_every_input_is_bounded_and_closed(contract):
    """Request bodies forbid unknown fields; every string, array and number of every body
    and parameter has a bound in the schema."""
    problems: list[str] = []
    for _method, _path, op in operations(contract):
        name = op["operationId"]
        for param in op.get("parameters", []):
            problems += _problems(param["schema"], contract, f"{name} {param['in']} {param['name']}", set())
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            problems += _problems(content["schema"], contract, f"{name} body ({media})", set())
    assert problems == []


def test_every_json_body_is_a_closed_model(contract):
    bodies = [
        (op["operationId"], resolve(c["schema"], contract))
        for _, _, op in operations(contract)
        for c in op.get("requestBody", {}).get("content", {}).values()
    ]
    assert len(bodies) >= 25
    assert [name for name, schema in bodies if schema.get("additionalProperties") is not False] == []


# ---- server-owned fields ---------------------------------------------------------------

# Owned by the server on every object, whether or not a representation shows them.
ALWAYS_SERVER_OWNED = {"id", "status", "created_at", "updated_at", "created_by", "version"}
# Named by docs/rules.md A4 and the issue beyond what the answer shows.
ALSO_SERVER_OWNED = {
    "submit_public_report": {"hazard_id", "reward_eligible", "verified_by", "verified_at", "contact_name"},
    "create_user": {"is_active", "password_hash"},
    "update_user": {"role", "username", "org_unit_id", "enterprise_id", "password_hash"},
    "accept_supervision_task": {"status", "submitted_at"},
}

# Where the object acted on comes from (the seeded street), by path parameter.
PATH_IDS = {
    "hazard_id": "hazard3", "task_id": "task", "report_id": "report", "enterprise_id": "e1", "org_unit_id": "v1",
    "user_id": "user_village2", "import_id": "import", "subscription_id": "webhook_subscription",
    "proposal_id": "escalation_proposal", "code": "reminder_rule",
}


def _answer_schema(op: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    for status in ("201", "200"):
        content = op["responses"].get(status, {}).get("content", {})
        if "application/json" in content:
            return resolve(content["application/json"]["schema"], contract)
    return {}


def server_owned_fields(op: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    """{field: a tempting value}: what the answer shows (and the always-owned fields) that
    the request body may not set."""
    body = resolve(op["requestBody"]["content"]["application/json"]["schema"], contract)
    inputs = set(body.get("properties", {}))
    answer = _answer_schema(op, contract).get("properties", {})
    owned = (set(answer) | ALWAYS_SERVER_OWNED | ALSO_SERVER_OWNED.get(op["operationId"], set())) - inputs
    values: dict[str, Any] = {}
    for name in sorted(owned):
        schema = answer.get(name, {"type": "string", "maxLength": 40})
        values[name] = example(schema, contract, name) if name in answer else {
            "version": 99, "created_by": "00000000-0000-7000-8000-000000000001",
        }.get(name, "injected")
    return values


def _json_writes(contract: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op) for method, path, op in operations(contract)
        if method in ("POST", "PATCH") and "application/json" in op.get("requestBody", {}).get("content", {})
    ]


def _cases() -> list[tuple[str, str, str]]:
    import json

    contract = json.loads(COMMITTED.read_text(encoding="utf-8"))
    return [
        (method, path, field)
        for method, path, op in _json_writes(contract)
        for field in server_owned_fields(op, contract)
    ]


CASES = _cases()


def test_every_write_has_server_owned_fields_to_refuse(contract):
    writes = {op["operationId"] for _, _, op in _json_writes(contract)}
    covered = {contract["paths"][p][m.lower()]["operationId"] for m, p, _ in CASES}
    assert writes == covered
    for must in [("POST", "/api/v1/hazards", "village_id"), ("POST", "/api/v1/hazards", "sector"),
                 ("POST", "/api/v1/hazards", "status"), ("POST", "/api/v1/drills", "village_id"),
                 ("POST", "/api/v1/trainings", "sector"), ("POST", "/api/v1/inspections", "village_id"),
                 ("POST", "/api/v1/public/reports", "hazard_id"), ("POST", "/api/v1/public/reports", "reward_eligible"),
                 ("POST", "/api/v1/supervision-tasks/{task_id}/accept", "status"),
                 ("POST", "/api/v1/supervision-tasks", "completed_on"), ("PATCH", "/api/v1/hazards/{hazard_id}", "status"),
                 ("POST", "/api/v1/enterprises", "id"), ("POST", "/api/v1/enterprises", "created_by")]:
        assert must in CASES, must


def _latest_audit(client: httpx.Client, admin: dict[str, str]) -> int:
    r = client.get("/api/v1/audit", params={"limit": 1}, headers=admin)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    return items[0]["id"] if items else 0


def _snapshot(client: httpx.Client, admin: dict[str, str], url: str) -> Any:
    """What a GET of the object acted on shows (None when it has no GET)."""
    r = client.get(url, headers=admin)
    return r.json() if r.status_code == 200 else None


@pytest.mark.parametrize("method,path,field", CASES, ids=[f"{m} {p} {f}" for m, p, f in CASES])
def test_a4_server_owned_field_is_refused_and_not_stored(server: LiveServer, http: httpx.Client, contract, method, path, field):
    op = contract["paths"][path][method.lower()]
    ids = server.street.ids
    url = re.sub(r"{(\w+)}", lambda m: ids[PATH_IDS[m.group(1)]], path)
    body = request_body(op, contract, ids={
        "enterprise_id": ids["e1"], "village_id": ids["v1"], "assignee_org_unit_id": ids["v1"],
        "target_org_unit_id": ids["v1"], "org_unit_id": ids["v1"],
    }) or {}
    value = server_owned_fields(op, contract)[field]
    admin = server.street.auth("admin")
    headers = {} if op.get("security") == [] else admin
    before_audit = _latest_audit(http, admin)
    # The object acted on: the path up to its id (/hazards/{id}/plan acts on /hazards/{id}).
    object_url = re.sub(r"^(.*?{\w+}).*$", r"\1", path)
    object_url = re.sub(r"{(\w+)}", lambda m: ids[PATH_IDS[m.group(1)]], object_url) if "{" in path else None
    before = _snapshot(http, admin, object_url) if object_url else None

    r = http.request(method, url, json={**body, field: value}, headers=headers)

    assert r.status_code == 422, (url, field, r.text)
    assert [e["field"] for e in r.json()["errors"]] == [field], r.text
    assert _latest_audit(http, admin) == before_audit, "a refused request wrote something"
    if before is not None:
        assert _snapshot(http, admin, object_url) == before
