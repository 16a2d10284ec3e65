"""Minimal valid request bodies derived from the contract: the required fields only, each
with a value its schema accepts. New operations get a body without anyone writing one."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from app.domain.calendar import business_date

# Fields whose pattern a generic value would not meet, by name.
KNOWN_STRINGS = {
    "phone": "13800138000",
    "credit_code": "91340100MA2N0K1X2B",
    "username": "contract_user",
    "password": "contract-password-1",
    "refresh_token": "not-a-token",
}


def resolve(schema: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = contract["components"]["schemas"][name]
    return schema


def today() -> date:
    return business_date(datetime.now(timezone.utc))


def example(schema: dict[str, Any], contract: dict[str, Any], name: str = "", ids: dict[str, str] | None = None) -> Any:
    """A value `schema` accepts; `ids` supplies UUIDs by field name."""
    schema = resolve(schema, contract)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [b for b in schema[key] if resolve(b, contract).get("type") != "null"]
            return example(branches[0], contract, name, ids)
    if "allOf" in schema:
        return example(schema["allOf"][0], contract, name, ids)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(props[k], contract, k, ids) for k in schema.get("required", [])}
    if kind == "array":
        n = schema.get("minItems", 0)
        return [example(schema["items"], contract, name, ids) for _ in range(n)]
    if kind == "boolean":
        return True
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return (ids or {}).get(name, "00000000-0000-7000-8000-000000000000")
        if fmt == "date":
            return str(today() + (timedelta(days=30) if name in ("deadline", "due_on") else timedelta(days=-1)))
        if fmt == "date-time":
            return datetime.now(timezone.utc).isoformat()
        if name in KNOWN_STRINGS:
            return KNOWN_STRINGS[name]
        return "契约" + "x" * max(0, schema.get("minLength", 1) - 2)
    raise AssertionError(f"no example for {name}: {schema}")


def request_body(op: dict[str, Any], contract: dict[str, Any], ids: dict[str, str] | None = None) -> dict[str, Any] | None:
    """(JSON body) for an operation that takes one, else None."""
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return example(content["application/json"]["schema"], contract, "", ids)
