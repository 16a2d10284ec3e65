"""The contract as committed in openapi/openapi.json: stable operation ids, every error
response an RFC 9457 problem."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

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


# Valid-looking input the schema cannot tell apart from valid input, refused by a rule of
# the domain (422). Every operation with a `cursor` or an `Idempotency-Key`, and every one
# with `as_of`, also has those reasons (added below). The contract tests read this table:
# a schema-valid request may be refused with these statuses, and with no others.
RULE_REJECTIONS: dict[str, str] = {
    "create_token": "a grant without its credentials, or an unsupported `grant_type`",
    "create_org_unit": "`lead_sectors` that are not sector codes, or given for a unit that is not a department",
    "create_user": "an org unit or enterprise that does not exist or does not fit the role",
    "escalate_org_unit": "the street office as addressee; `effective_on` in the future",
    "create_enterprise": "a credit code whose check character is wrong; a village or sector that does not exist",
    "update_enterprise": "a village or sector that does not exist; `effective_on` in the future or before the "
    "previous change",
    "create_hazard": "an enterprise the caller cannot see; a `source` the caller may not record; `discovered_on` in "
    "the future or after `deadline`; attachments the caller cannot see",
    "plan_hazard": "a plan without the five elements of a major hazard, or without the responsible person and "
    "deadline of a general one (H3); a deadline before `effective_on`; attachments the caller cannot see; "
    "`effective_on` in the future or before the previous step (H7)",
    "submit_hazard": "neither evidence nor attachments (H4); attachments the caller cannot see; `effective_on` in the "
    "future or before the previous step (H7)",
    "review_hazard": "a rejection without a comment; `effective_on` in the future or before the previous step (H7)",
    "reopen_hazard": "`effective_on` in the future or before the previous step (H7)",
    "void_hazard": "`effective_on` in the future or before the previous step (H7)",
    "extend_hazard_deadline": "a deadline not after the current one (H6); `effective_on` in the future or before the "
    "previous step (H7)",
    "escalate_hazard": "`effective_on` in the future or before the previous step (H7)",
    "set_hazard_listing": "`effective_on` in the future or before the previous step (H7)",
    "create_inspection": "an enterprise the caller cannot see; a kind the caller may not record; `performed_on` in "
    "the future; a finding's deadline before `performed_on`; attachments the caller cannot see",
    "submit_public_report": "a village that does not exist",
    "verify_report": "a substantiated outcome without its hazard's enterprise, grade and title, or hazard fields "
    "with an unsubstantiated one; an enterprise the caller cannot see",
    "get_hazard_stats": "`from` after `to`",
    "create_drill": "an enterprise the caller cannot see; `held_on` in the future",
    "create_training": "an enterprise the caller cannot see; `held_on` in the future",
    "create_supervision_task": "an assignee or target that is not a village or department; a hazard the caller "
    "cannot see or that is not open; `due_on` in the past",
    "accept_supervision_task": "`completed_on` in the future or before the task was created",
    "record_supervision_findings": "an enterprise the caller cannot see; a deadline before `discovered_on`; "
    "`discovered_on` in the future or before the task was created",
    "create_task_referral": "`referred_on` in the future or before the task was created",
    "list_criteria": "a library `version` that was never loaded",
    "get_criterion": "a library `version` that was never loaded",
    "load_version": "a library that does not load: dates that are not dates or out of order, unknown sectors, "
    "tags or grades, duplicate codes, source ids that no source defines",
    "create_checklist": "no sector and no tag; an item's criterion unknown or of none of the checklist's sectors",
    "replace_checklist": "no sector and no tag; an item's criterion unknown or of none of the checklist's sectors",
    "change_reminder_rule": "offsets outside the range of the rule's occasion, or recipients that do not apply to it",
    "create_subscription": "a URL whose host does not resolve, or resolves to a loopback, link-local or private "
    "address not allowed by the settings",
    "update_subscription": "a URL whose host does not resolve, or resolves to a loopback, link-local or private "
    "address not allowed by the settings",
    "resend": "an in-app notification (it is not sent)",
    "put_robot": "a URL whose host does not resolve, or resolves to a loopback, link-local or private address not "
    "allowed by the settings",
}

# OpenAPI links: what an answer opens next, for clients and for the stateful contract run.
# Actions carry the answer's ETag in If-Match, as clients should.
_ID = "$response.body#/id"
_ETAG = "$response.header.ETag"
_HAZARD_ACTIONS = (
    "update_hazard", "plan_hazard", "submit_hazard", "review_hazard", "reopen_hazard", "void_hazard",
    "extend_hazard_deadline", "escalate_hazard", "set_hazard_listing",
)
_TASK_ACTIONS = (
    "submit_supervision_task", "accept_supervision_task", "return_supervision_task", "record_supervision_findings",
    "create_task_referral",
)
LINKS: dict[tuple[str, str], dict[str, tuple[str, dict[str, str]]]] = {
    ("create_enterprise", "201"): {
        "GetEnterprise": ("get_enterprise", {"enterprise_id": _ID}),
        "UpdateEnterprise": ("update_enterprise", {"enterprise_id": _ID, "header.If-Match": _ETAG}),
    },
    ("create_hazard", "201"): {
        "GetHazard": ("get_hazard", {"hazard_id": _ID}),
        "GetHazardHistory": ("get_hazard_history", {"hazard_id": _ID}),
        "ListHazardEscalations": ("list_hazard_escalations", {"hazard_id": _ID}),
        **{
            "".join(w.title() for w in op.split("_")): (op, {"hazard_id": _ID, "header.If-Match": _ETAG})
            for op in _HAZARD_ACTIONS
        },
    },
    **{
        (op, "200"): {
            "GetHazard": ("get_hazard", {"hazard_id": _ID}),
            **{
                "".join(w.title() for w in nxt.split("_")): (nxt, {"hazard_id": _ID, "header.If-Match": _ETAG})
                for nxt in _HAZARD_ACTIONS
            },
        }
        for op in ("plan_hazard", "submit_hazard", "review_hazard", "reopen_hazard", "extend_hazard_deadline")
    },
    ("create_inspection", "201"): {"GetInspection": ("get_inspection", {"inspection_id": _ID})},
    ("create_drill", "201"): {"GetDrill": ("get_drill", {"drill_id": _ID})},
    ("create_training", "201"): {"GetTraining": ("get_training", {"training_id": _ID})},
    ("create_org_unit", "201"): {
        "GetOrgUnit": ("get_org_unit", {"org_unit_id": _ID}),
        "EscalateOrgUnit": ("escalate_org_unit", {"org_unit_id": _ID}),
        "ListOrgUnitEscalations": ("list_org_unit_escalations", {"org_unit_id": _ID}),
    },
    ("create_user", "201"): {
        "GetUser": ("get_user", {"user_id": _ID}),
        "UpdateUser": ("update_user", {"user_id": _ID}),
    },
    ("upload_attachment", "201"): {
        "GetAttachment": ("get_attachment", {"attachment_id": _ID}),
        "DownloadAttachment": ("download_attachment", {"attachment_id": _ID}),
    },
    ("submit_public_report", "201"): {
        "GetPublicReportStatus": ("get_public_report_status", {"tracking_code": "$response.body#/tracking_code"}),
    },
    ("get_report", "200"): {
        "VerifyReport": ("verify_report", {"report_id": _ID, "header.If-Match": _ETAG}),
    },
    ("create_supervision_task", "201"): {
        "GetSupervisionTask": ("get_supervision_task", {"task_id": _ID}),
        **{
            "".join(w.title() for w in op.split("_")): (op, {"task_id": _ID, "header.If-Match": _ETAG})
            for op in _TASK_ACTIONS
        },
    },
    **{
        (op, "200"): {
            "GetSupervisionTask": ("get_supervision_task", {"task_id": _ID}),
            **{
                "".join(w.title() for w in nxt.split("_")): (nxt, {"task_id": _ID, "header.If-Match": _ETAG})
                for nxt in _TASK_ACTIONS
            },
        }
        for op in ("submit_supervision_task", "return_supervision_task")
    },
}

_IDEMPOTENCY_RULE = "an `Idempotency-Key` already used with another request"

SERVERS = [
    {
        "url": "http://127.0.0.1:8000",
        "description": "`./scripts/run` on this machine; a deployment serves the same paths at its own origin.",
    }
]
CONTACT = {"name": "Anquan maintainers, for the street office's work-safety committee (街道安委会办公室)"}
LICENSE = {"name": "Apache 2.0", "identifier": "Apache-2.0"}

# Response headers, declared once and referenced by the operations that send them.
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The representation's version. Send it back in `If-Match` to change the resource; a stale "
        "one answers 412.",
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9a-f]{1,64}"$', "examples": ['"3"']},
    },
    "Location": {
        "description": "Path of the resource created (or, for an escalation or a finding, of the resource it "
        "belongs to).",
        "required": True,
        "schema": {"type": "string", "pattern": "^/api/v1/", "examples": ["/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d"]},
    },
    "DataVersion": {
        "description": "The version of the data the figures reflect: the sequence number of the last write "
        "committed before the snapshot they were computed on (writes are numbered in commit order). Equal "
        "versions mean equal figures for the same question; a larger one includes every write of a smaller.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{1,19}$", "examples": ["48213"]},
    },
    "IdempotentReplayed": {
        "description": "`true` when this is the stored first answer to an earlier request with the same "
        "`Idempotency-Key` (nothing was changed again).",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "RetryAfter": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]{1,9}$", "examples": ["30"]},
    },
    "RetryAfterOptional": {
        "description": "Seconds to wait before trying again, when the server can tell.",
        "schema": {"type": "string", "pattern": "^[0-9]{1,9}$", "examples": ["5"]},
    },
    "WWWAuthenticate": {
        "description": "The authentication scheme to use: `Bearer`.",
        "schema": {"type": "string", "examples": ['Bearer realm="anquan"']},
    },
    "XRequestID": {
        "description": "The request's id, as logged; the client's own `X-Request-ID` when it sent a valid one.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,128}$", "examples": ["9f1c2e7a4b6d8c0e1a2b3c4d"]},
    },
}


def header(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def rule_rejections(operation: dict[str, Any], *, keys_reused: bool = True) -> list[str]:
    """Why this operation may refuse schema-valid input with 422 (`keys_reused=False`: for a
    client that keeps its Idempotency-Keys unique, as the contract asks)."""
    names = {p["name"] for p in operation.get("parameters", [])}
    reasons = [RULE_REJECTIONS[operation["operationId"]]] if operation["operationId"] in RULE_REJECTIONS else []
    if "Idempotency-Key" in names and keys_reused:
        reasons.append(_IDEMPOTENCY_RULE)
    return reasons


_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")
_SUBSCHEMAS = ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
               "unevaluatedProperties", "unevaluatedItems")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def clean_schema(schema: Any) -> None:
    """Drops the titles pydantic derives from field and class names ("Village Id"): a
    generator would turn them into type names; the component names are the names. Writes
    an integer's bounds as integers."""
    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("title"), str):
        del schema["title"]
    if schema.get("type") == "integer":
        # FastAPI's schema objects hold bounds as floats (365.0); an integer's bounds are
        # integers, else generators send 364.0 where the service wants a whole number
        for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"):
            if isinstance(schema.get(key), float) and schema[key].is_integer():
                schema[key] = int(schema[key])
    for key in _SUBSCHEMA_MAPS:
        for sub in (schema.get(key) or {}).values():
            clean_schema(sub)
    for key in _SUBSCHEMAS:
        clean_schema(schema.get(key))
    for key in _SUBSCHEMA_LISTS:
        for sub in schema.get(key) or []:
            clean_schema(sub)


def without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query or header parameter is left out, never sent as null: drop the
    `null` branch pydantic adds for `X | None`."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list) or {"type": "null"} not in branches:
        return schema
    rest = [b for b in branches if b != {"type": "null"}]
    outer = {k: v for k, v in schema.items() if k != "anyOf"}
    if len(rest) == 1:
        return {**rest[0], **outer}
    return {**outer, "anyOf": rest}


def _media_example(media: dict[str, Any], components: dict[str, Any]) -> None:
    """A media type's `example`: the schema's first example (declared on the model)."""
    if "example" in media or "examples" in media:
        return
    schema = media.get("schema") or {}
    ref = schema.get("$ref")
    target = components.get(ref.rsplit("/", 1)[-1], {}) if ref else schema
    examples = target.get("examples")
    if examples:
        media["example"] = examples[0]


def _models() -> dict[str, type[BaseModel]]:
    """The project's pydantic models by class name (unique: the component names)."""
    found: dict[str, type[BaseModel]] = {}
    stack = list(BaseModel.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("app."):
            found[cls.__name__] = cls
    return found


def _restore_examples(components: dict[str, Any]) -> None:
    """FastAPI drops `null` members when it encodes the document (`exclude_none`), also
    inside examples, which then lack required nullable fields: take them from the models."""
    models = _models()
    for name, component in components.items():
        model = models.get(name)
        extra = model.model_config.get("json_schema_extra") if model is not None else None
        if isinstance(extra, dict) and "examples" in extra:
            component["examples"] = json.loads(json.dumps(extra["examples"], default=str))


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        summary="Work-safety governance of a subdistrict: enterprises, hazards, inspections, cadences, targets.",
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=SERVERS,
        contact=CONTACT,
        license_info=LICENSE,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    _restore_examples(components)
    schema["components"]["headers"] = HEADERS
    operations = {op["operationId"]: op for item in schema.get("paths", {}).values() for op in item.values()}
    for operation in operations.values():
        for parameter in operation.get("parameters", []):
            if not parameter.get("required"):
                parameter["schema"] = without_null(parameter["schema"])
            clean_schema(parameter["schema"])
            # Documentation tools show a parameter's own example; generators read the schema's.
            if parameter["schema"].get("examples") and "example" not in parameter:
                parameter["example"] = parameter["schema"]["examples"][0]
        for media in operation.get("requestBody", {}).get("content", {}).values():
            clean_schema(media.get("schema"))
        responses = operation.setdefault("responses", {})
        if "requestBody" in operation and "413" not in responses:
            # The body limit (1 MiB; attachments 10 MiB) applies to every request with a body.
            responses["413"] = {"description": "Request body too large"}
        names = {p["name"] for p in operation.get("parameters", [])}
        for status, response in responses.items():
            if status.isdigit() and int(status) >= 400:
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
                if status == "422":
                    reasons = rule_rejections(operation)
                    response["description"] = "Invalid input; `errors` names the fields" + (
                        ". Also refused: " + "; ".join(reasons) if reasons else ""
                    )
                extra = {"429": {"Retry-After": header("RetryAfter")},
                         "503": {"Retry-After": header("RetryAfterOptional")},
                         "401": {"WWW-Authenticate": header("WWWAuthenticate")}}.get(status)
                if extra:
                    response["headers"] = {**extra, **response.get("headers", {})}
            elif status.startswith("2"):
                headers = response.setdefault("headers", {})
                if "Idempotency-Key" in names:
                    headers["Idempotent-Replayed"] = header("IdempotentReplayed")
                headers["X-Request-ID"] = header("XRequestID")
                for media in response.get("content", {}).values():
                    clean_schema(media.get("schema"))
        operation["responses"] = dict(sorted(responses.items()))
        for media in operation.get("requestBody", {}).get("content", {}).values():
            _media_example(media, components)
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                for media in response.get("content", {}).values():
                    _media_example(media, components)
    for (operation_id, status), links in LINKS.items():
        response = operations[operation_id]["responses"][status]
        response["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in links.items()
        }
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for component in components.values():
        clean_schema(component)
    app.openapi_schema = schema
    return schema
