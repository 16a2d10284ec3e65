"""The one place that maps errors to RFC 9457 `application/problem+json` responses."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RuleViolation,
    StaleVersion,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
)
from app.db.outage import is_outage

log = logging.getLogger("anquan.errors")

PROBLEM_TYPE_PREFIX = "urn:anquan:problem:"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldProblem(BaseModel):
    """One invalid input."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"field": "principal.phone", "message": "String should match pattern"}]}
    )

    field: str = Field(
        description="Dotted path of the offending input: a body field (`principal.phone`, `findings[0].title`), "
        "a query, path or header parameter (`limit`, `cursor`, `If-Match`), or `body` for the body as a whole.",
        examples=["discovered_on"],
    )
    message: str = Field(description="What is wrong, in English.", examples=["must lie between 2000-01-01 and 2100-12-31"])


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable machine `code` and the extension members
    below where they apply (a client may meet others later and should ignore them)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:anquan:problem:validation_error",
                    "title": "Unprocessable Content",
                    "status": 422,
                    "detail": "1 field is invalid",
                    "code": "validation_error",
                    "instance": "/api/v1/enterprises",
                    "errors": [{"field": "credit_code", "message": "check character is '1', expected 'X'"}],
                },
                {
                    "type": "urn:anquan:problem:invalid_transition",
                    "title": "Conflict",
                    "status": 409,
                    "detail": "cannot submit a hazard that is reported; allowed: plan, void",
                    "code": "invalid_transition",
                    "instance": "/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d/submit",
                    "current_status": "reported",
                    "allowed_actions": ["plan", "void"],
                },
                {
                    "type": "urn:anquan:problem:precondition_failed",
                    "title": "Precondition Failed",
                    "status": 412,
                    "detail": 'If-Match "2" is stale; the current ETag is "3"',
                    "code": "precondition_failed",
                    "instance": "/api/v1/hazards/0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d/plan",
                    "current_etag": '"3"',
                },
            ]
        },
    )

    type: str = Field(description="A URN naming the problem type: `urn:anquan:problem:<code>`.",
                      examples=["urn:anquan:problem:validation_error"])
    title: str = Field(description="The HTTP status phrase (RFC 9110).", examples=["Unprocessable Content"])
    status: int = Field(description="The HTTP status code, repeated.", ge=400, le=599, examples=[422])
    detail: str | None = Field(default=None, description="What happened, for a person.", examples=["1 field is invalid"])
    code: str = Field(description="Stable machine-readable error code.", examples=["validation_error"])
    instance: str | None = Field(default=None, description="The request's path.", examples=["/api/v1/hazards"])
    errors: list[FieldProblem] | None = Field(
        default=None, description="422: every invalid input, each naming its field."
    )
    current_etag: str | None = Field(
        default=None, description="412: the ETag the resource has now; read it again before retrying.", examples=['"3"']
    )
    current_status: str | None = Field(
        default=None, description="409: the state the resource is in (a hazard's, a task's or a report's).",
        examples=["reported"],
    )
    allowed_actions: list[str] | None = Field(
        default=None, description="409 `invalid_transition`: the actions the current state allows.",
        examples=[["plan", "void"]],
    )


# RFC 9110 names; Python's HTTPStatus phrases for these changed in 3.13, and a title must
# not depend on the interpreter the server runs on.
_RFC9110_TITLES = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


def _title(status: int) -> str:
    if status in _RFC9110_TITLES:
        return _RFC9110_TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    code: str,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    request: Request | None = None,
    **extra: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": _title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors is not None:
        body["errors"] = errors
    for key, value in extra.items():
        if value is not None and key not in body:
            body[key] = value
    return ProblemResponse(body, status_code=status, headers=headers)


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'findings', 0, 'title') -> 'findings[0].title'; ('query', 'limit') -> 'limit'."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def _validation_message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def _error_field(err: dict[str, Any]) -> str:
    # A body that is not JSON at all: FastAPI's loc is ('body', <offset>), not a field.
    if err.get("type") == "json_invalid":
        return "body"
    return field_name(err.get("loc", ()))


async def _on_validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
    errors = [{"field": _error_field(e), "message": _validation_message(e)} for e in exc.errors()]
    # A body that an edge check reads too (a dependency taking the same model) is validated
    # twice; each problem is named once.
    errors = [e for n, e in enumerate(errors) if e not in errors[:n]]
    n = len(errors)
    return problem(
        422, "validation_error", f"{n} field{'s are' if n != 1 else ' is'} invalid", errors=errors, request=request
    )


_STATUS_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    401: "unauthenticated",
    403: "forbidden",
    413: "payload_too_large",
    415: "unsupported_media_type",
    400: "bad_request",
}


def _flatten_routes(routes: list[Any]) -> list[Any]:
    """The documented routes in dispatch order, also inside included routers (FastAPI nests
    them)."""
    out: list[Any] = []
    for route in routes:
        if hasattr(route, "original_router"):
            out += _flatten_routes(route.original_router.routes)
        elif hasattr(route, "path_regex") and getattr(route, "methods", None) and getattr(route, "include_in_schema", True):
            out.append(route)
    return out


def allowed_methods(request: Request) -> str | None:
    """The `Allow` of a 405: every method of the path template the request's path resolves
    to (the framework names only the first route it tried)."""
    routes = getattr(request.app.state, "routes_in_order", None)
    if routes is None:
        routes = request.app.state.routes_in_order = _flatten_routes(request.app.routes)
    path = request.scope.get("path", "")
    template = next((r.path for r in routes if r.path_regex.match(path)), None)
    if template is None:
        return None
    methods = set().union(*(r.methods for r in routes if r.path == template))
    return ", ".join(sorted(methods))


async def _on_http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 400:
        # The framework's only 400s: a body that cannot be decoded at all (not UTF-8, broken
        # multipart). Like malformed JSON, that is invalid input naming the body.
        return problem(
            422, "validation_error", "1 field is invalid", errors=[{"field": "body", "message": detail or "unreadable"}],
            request=request,
        )
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}"
    if exc.status_code == 405:
        allow = allowed_methods(request)
        if allow:
            headers = {**(headers or {}), "Allow": allow}
        detail = f"{request.method} is not allowed here; allowed: {allow}" if allow else detail
    return problem(exc.status_code, code, detail, headers=headers, request=request)


def _domain_status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, StaleVersion):
        return 412
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, RuleViolation):
        return 422
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, TooManyRequests):
        return 429
    if isinstance(exc, Unavailable):
        return 503
    return 400


async def _on_domain(request: Request, exc: DomainError) -> ProblemResponse:
    status = _domain_status(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, (TooManyRequests, Unavailable)):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="anquan"'
    errors = None
    if isinstance(exc, RuleViolation) and exc.errors:
        errors = [{"field": e.field, "message": e.message} for e in exc.errors]
    return problem(status, exc.code, exc.detail, errors=errors, headers=headers or None, request=request, **exc.extra)


# SQLSTATE classes that are the client's fault when they reach the database anyway.
_CLIENT_SQLSTATES = {
    "22001": "value too long",
    "22003": "number out of range",
    "22007": "invalid date or time",
    "22008": "date or time out of range",
    "22021": "invalid byte sequence",
    "22P02": "invalid text representation",
    "22P05": "untranslatable character",
    "54000": "value too large",
}


def _sqlstate(exc: BaseException) -> str | None:
    for candidate in (getattr(exc, "orig", None), getattr(getattr(exc, "orig", None), "__cause__", None), exc):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if code:
            return str(code)
    return None


def outage(request: Request, exc: BaseException) -> Unavailable:
    """The 503 for a database outage. Logged once, in the request's access line (no
    traceback: the cause is known and says it all)."""
    cause = exc.__cause__ or exc
    request.scope.setdefault("state", {})["error"] = f"database unavailable: {type(cause).__name__}: {cause}"[:300]
    return Unavailable()


async def _on_dbapi(request: Request, exc: DBAPIError) -> ProblemResponse:
    if is_outage(exc):
        return await _on_domain(request, outage(request, exc))
    state = _sqlstate(exc)
    if state in _CLIENT_SQLSTATES:
        return problem(422, "invalid_value", f"the input could not be stored: {_CLIENT_SQLSTATES[state]}", request=request)
    if state == "23505":
        return problem(409, "conflict", "a resource with the same unique value exists", request=request)
    if state in ("40001", "40P01"):
        return problem(409, "concurrent_update", "a concurrent change won; retry the request", request=request)
    if state == "57014":
        return problem(503, "query_timeout", "the database took too long; retry later", request=request)
    log.exception("database error", extra={"sqlstate": state})
    return problem(500, "internal_error", "an internal error occurred; it has been logged", request=request)


async def _on_unhandled(request: Request, exc: Exception) -> ProblemResponse:
    if is_outage(exc):
        return await _on_domain(request, outage(request, exc))
    log.exception("unhandled error")
    return problem(500, "internal_error", "an internal error occurred; it has been logged", request=request)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http)  # type: ignore[arg-type]
    app.add_exception_handler(DomainError, _on_domain)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _on_dbapi)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unhandled)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the given error statuses, all RFC 9457."""
    descriptions = {
        400: "Bad request",
        401: "Missing, invalid or expired credentials",
        403: "The caller may not take this action on a visible object",
        404: "No such object, or not visible to the caller",
        409: "Conflict with the current state",
        412: "If-Match names a stale version",
        413: "Request body too large",
        415: "Unsupported media type",
        422: "Invalid input; `errors` names the fields",
        429: "Too many requests; see Retry-After",
        503: "The database is unavailable; retry after Retry-After seconds",
    }
    return {
        s: {"model": Problem, "description": descriptions.get(s, _title(s)), "content": {PROBLEM_MEDIA_TYPE: {}}}
        for s in statuses
    }
