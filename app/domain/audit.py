"""The audit trail's hash chain: each row's hash covers its fields and the previous hash,
so changing, deleting or inserting a row in the database breaks the chain there. The
hash itself is the database's `audit_row_hash` (migration 0009), computed when the row is
sealed inside COMMIT; this module judges a walk over the chain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

GENESIS = "0" * 64


def first_broken(rows: Iterable[Mapping[str, Any]], *, start_hash: str = GENESIS) -> tuple[int | None, str]:
    """(seq of the first row whose link or hash is wrong, or None; a reason).

    Rows come in `seq` order, each with its stored `prev_hash`, `hash` and the `recomputed`
    hash of its fields after its stored prev_hash. Gaps in `seq` are harmless (a number
    drawn by a commit that then failed); the links are what count."""
    expected_prev = start_hash
    for row in rows:
        if row["prev_hash"] != expected_prev:
            return row["seq"], "its prev_hash is not the hash of the row before (a row was removed or inserted)"
        if row["recomputed"] != row["hash"]:
            return row["seq"], "its content does not match its hash (the row was changed)"
        expected_prev = row["hash"]
    return None, "the chain is intact"
