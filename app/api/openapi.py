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
    "deadline of a general one (H3); attachments the caller cannot see; `effective_on` in the future or before the "
    "previous step (H7)",
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
    "list_events": "`after` beyond 2^63 − 1",
    "create_drill": "an enterprise the caller cannot see; `held_on` in the future",
    "create_training": "an enterprise the caller cannot see; `held_on` in the future",
    "create_supervision_task": "an assignee or target that is not a village or department; a hazard the caller "
    "cannot see or that is not open; `due_on` in the past",
    "accept_supervision_task": "`completed_on` in the future or before the task was created",
    "record_supervision_findings": "an enterprise the caller cannot see; a deadline before `discovered_on`; "
    "`discovered_on` in the future or before the task was created",
    "create_task_referral": "`referred_on` in the future or before the task was created",
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

_CURSOR_RULE = "a `cursor` this API did not issue"
_IDEMPOTENCY_RULE = "an `Idempotency-Key` already used with another request"
_AS_OF_RULE = "`as_of` outside 2000-01-01 – 2100-12-31"


def rule_rejections(operation: dict[str, Any]) -> list[str]:
    """Why this operation may refuse schema-valid input with 422."""
    names = {p["name"] for p in operation.get("parameters", [])}
    reasons = [RULE_REJECTIONS[operation["operationId"]]] if operation["operationId"] in RULE_REJECTIONS else []
    if "cursor" in names:
        reasons.append(_CURSOR_RULE)
    if "as_of" in names:
        reasons.append(_AS_OF_RULE)
    if "Idempotency-Key" in names:
        reasons.append(_IDEMPOTENCY_RULE)
    return reasons


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
    operations = {op["operationId"]: op for item in schema.get("paths", {}).values() for op in item.values()}
    for operation in operations.values():
        responses = operation.setdefault("responses", {})
        if "requestBody" in operation and "413" not in responses:
            # The body limit (1 MiB; attachments 10 MiB) applies to every request with a body.
            responses["413"] = {"description": "Request body too large"}
        for status, response in responses.items():
            if status.isdigit() and int(status) >= 400:
                response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
                if status == "422":
                    reasons = rule_rejections(operation)
                    response["description"] = "Invalid input; `errors` names the fields" + (
                        ". Also refused: " + "; ".join(reasons) if reasons else ""
                    )
        operation["responses"] = dict(sorted(responses.items()))
    for (operation_id, status), links in LINKS.items():
        response = operations[operation_id]["responses"][status]
        response["links"] = {
            name: {"operationId": target, "parameters": parameters}
            for name, (target, parameters) in links.items()
        }
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
