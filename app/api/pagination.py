"""Keyset pagination: opaque cursors carrying the sort key of the last row served."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Annotated, Any

from fastapi import Query

from app.domain.errors import FieldError, RuleViolation

Limit = Annotated[int, Query(ge=1, le=200, description="Page size, 1–200.")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, pattern=r"^[A-Za-z0-9_-]*$", description="`next_cursor` of the previous page."),
]


def encode_cursor(*values: Any) -> str:
    raw = json.dumps([str(v) if isinstance(v, uuid.UUID) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, n: int = 1) -> list[Any] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != n:
            raise ValueError
        return values
    except ValueError:
        raise RuleViolation("invalid cursor", [FieldError("cursor", "not a cursor issued by this API")]) from None


def decode_id_cursor(cursor: str | None) -> uuid.UUID | None:
    values = decode_cursor(cursor, 1)
    if values is None:
        return None
    try:
        return uuid.UUID(str(values[0]))
    except ValueError:
        raise RuleViolation("invalid cursor", [FieldError("cursor", "not a cursor issued by this API")]) from None


def next_id_cursor(rows: list[Any], limit: int) -> str | None:
    return encode_cursor(rows[-1].id) if len(rows) == limit else None
