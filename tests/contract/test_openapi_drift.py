"""The committed contract (openapi/openapi.json) is what the app serves, and it keeps the
project's conventions: stable operation ids, summaries, RFC 9457 error responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from app.contract import render
from app.main import create_app
from app.settings import Settings

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return json.loads(render())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def test_committed_contract_is_current():
    rendered = render()
    committed = COMMITTED.read_text(encoding="utf-8")
    assert rendered == committed, (
        "openapi/openapi.json differs from the app's schema; run ./scripts/export-openapi and commit the result"
    )


def test_contract_is_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] == "Anquan"


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (newer FastAPI nests them)."""
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif hasattr(route, "original_router"):
            out += _api_routes(route.original_router.routes)
        elif hasattr(route, "routes") and not hasattr(route, "app"):
            out += _api_routes(route.routes)
    return out


def test_operation_ids_are_endpoint_function_names(document):
    app = create_app(Settings(env="dev", database_url=None, cors_origins=[]))
    endpoints = {
        (method, route.path): route.endpoint.__name__
        for route in _api_routes(app.routes)
        if route.include_in_schema
        for method in route.methods
    }
    ops = {(m, p): op["operationId"] for m, p, op in operations(document)}
    assert set(ops) == set(endpoints)
    assert {key: ops[key] for key in ops if ops[key] != endpoints[key]} == {}


def test_operation_ids_are_unique(document):
    ids = [op.get("operationId") for _, _, op in operations(document)]
    assert all(ids)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_operation_has_a_summary(document):
    missing = [f"{m} {p}" for m, p, op in operations(document) if not op.get("summary")]
    assert missing == []


def test_every_error_response_is_a_problem(document):
    wrong = []
    for method, path, op in operations(document):
        for status, response in op["responses"].items():
            if status[0] in "45":
                content = response.get("content", {})
                ref = content.get("application/problem+json", {}).get("schema", {}).get("$ref")
                if list(content) != ["application/problem+json"] or ref != PROBLEM_REF:
                    wrong.append(f"{method} {path} {status}")
    assert wrong == []


def test_every_operation_documents_a_4xx_problem(document):
    missing = [f"{m} {p}" for m, p, op in operations(document) if not any(s.startswith("4") for s in op["responses"])]
    assert missing == []


def test_authenticated_operations_document_401(document):
    secured = [(m, p, op) for m, p, op in operations(document) if op.get("security")]
    assert secured
    assert [f"{m} {p}" for m, p, op in secured if "401" not in op["responses"]] == []


def test_problem_schema_has_the_rfc_9457_members(document):
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code", "errors"} <= set(problem["properties"])
    assert set(problem["required"]) == {"type", "title", "status", "code"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_post_accepts_an_idempotency_key(document):
    missing = []
    for method, path, op in operations(document):
        if method != "POST" or path.startswith("/api/v1/auth/"):
            continue
        names = {p["name"] for p in op.get("parameters", []) if p.get("in") == "header"}
        if "Idempotency-Key" not in names:
            missing.append(path)
    assert missing == []


def test_creating_posts_answer_201(document):
    for method, path, op in operations(document):
        if method == "POST" and op["operationId"].startswith("create_") and not path.startswith("/api/v1/auth/"):
            assert "201" in op["responses"], path


def _walk_schemas(schema, visit, where=""):  # type: ignore[no-untyped-def]
    if not isinstance(schema, dict):
        return
    visit(schema, where)
    for key in ("properties", "patternProperties", "$defs"):
        for name, sub in (schema.get(key) or {}).items():
            _walk_schemas(sub, visit, f"{where}.{name}")
    for key in ("items", "additionalProperties", "not"):
        _walk_schemas(schema.get(key), visit, f"{where}[{key}]")
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for n, sub in enumerate(schema.get(key) or []):
            _walk_schemas(sub, visit, f"{where}[{key}{n}]")


def _all_schemas(document):  # type: ignore[no-untyped-def]
    for name, schema in document["components"]["schemas"].items():
        yield f"#/components/schemas/{name}", schema
    for method, path, op in operations(document):
        for parameter in op.get("parameters", []):
            yield f"{method} {path} {parameter['name']}", parameter["schema"]
        for media_type, media in op.get("requestBody", {}).get("content", {}).items():
            yield f"{method} {path} body {media_type}", media.get("schema")
        for status, response in op["responses"].items():
            for media_type, media in response.get("content", {}).items():
                yield f"{method} {path} {status} {media_type}", media.get("schema")


def test_no_schema_carries_an_auto_title(document):
    titled = []
    for where, schema in _all_schemas(document):
        _walk_schemas(schema, lambda s, w, where=where: titled.append(where + w) if isinstance(s.get("title"), str) else None)
    assert titled == []


def test_schema_names_are_intentional(document):
    """No module paths (`app__api__schemas__...`) or framework names (`Body_...`)."""
    names = list(document["components"]["schemas"])
    assert [n for n in names if "__" in n or n.startswith("Body_") or not n[0].isupper() or "-" in n] == []


def test_optional_parameters_are_left_out_never_null(document):
    nullable = []
    for method, path, op in operations(document):
        for parameter in op.get("parameters", []):
            text = json.dumps(parameter["schema"])
            if '"null"' in text:
                nullable.append(f"{method} {path} {parameter['name']}")
    assert nullable == []


def test_string_enums_are_named_components(document):
    """An enum of a request or a response is a component of its own, so that a client gets
    one type for the value wherever it appears."""
    inline = []
    for where, schema in _all_schemas(document):
        def visit(s, w, where=where):  # type: ignore[no-untyped-def]
            if "enum" in s and where.startswith("#/components/schemas/") and w:
                inline.append(where + w)
        _walk_schemas(schema, visit)
    # A one-value enum is a constant (Idempotent-Replayed: "true"), not a type.
    assert [w for w in inline if w] == []


def test_every_operation_parameter_body_and_answer_is_described_with_an_example(document):
    missing = []
    for method, path, op in operations(document):
        name = f"{method} {path}"
        if not op.get("description"):
            missing.append(f"{name}: description")
        for parameter in op.get("parameters", []):
            if not parameter.get("description"):
                missing.append(f"{name} {parameter['name']}: description")
            if "example" not in parameter and "examples" not in parameter:
                missing.append(f"{name} {parameter['name']}: example")
        for media_type, media in op.get("requestBody", {}).get("content", {}).items():
            if media_type != "multipart/form-data" and "example" not in media and "examples" not in media:
                missing.append(f"{name} body {media_type}: example")
        for status, response in op["responses"].items():
            if not status.startswith("2"):
                continue
            if response.get("description") in (None, "", "Successful Response"):
                missing.append(f"{name} {status}: description")
            for media_type, media in response.get("content", {}).items():
                binary = media.get("schema", {}).get("format") == "binary"
                if not binary and "example" not in media and "examples" not in media:
                    missing.append(f"{name} {status} {media_type}: example")
    assert missing == []


def test_problem_declares_its_extension_members(document):
    problem = document["components"]["schemas"]["Problem"]
    assert {"current_etag", "current_status", "allowed_actions", "errors", "instance"} <= set(problem["properties"])


def test_both_oauth2_flows_are_declared(document):
    flows = document["components"]["securitySchemes"]["OAuth2"]["flows"]
    assert flows["password"]["tokenUrl"] == flows["clientCredentials"]["tokenUrl"] == "/api/v1/auth/token"


def test_info_servers_license_and_contact(document):
    assert document["servers"] and document["info"]["license"]["identifier"] == "Apache-2.0"
    assert document["info"]["contact"]["name"]


def _headers_of(document, method, path, status):  # type: ignore[no-untyped-def]
    return set(document["paths"][path][method]["responses"][status].get("headers", {}))


def test_answers_declare_their_headers(document):
    """ETag where If-Match is honoured and on what it applies to, Location on every 201,
    Idempotent-Replayed on every answer an Idempotency-Key can replay, Retry-After on 429."""
    wrong = []
    for method, path, op in operations(document):
        names = {p["name"] for p in op.get("parameters", [])}
        for status, response in op["responses"].items():
            headers = set(response.get("headers", {}))
            if status == "201" and "Location" not in headers:
                wrong.append(f"{method} {path} {status}: Location")
            # (an escalation's 201 is the escalation's, which has no version)
            if status == "200" and "If-Match" in names and "ETag" not in headers:
                wrong.append(f"{method} {path} {status}: ETag")
            if status.startswith("2") and "Idempotency-Key" in names and "Idempotent-Replayed" not in headers:
                wrong.append(f"{method} {path} {status}: Idempotent-Replayed")
            if status == "429" and "Retry-After" not in headers:
                wrong.append(f"{method} {path} {status}: Retry-After")
    assert wrong == []
    assert "ETag" in _headers_of(document, "get", "/api/v1/hazards/{hazard_id}", "200")


def test_binary_bodies_are_typed_per_media_type(document):
    upload = document["paths"]["/api/v1/attachments"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert upload["encoding"]["file"]["contentType"] == "image/jpeg, image/png, application/pdf"
    file_schema = document["components"]["schemas"]["EvidenceUpload"]["properties"]["file"]
    assert file_schema["format"] == "binary"
    download = document["paths"]["/api/v1/attachments/{attachment_id}"]["get"]["responses"]["200"]["content"]
    export = document["paths"]["/api/v1/hazards/export"]["get"]["responses"]["200"]["content"]
    for content in (download, export):
        assert all(m["schema"]["format"] == "binary" for m in content.values()), content


def test_cursors_are_opaque_tokens_of_a_declared_shape(document):
    for method, path, op in operations(document):
        for parameter in op.get("parameters", []):
            if parameter["name"] == "cursor":
                schema = parameter["schema"]
                assert schema["type"] == "string" and schema["pattern"] and schema["maxLength"] <= 64, (path, schema)


def test_the_feed_speaks_integers(document):
    after = next(p for p in document["paths"]["/api/v1/events"]["get"]["parameters"] if p["name"] == "after")
    page = document["components"]["schemas"]["EventPage"]["properties"]
    event = document["components"]["schemas"]["EventRead"]["properties"]
    assert after["schema"]["type"] == event["id"]["type"] == "integer"
    assert {"type": "integer"} in page["next_cursor"]["anyOf"]
