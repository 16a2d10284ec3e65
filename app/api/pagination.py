"""Keyset pagination: opaque cursors carrying the sort key of the last row served.

A cursor is the base64url text (unpadded) of the sort key's fixed-width bytes: 16 bytes of
a UUID (22 characters) or 8 bytes of a signed 64-bit sequence number (11 characters). So the
contract can say exactly what a cursor looks like, and every string of that shape decodes to
a value of the right type and range (a UUID is any 128 bits; a sequence number cannot
overflow PostgreSQL's bigint): anything else is refused at the edge with 422 naming the
parameter, before it reaches SQL."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from app.api.schemas.common import schema_extra
from app.domain.errors import FieldError, RuleViolation

ID_CURSOR_LENGTH = 22
SEQ_CURSOR_LENGTH = 11
ID_CURSOR_PATTERN = rf"^[A-Za-z0-9_-]{{{ID_CURSOR_LENGTH}}}$"
SEQ_CURSOR_PATTERN = rf"^[A-Za-z0-9_-]{{{SEQ_CURSOR_LENGTH}}}$"
_INVALID = "invalid cursor: not a cursor issued by this API; pass `next_cursor` of the previous page"


def _checked(length: int):  # type: ignore[no-untyped-def]
    shape = re.compile(rf"[A-Za-z0-9_-]{{{length}}}")

    def check(value: str | None) -> str | None:
        if value is not None and not shape.fullmatch(value):
            raise PydanticCustomError("invalid_cursor", _INVALID)
        return value

    return check


Limit = Annotated[int, Query(ge=1, le=200, description="Page size, 1–200.", examples=[50])]
Cursor = Annotated[
    str | None,
    Query(
        description=(
            "Opaque token: `next_cursor` of the previous page, passed back unchanged (22 characters, base64url). "
            "Leave it out for the first page."
        ),
        examples=["AZO0z3Qge7Wd9Dpz3k6Ovg"],
    ),
    AfterValidator(_checked(ID_CURSOR_LENGTH)),
    schema_extra(pattern=ID_CURSOR_PATTERN, minLength=ID_CURSOR_LENGTH, maxLength=ID_CURSOR_LENGTH),
]
"""The cursor of lists ordered by id (uuid7, so by creation time)."""
SeqCursor = Annotated[
    str | None,
    Query(
        description=(
            "Opaque token: `next_cursor` of the previous page, passed back unchanged (11 characters, base64url). "
            "Leave it out for the first page."
        ),
        examples=["AAAAAAAAAGQ"],
    ),
    AfterValidator(_checked(SEQ_CURSOR_LENGTH)),
    schema_extra(pattern=SEQ_CURSOR_PATTERN, minLength=SEQ_CURSOR_LENGTH, maxLength=SEQ_CURSOR_LENGTH),
]
"""The cursor of lists ordered by a sequence number (the audit trail)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(cursor: str, size: int) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise RuleViolation("invalid cursor", [FieldError("cursor", _INVALID)])
    return raw


def encode_cursor(value: Any) -> str:
    """The cursor of a sort key: a UUID, or a sequence number (signed 64 bits)."""
    if isinstance(value, uuid.UUID):
        return _b64(value.bytes)
    if isinstance(value, int) and not isinstance(value, bool):
        return _b64(value.to_bytes(8, "big", signed=True))
    return _b64(uuid.UUID(str(value)).bytes)


def decode_cursor(cursor: str | None, n: int = 1) -> list[Any] | None:
    """[the sort key] of a cursor: a UUID from 22 characters, an int from 11."""
    if not cursor:
        return None
    if n == 1 and len(cursor) == SEQ_CURSOR_LENGTH:
        return [int.from_bytes(_unb64(cursor, 8), "big", signed=True)]
    if n == 1 and len(cursor) == ID_CURSOR_LENGTH:
        return [uuid.UUID(bytes=_unb64(cursor, 16))]
    raise RuleViolation("invalid cursor", [FieldError("cursor", _INVALID)])


def decode_id_cursor(cursor: str | None) -> uuid.UUID | None:
    values = decode_cursor(cursor, 1)
    if values is None:
        return None
    if not isinstance(values[0], uuid.UUID):
        raise RuleViolation("invalid cursor", [FieldError("cursor", _INVALID)])
    return values[0]


def next_id_cursor(rows: list[Any], limit: int) -> str | None:
    return encode_cursor(rows[-1].id) if len(rows) == limit else None
