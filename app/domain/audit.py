"""The audit trail's hash chain: each row's hash covers its fields and the previous hash,
so changing, deleting or inserting a row in the database breaks the chain there."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
FIELDS = (
    "id", "at", "actor_id", "actor_role", "org_unit_id", "client_address", "request_id",
    "method", "path", "resource", "resource_id", "status_code",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if value is None or isinstance(value, (int, str, bool)):
        return value
    return str(value)


def row_hash(row: Mapping[str, Any], prev_hash: str) -> str:
    canonical = json.dumps([prev_hash, *[_plain(row[f]) for f in FIELDS]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def first_broken(rows: Iterable[Mapping[str, Any]], *, start_hash: str = GENESIS) -> tuple[int | None, str]:
    """(id of the first row whose link or hash is wrong, or None; a reason)."""
    expected_prev = start_hash
    for row in rows:
        if row["prev_hash"] != expected_prev:
            return row["id"], "its prev_hash is not the hash of the row before (a row was removed or inserted)"
        if row_hash(row, row["prev_hash"]) != row["hash"]:
            return row["id"], "its content does not match its hash (the row was changed)"
        expected_prev = row["hash"]
    return None, "the chain is intact"
