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


# Liveness and readiness take no input and need no credentials: they have no 4xx answer.
NO_CLIENT_ERRORS = {("GET", "/healthz"), ("GET", "/readyz")}


def test_every_operation_documents_a_4xx_problem(document):
    missing = [
        f"{m} {p}"
        for m, p, op in operations(document)
        if (m, p) not in NO_CLIENT_ERRORS and not any(s.startswith("4") for s in op["responses"])
    ]
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
