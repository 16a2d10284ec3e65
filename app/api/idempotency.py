"""Idempotency-Key on POST: the same key with the same body replays the first answer;
with another body it answers 422. Records live in PostgreSQL and are written in the same
transaction as the change they describe, so a retry never sees one without the other.
A concurrent duplicate waits on the record's unique key until the first commits."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Protocol

from fastapi import Depends, Header, Request, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import CurrentUser, Session
from app.domain.errors import Conflict, DomainError, FieldError, RuleViolation

KEPT_HEADERS = ("location", "etag", "content-type")

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description=(
            "A key unique to this request, chosen by the client (a UUID, e.g. `crypto.randomUUID()`). Send the "
            "same key only to retry the same request (same path and body): the first answer is replayed, with "
            "`Idempotent-Replayed: true`, and nothing changes twice. A key already used with another request "
            "answers 422; one whose first request is still running, 409. Keys are per caller."
        ),
        examples=["5f0c7a0e-3b9e-4a61-9d6f-2f3c8e1b7a42"],
    ),
]

_CLAIM = text(
    """
    INSERT INTO idempotency_record (principal, key, method, path, fingerprint)
    VALUES (:principal, :key, :method, :path, :fingerprint)
    ON CONFLICT (principal, key) DO NOTHING
    RETURNING key
    """
)
_READ = text(
    "SELECT fingerprint, status_code, headers, body FROM idempotency_record WHERE principal = :principal AND key = :key"
)
_STORE = text(
    """
    UPDATE idempotency_record SET status_code = :status_code, headers = CAST(:headers AS jsonb), body = :body
    WHERE principal = :principal AND key = :key
    """
)


class Replay(DomainError):
    """Not an error: carries the stored first answer back to the client."""

    code = "replay"

    def __init__(self, status_code: int, headers: dict[str, str], body: bytes) -> None:
        super().__init__("replayed")
        self.status_code = status_code
        self.headers = headers
        self.body = body

    def response(self) -> Response:
        headers = {k: v for k, v in self.headers.items() if k != "content-type"}
        headers["Idempotent-Replayed"] = "true"
        return Response(
            self.body, status_code=self.status_code, headers=headers, media_type=self.headers.get("content-type")
        )


class AnswerSeal(Protocol):
    """Encrypts a stored first answer that must not rest in the database in clear (a
    public report's tracking code) and decrypts it for the replay."""

    def close(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]: ...

    def open(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]: ...


async def claim(
    request: Request,
    session: AsyncSession,
    principal_key: str,
    key: str | None,
    *,
    fingerprint_body: bytes | None = None,
    seal: AnswerSeal | None = None,
) -> None:
    """`fingerprint_body` stands in for the raw body when it was already consumed
    (multipart uploads are parsed before dependencies run)."""
    if key is None:
        return
    body = fingerprint_body if fingerprint_body is not None else await request.body()
    fingerprint = hashlib.sha256(
        b"\n".join([request.method.encode(), request.url.path.encode(), request.url.query.encode(), body])
    ).hexdigest()
    params = {"principal": principal_key, "key": key}
    claimed = await session.execute(
        _CLAIM, {**params, "method": request.method, "path": request.url.path, "fingerprint": fingerprint}
    )
    if claimed.first() is not None:
        request.state.idempotency = params
        request.state.idempotency_seal = seal
        return
    row = (await session.execute(_READ, params)).one()
    if row.fingerprint != fingerprint:
        raise RuleViolation(
            "this Idempotency-Key was used with another request",
            [FieldError("Idempotency-Key", "already used with a different body or path")],
            code="idempotency_key_reused",
        )
    if row.status_code is None:  # only possible if the first request is still running in this session
        raise Conflict("a request with this Idempotency-Key is in progress", code="idempotency_in_progress")
    headers, stored = dict(row.headers or {}), bytes(row.body or b"")
    if seal is not None:
        headers, stored = seal.open(headers, stored)
    raise Replay(row.status_code, headers, stored)


async def idempotent(request: Request, session: Session, principal: CurrentUser, key: IdempotencyKeyHeader = None) -> None:
    """Dependency for authenticated POSTs."""
    await claim(request, session, f"user:{principal.user_id}", key)


Idempotent = Depends(idempotent)


async def store_first_answer(session: AsyncSession, request: Request, response: Response) -> None:
    """Called by TransactionalRoute in the request's transaction, after the endpoint succeeded."""
    params = getattr(request.state, "idempotency", None)
    if params is None:
        return
    headers = {k: v for k, v in response.headers.items() if k in KEPT_HEADERS}
    body = bytes(response.body)
    seal = getattr(request.state, "idempotency_seal", None)
    if seal is not None:
        headers, body = seal.close(headers, body)
    await session.execute(
        _STORE, {**params, "status_code": response.status_code, "headers": json.dumps(headers), "body": body}
    )
