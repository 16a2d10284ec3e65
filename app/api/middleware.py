"""Pure ASGI middleware: request ids, body size limits, security headers."""

from __future__ import annotations

import logging
import re
import secrets
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import problem
from app.logs import redact_path

access_log = logging.getLogger("anquan.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
# Swagger UI and ReDoc are served from this origin (offline intranets); nothing else is allowed.
DOCS_CSP = b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
API_CSP = b"default-src 'none'; frame-ancestors 'none'"


class BodyTooLarge(HTTPException):
    """An HTTPException so that FastAPI's body parsing lets it through as a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, large_body_paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.large_body_paths = large_body_paths or {}

    def _limit_for(self, path: str) -> int:
        return self.large_body_paths.get(path, self.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or [])
        rid = incoming.get(b"x-request-id", b"").decode("latin-1")
        if not _REQUEST_ID.fullmatch(rid):
            rid = secrets.token_hex(12)
        scope.setdefault("state", {})["request_id"] = rid
        path = scope.get("path", "")
        is_docs = path in ("/docs", "/redoc") or path.startswith("/static-offline-docs")
        limit = self._limit_for(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                names = {h[0].lower() for h in headers}
                for name, value in SECURITY_HEADERS:
                    if name not in names:
                        headers.append((name, value))
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DOCS_CSP if is_docs else API_CSP))
                message["headers"] = headers
            await send(message)

        declared = incoming.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send_with_headers, limit)
            return

        received = 0
        response_started = False
        status_code = 500
        started = time.perf_counter()

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started, status_code
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
            await send_with_headers(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                status_code = 413
                await self._too_large(scope, receive, send_with_headers, limit)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                state = scope.get("state", {})
                principal = state.get("principal")
                extra = {
                    "request_id": rid,
                    "method": scope.get("method"),
                    "path": redact_path(path),
                    "status": status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": str(principal.user_id) if principal else None,
                }
                if "error" in state:  # a known cause (an outage), told here rather than in a line of its own
                    extra["error"] = state["error"]
                access_log.info("request", extra=extra)

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(413, "payload_too_large", f"the request body exceeds {limit} bytes")
        await response(scope, receive, send)
