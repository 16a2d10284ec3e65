"""JSON for hot responses, straight from database rows with orjson — the same bytes the
pydantic response models would produce (a test holds them together), without building
models first."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response

_OPTIONS = orjson.OPT_UTC_Z


def _default(value: Any) -> str:
    # asyncpg's UUID subclass and Decimal: the strings pydantic would write.
    return str(value)


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=_OPTIONS)


def json_response(content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dumps(content), status_code=status_code, headers=headers, media_type="application/json")
