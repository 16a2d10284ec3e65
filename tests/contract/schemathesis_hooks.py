"""Schemathesis hooks of the suite's own runs (loaded through SCHEMATHESIS_HOOKS).

The contract says an `Idempotency-Key` is unique per request; a generator that knows only
its pattern reuses short keys with other bodies, which the service rightly refuses (422).
Every well-formed key is therefore replaced by a fresh UUID before the request goes out;
malformed ones (negative cases) are left as generated."""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

_KEY = re.compile(r"[\x21-\x7e]{1,200}")


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and _KEY.fullmatch(key):
        case.headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
