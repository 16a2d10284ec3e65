"""The audit trail's integrity, as pure functions.

Two things protect it. The hash chain: each row's hash covers its fields and the previous
row's hash, so a change, a removal or an insertion breaks the chain there; the hash is the
database's `audit_row_hash`, computed when the row is sealed inside COMMIT. The chain alone
is no defence against whoever can write the database (they can recompute every later
hash), so each row also carries a MAC of its fields under the audit key, which is not in
the database, and the chain head is signed from time to time (checkpoints): a row cannot be
changed or forged without the key, and no row up to a checkpoint can be removed or inserted
without breaking it. docs/architecture.md explains the choice."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

GENESIS = "0" * 64

# The fields a row's MAC covers, in this order (everything but its place in the chain).
MAC_FIELDS = (
    "at", "actor_id", "actor_role", "org_unit_id", "client_address", "request_id", "method", "path",
    "action", "resource", "resource_id", "status_code",
)


@dataclass(frozen=True)
class AuditKeys:
    """The key that signs new rows and checkpoints (`current`), and every key that still
    verifies old ones, by id (rotation: the previous keys stay here until a checkpoint
    signed with the current key covers their rows)."""

    current: str
    keys: Mapping[str, bytes]

    def signing_key(self) -> bytes:
        return self.keys[self.current]


def _text(value: Any) -> str:
    if value is None:
        return "\x00"  # distinct from the empty string
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return str(value)


def row_mac(key: bytes, key_id: str, row: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of a row's fields (and the id of the key, so a row cannot be passed off
    as signed by another key)."""
    message = "\x1f".join([key_id, *(_text(row.get(f)) for f in MAC_FIELDS)]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def checkpoint_mac(key: bytes, key_id: str, seq: int, head_hash: str, at: datetime) -> str:
    """HMAC-SHA256 of a chain head: the row `seq` and its hash, as signed at `at`."""
    message = "\x1f".join(["checkpoint", key_id, str(seq), head_hash, _text(at)]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def mac_problem(keys: AuditKeys, row: Mapping[str, Any], *, attested: bool) -> str | None:
    """Why a row's MAC does not vouch for it, or None. `attested`: the row lies at or
    before a valid checkpoint, whose signed hash covers its content (rows written before
    the key existed, or signed with a key since retired)."""
    key_id, mac = row.get("key_id"), row.get("mac")
    if mac is None or key_id is None:
        return None if attested else "it carries no MAC (a row forged in the database)"
    key = keys.keys.get(key_id)
    if key is None:
        return None if attested else f"it is signed with audit key {key_id!r}, which is not configured"
    if not hmac.compare_digest(row_mac(key, key_id, row), mac):
        return "its MAC does not match its content (the row was changed or forged)"
    return None


@dataclass(frozen=True)
class Checkpoint:
    """A chain head vouched for: signed with an audit key (key_id, mac), or given by the
    operator from a published checkpoint line (key_id None: trusted as given)."""

    seq: int
    hash: str
    at: datetime | None = None
    key_id: str | None = None
    mac: str | None = None


def checkpoint_problem(keys: AuditKeys, cp: Checkpoint) -> str | None:
    """None when the checkpoint is good; 'unknown' when no configured key can judge it."""
    if cp.key_id is None:
        return None
    key = keys.keys.get(cp.key_id)
    if key is None or cp.at is None or cp.mac is None:
        return "unknown"
    if not hmac.compare_digest(checkpoint_mac(key, cp.key_id, cp.seq, cp.hash, cp.at), cp.mac):
        return "forged"
    return None


class ChainCheck:
    """Judges a walk over the chain in `seq` order, fed in batches.

    Each row must link to the one before (prev_hash), match its own hash (recomputed by
    the database) and carry a MAC of its content under a configured key; a row at a
    checkpoint must have the hash the checkpoint signed, and no checkpoint's row may be
    missing. Rows at or before a good checkpoint need no MAC of a known key (written
    before the key existed, or signed with a key since retired): the checkpoint's hash
    covers them. Gaps in `seq` are harmless (a number drawn by a commit that then
    failed); the links are what count.

    `start`: begin at this good checkpoint instead of the first row (its row is the first
    fed), trusting the chain before it to the checkpoint. `adopt_unsigned_prefix`: accept
    rows without MAC until the first signed one (rows written before the key existed;
    used once, to sign the first checkpoint over them)."""

    def __init__(
        self,
        keys: AuditKeys,
        checkpoints: Iterable[Checkpoint],
        *,
        start: Checkpoint | None = None,
        adopt_unsigned_prefix: bool = False,
    ) -> None:
        self.keys = keys
        self._adopting = adopt_unsigned_prefix
        self.problem: tuple[int, str] | None = None
        self.checked = 0
        self.head: tuple[int, str] | None = None  # (seq, hash) of the last row judged good
        self._expected_prev: str | None = None if start else GENESIS
        self._start = start
        signed: dict[int, str] = {}
        for cp in sorted(checkpoints, key=lambda c: c.seq):
            verdict = checkpoint_problem(keys, cp)
            if verdict == "unknown":
                continue  # signed with a key not configured here: it can vouch for nothing
            if verdict == "forged" or signed.get(cp.seq, cp.hash) != cp.hash:
                self.problem = self.problem or (
                    cp.seq, f"the checkpoint of row {cp.seq} was not signed with the audit key (forged)"
                )
                continue
            signed[cp.seq] = cp.hash
        if start is not None:
            signed.setdefault(start.seq, start.hash)
        self._signed = signed
        self._pending = sorted(signed)
        self.attested_up_to = self._pending[-1] if self._pending else 0

    def feed(self, rows: Iterable[Mapping[str, Any]]) -> bool:
        """Judges the rows; False once a problem was found (then see `problem`)."""
        if self.problem is not None:
            return False
        for row in rows:
            problem = self._judge(row)
            if problem is not None:
                self.problem = (problem[0], problem[1])
                return False
            self.checked += 1
            self.head = (row["seq"], row["hash"])
        return True

    def finish(self) -> tuple[int | None, str]:
        """(seq of the first bad row or None, reason) once every row was fed."""
        if self.problem is None and self._pending:
            seq = self._pending[0]
            self.problem = (seq, f"row {seq}, covered by a checkpoint, is missing (rows were removed from the end)")
        if self.problem is not None:
            return self.problem
        return None, "the chain is intact"

    def _judge(self, row: Mapping[str, Any]) -> tuple[int, str] | None:
        seq = row["seq"]
        if self._pending and self._pending[0] < seq:
            missing = self._pending.pop(0)
            return missing, f"row {missing}, covered by a checkpoint, is missing (a row was removed)"
        if self._expected_prev is not None and row["prev_hash"] != self._expected_prev:
            return seq, "its prev_hash is not the hash of the row before (a row was removed or inserted)"
        if row["recomputed"] != row["hash"]:
            return seq, "its content does not match its hash (the row was changed)"
        if row.get("mac") is not None:
            self._adopting = False  # signed rows from here on: no unsigned row is adopted after one
        problem = mac_problem(self.keys, row, attested=seq <= self.attested_up_to or self._adopting)
        if problem is not None:
            return seq, problem
        if self._pending and self._pending[0] == seq:
            self._pending.pop(0)
            if self._signed[seq] != row["hash"]:
                return seq, "its hash is not the one its checkpoint signed (the chain was rewritten)"
        self._expected_prev = row["hash"]
        return None
