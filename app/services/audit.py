"""The audit trail's check and its checkpoints (app/domain/audit.py says what protects
the trail; rows are queued by services on their unit of work, app/db/unit_of_work.py, and
chained inside COMMIT, migration 0009)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.audit import AuditKeys, ChainCheck, Checkpoint, checkpoint_mac, checkpoint_problem

_CHAIN = text(
    """
    SELECT a.seq, a.prev_hash, a.hash, audit_row_hash(a.prev_hash, a.seq, a) AS recomputed,
           a.at, a.actor_id, a.actor_role, a.org_unit_id, a.client_address, a.request_id, a.method, a.path,
           a.action, a.resource, a.resource_id, a.status_code, a.key_id, a.mac
    FROM audit_log a
    WHERE a.seq >= :start
    ORDER BY a.seq
    LIMIT :batch
    """
)
_CHECKPOINTS = text("SELECT seq, hash, at, key_id, mac FROM audit_checkpoint ORDER BY seq")
# An exact copy of a row carries the same MAC (every row of a unit of work differs, and
# every unit of work has its own request id).
_FIRST_COPY = text(
    """
    SELECT seq FROM (
        SELECT seq, row_number() OVER (PARTITION BY mac ORDER BY seq) AS n FROM audit_log WHERE mac IS NOT NULL
    ) copies WHERE n > 1 ORDER BY seq LIMIT 1
    """
)
_INSERT_CHECKPOINT = text(
    "INSERT INTO audit_checkpoint (seq, hash, at, key_id, mac) VALUES (:seq, :hash, :at, :key_id, :mac)"
)


@dataclass(frozen=True)
class Verdict:
    bad: int | None  # seq of the first row found changed, forged, removed or inserted
    reason: str
    checked: int  # rows found good
    head: tuple[int, str] | None  # (seq, hash) of the last good row
    attested_up_to: int  # the last row covered by a good checkpoint (0: none)

    @property
    def intact(self) -> bool:
        return self.bad is None


async def checkpoints(session: AsyncSession) -> list[Checkpoint]:
    return [Checkpoint(**dict(r._mapping)) for r in (await session.execute(_CHECKPOINTS)).all()]


async def verify_chain(
    session: AsyncSession,
    keys: AuditKeys,
    *,
    anchors: Iterable[Checkpoint] = (),
    from_checkpoint: bool = False,
    adopt_unsigned_prefix: bool = False,
    batch: int = 5000,
) -> Verdict:
    """Walks the chain in commit order. `anchors`: published checkpoints the operator
    holds outside the database. `from_checkpoint`: begin at the latest good checkpoint
    (enough before signing the next one: the rows before it are covered by its hash)."""
    known = [*await checkpoints(session), *anchors]
    start = None
    if from_checkpoint:
        good = [c for c in known if checkpoint_problem(keys, c) is None]
        start = max(good, key=lambda c: c.seq, default=None)
    check = ChainCheck(keys, known, start=start, adopt_unsigned_prefix=adopt_unsigned_prefix and start is None)
    cursor = start.seq if start else 0
    while check.problem is None:
        rows = [dict(r._mapping) for r in (await session.execute(_CHAIN, {"start": cursor, "batch": batch})).all()]
        if not rows:
            break
        check.feed(rows)
        cursor = rows[-1]["seq"] + 1
    bad, reason = check.finish()
    if bad is None:
        copy = (await session.execute(_FIRST_COPY)).scalar_one_or_none()
        if copy is not None:
            bad, reason = copy, "it is a copy of an earlier row (a row was inserted)"
    return Verdict(bad, reason, check.checked, check.head, check.attested_up_to)


async def write_checkpoint(session: AsyncSession, keys: AuditKeys, *, now: datetime) -> tuple[Verdict, Checkpoint | None]:
    """Verifies the chain since the latest checkpoint and, when it is intact, signs its
    head with the current key. Nothing is signed over a broken chain. The first checkpoint
    adopts the rows written before the audit key existed (they carry no MAC)."""
    verdict = await verify_chain(session, keys, from_checkpoint=True, adopt_unsigned_prefix=True)
    if not verdict.intact or verdict.head is None:
        return verdict, None
    seq, head_hash = verdict.head
    at = now.astimezone(timezone.utc)
    cp = Checkpoint(seq, head_hash, at, keys.current, checkpoint_mac(keys.signing_key(), keys.current, seq, head_hash, at))
    await session.execute(_INSERT_CHECKPOINT, {"seq": cp.seq, "hash": cp.hash, "at": cp.at, "key_id": cp.key_id, "mac": cp.mac})
    return verdict, cp


def parse_anchor(value: str) -> Checkpoint:
    """'SEQ:HASH' (from a published checkpoint line) as a trusted checkpoint."""
    seq, _, head_hash = value.partition(":")
    if not seq.isdigit() or len(head_hash) != 64 or any(c not in "0123456789abcdef" for c in head_hash):
        raise ValueError(f"not SEQ:HASH (64 hex digits): {value!r}")
    return Checkpoint(int(seq), head_hash)


def checkpoint_line(cp: Checkpoint) -> str:
    """The line to publish outside the database (a log shipped elsewhere, a ticket)."""
    at = cp.at.isoformat() if cp.at else ""
    return f"audit checkpoint {cp.seq}:{cp.hash} at {at} key {cp.key_id} mac {cp.mac}"
