"""The contract as committed in openapi/openapi.json: stable operation ids, every error
response an RFC 9457 problem."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.api.errors import PROBLEM_MEDIA_TYPE

API_DESCRIPTION = """\
REST/JSON API for work-safety governance of a subdistrict (街道) during the three-year campaign
安全生产治本攻坚三年行动 (2024–2026): the enterprise registry, the hazard ledger with its
rectification lifecycle, inspections, cadences, targets and statistics.

* Authenticate with `POST /api/v1/auth/token`, then send `Authorization: Bearer <token>`.
* Errors are RFC 9457 `application/problem+json` with a stable `code`.
* Lists are keyset paginated: pass `next_cursor` back as `cursor`.
* Single resources carry an `ETag`; send it back in `If-Match` when changing them.
* Every `POST` accepts an `Idempotency-Key`.
"""


def operation_id(route: APIRoute) -> str:
    """The endpoint function's name: `list_enterprises`, `create_enterprise`, ..."""
    return route.name


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
                    if status == "422":
                        response["description"] = "Invalid input; `errors` names the fields"
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
