"""The audit trail against whoever can write the database: rows MACed with a key that is
not in the database, chain heads signed in checkpoints (app/domain/audit.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError
from sqlalchemy import select, text

from app.db.models import AuditLog
from app.domain.audit import AuditKeys
from app.services.audit import verify_chain, write_checkpoint
from app.settings import Settings
from tests.api.helpers import create_hazard
from tests.conftest import TEST_AUDIT_KEY, test_settings

KEYS = test_settings().audit_keys
NOW = datetime(2025, 6, 16, 3, 0, tzinfo=timezone.utc)

# What an attacker with write access does after editing rows: re-hash the chain from
# `from_seq` on with the database's own function, so every link and hash is right again.
RECOMPUTE = """
DO $$
DECLARE r audit_log; prev text;
BEGIN
    SELECT hash INTO prev FROM audit_log WHERE seq < {from_seq} ORDER BY seq DESC LIMIT 1;
    prev := coalesce(prev, repeat('0', 64));
    FOR r IN SELECT * FROM audit_log WHERE seq >= {from_seq} ORDER BY seq LOOP
        UPDATE audit_log SET prev_hash = prev, hash = audit_row_hash(prev, r.seq, r) WHERE id = r.id;
        SELECT hash INTO prev FROM audit_log WHERE id = r.id;
    END LOOP;
END $$
"""


async def _trail(client, world, session, n: int = 4) -> list[int]:  # type: ignore[no-untyped-def]
    e = await world.enterprise(await world.village(), "fire")
    admin = await world.as_("street_admin")
    for i in range(n):
        await create_hazard(client, admin, e, grade="general", title=f"h{i}")
    return list((await session.execute(select(AuditLog.seq).order_by(AuditLog.seq))).scalars())


async def _tamper(session, *statements: str) -> None:  # type: ignore[no-untyped-def]
    await session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"))
    for sql in statements:
        await session.execute(text(sql))
    await session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"))


async def test_a_changed_row_with_every_later_hash_recomputed_is_found(client, world, session):
    seqs = await _trail(client, world, session)
    assert (await verify_chain(session, KEYS)).intact
    await _tamper(
        session,
        f"UPDATE audit_log SET actor_role = 'supervisor' WHERE seq = {seqs[1]}",
        RECOMPUTE.format(from_seq=seqs[1]),
    )
    v = await verify_chain(session, KEYS)
    assert v.bad == seqs[1] and "MAC" in v.reason and v.checked == 1


async def test_a_row_forged_in_the_database_is_found(client, world, session):
    seqs = await _trail(client, world, session, 2)
    columns = "at, actor_id, actor_role, org_unit_id, client_address, request_id, method, path, action, resource, resource_id, status_code"
    await session.execute(text(
        f"INSERT INTO audit_log ({columns}, key_id, mac) SELECT {columns}, key_id, repeat('0', 64) "
        f"FROM audit_log WHERE seq = {seqs[0]}"
    ))
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))  # sealed as a commit would
    v = await verify_chain(session, KEYS)
    assert v.bad > seqs[1] and "MAC" in v.reason
    await session.execute(text(
        f"INSERT INTO audit_log ({columns}) SELECT {columns} FROM audit_log WHERE seq = {seqs[0]}"
    ))
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    await _tamper(session, f"DELETE FROM audit_log WHERE seq > {seqs[1]} AND mac = repeat('0', 64)",
                  RECOMPUTE.format(from_seq=seqs[1] + 1))
    v = await verify_chain(session, KEYS)
    assert v.bad > seqs[1] and "no MAC" in v.reason


async def test_a_copied_row_is_found(client, world, session):
    seqs = await _trail(client, world, session, 2)
    columns = "at, actor_id, actor_role, org_unit_id, client_address, request_id, method, path, action, resource, resource_id, status_code, key_id, mac"
    await session.execute(text(f"INSERT INTO audit_log ({columns}) SELECT {columns} FROM audit_log WHERE seq = {seqs[0]}"))
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    v = await verify_chain(session, KEYS)
    assert v.bad is not None and v.bad > seqs[1] and "copy" in v.reason


async def test_a_removed_row_is_found_up_to_the_latest_checkpoint(client, world, session):
    seqs = await _trail(client, world, session)
    verdict, cp = await write_checkpoint(session, KEYS, now=NOW)
    assert verdict.intact and cp is not None and (cp.seq, cp.hash) == verdict.head and cp.seq == seqs[-1]
    await _tamper(session, f"DELETE FROM audit_log WHERE seq = {seqs[1]}", RECOMPUTE.format(from_seq=seqs[2]))
    v = await verify_chain(session, KEYS)
    assert v.bad == seqs[-1] and "checkpoint" in v.reason
    # without the checkpoint the rewritten chain would pass: that is what checkpoints are for
    await session.execute(text("ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_no_change"))
    await session.execute(text("DELETE FROM audit_checkpoint"))
    assert (await verify_chain(session, KEYS)).intact


async def test_rows_cut_from_the_end_are_found_by_the_checkpoint_or_a_published_anchor(client, world, session):
    seqs = await _trail(client, world, session)
    _, cp = await write_checkpoint(session, KEYS, now=NOW)
    assert cp is not None
    await _tamper(session, f"DELETE FROM audit_log WHERE seq >= {seqs[2]}")
    v = await verify_chain(session, KEYS)
    assert v.bad == seqs[-1] and "missing" in v.reason
    # the checkpoint itself removed too: the published line still tells
    await session.execute(text("ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_no_change"))
    await session.execute(text("DELETE FROM audit_checkpoint"))
    assert (await verify_chain(session, KEYS)).intact
    from app.services.audit import parse_anchor

    v = await verify_chain(session, KEYS, anchors=[parse_anchor(f"{cp.seq}:{cp.hash}")])
    assert v.bad == seqs[-1] and "missing" in v.reason


async def test_a_forged_checkpoint_is_found(client, world, session):
    seqs = await _trail(client, world, session, 2)
    head = (await session.execute(select(AuditLog.hash).where(AuditLog.seq == seqs[-1]))).scalar_one()
    await session.execute(
        text("INSERT INTO audit_checkpoint (seq, hash, at, key_id, mac) VALUES (:s, :h, now(), :k, repeat('1', 64))"),
        {"s": seqs[-1], "h": head, "k": KEYS.current},
    )
    v = await verify_chain(session, KEYS)
    assert v.bad == seqs[-1] and "forged" in v.reason


async def test_key_rotation_keeps_old_rows_verifiable(client, world, session):
    seqs = await _trail(client, world, session, 2)
    old = KEYS
    new = AuditKeys("a2", {**old.keys, "a2": b"n" * 40})
    assert (await verify_chain(session, new)).intact  # the old key kept as a previous key
    retired = AuditKeys("a2", {"a2": b"n" * 40})
    v = await verify_chain(session, retired)
    assert v.bad == seqs[0] and "not configured" in v.reason
    # a checkpoint signed with the new key (while the old one still verified the rows)
    # covers them: then the old key can be retired
    verdict, cp = await write_checkpoint(session, new, now=NOW)
    assert verdict.intact and cp is not None and cp.key_id == "a2"
    assert (await verify_chain(session, retired)).intact


def test_the_audit_key_is_required_outside_dev_and_never_echoed(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ANQUAN_"):
            monkeypatch.delenv(name)
    secret = "j" * 40
    with pytest.raises(ValidationError, match="ANQUAN_AUDIT_KEY"):
        Settings(env="production", jwt_secret=secret)
    with pytest.raises(ValidationError) as short:
        Settings(env="test", jwt_secret=secret, audit_key="tooshort-but-secret")
    assert "ANQUAN_AUDIT_KEY" in str(short.value) and "tooshort-but-secret" not in str(short.value)
    assert Settings(env="production", jwt_secret=secret, audit_key="k" * 32).audit_keys.signing_key() == b"k" * 32
    assert Settings(env="dev").audit_keys.current == "a1"  # dev has a working default


async def test_verify_audit_cli_finds_the_recompute_attack(scratch_database):
    from app.db import migrate
    from app.db.reference import ensure_reference_data
    from app.db.session import Database
    from app.main import create_app
    from tests.conftest import Clock
    from tests.factories import World

    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    env = {**os.environ, "DATABASE_URL": url, "ANQUAN_ENV": "dev", "ANQUAN_AUDIT_KEY": TEST_AUDIT_KEY}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, env=env)

    try:
        app = create_app(test_settings(), database=db, clock=Clock(NOW))
        async with db.transaction() as s:
            await ensure_reference_data(s)
            w = World(s, app)
            e = await w.enterprise(await w.village(), "fire")
            headers = await w.as_("street_admin")
        import httpx

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            for i in range(3):
                await create_hazard(c, headers, e, grade="general", title=f"h{i}")
        ok = await asyncio.to_thread(cli, "verify-audit")
        assert ok.returncode == 0 and "intact: 3 rows checked" in ok.stdout, ok.stderr
        signed = await asyncio.to_thread(cli, "audit-checkpoint")
        assert signed.returncode == 0 and signed.stdout.startswith("audit checkpoint "), signed.stderr
        async with db.transaction() as s:
            second = (await s.execute(select(AuditLog.seq).order_by(AuditLog.seq).offset(1).limit(1))).scalar_one()
            await _tamper(s, f"UPDATE audit_log SET resource_id = NULL WHERE seq = {second}",
                          RECOMPUTE.format(from_seq=second))
        bad = await asyncio.to_thread(cli, "verify-audit")
        assert bad.returncode == 1, bad.stdout
        assert f"broken at row {second}" in bad.stderr and "MAC" in bad.stderr
        refused = await asyncio.to_thread(cli, "audit-checkpoint")
        assert refused.returncode == 1 and "no checkpoint written" in refused.stderr
        wrong_key = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "app.cli", "verify-audit"], capture_output=True, text=True,
            env={**env, "ANQUAN_AUDIT_KEY": "some-other-key-" + "z" * 30},
        )
        assert wrong_key.returncode == 1
    finally:
        await db.dispose()


async def test_rows_from_before_the_key_are_adopted_by_the_first_checkpoint_only(client, world, session):
    columns = "at, actor_id, actor_role, org_unit_id, client_address, request_id, method, path, resource, resource_id, status_code"
    legacy = f"INSERT INTO audit_log ({columns}) VALUES (now(), NULL, NULL, NULL, '10.0.0.1', 'r', 'POST', '/api/v1/x', 'x', NULL, 201)"
    await session.execute(text(legacy))
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    seqs = await _trail(client, world, session, 2)
    v = await verify_chain(session, KEYS)
    assert v.bad == seqs[0] and "no MAC" in v.reason  # not yet vouched for
    verdict, cp = await write_checkpoint(session, KEYS, now=NOW)
    assert verdict.intact and cp is not None and cp.seq == seqs[-1]
    assert (await verify_chain(session, KEYS)).intact
    # an unsigned row after signed ones is never adopted
    await session.execute(text(legacy))
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    verdict, cp = await write_checkpoint(session, KEYS, now=NOW)
    assert cp is None and "no MAC" in verdict.reason


async def test_an_unsigned_row_after_signed_ones_is_never_adopted(client, world, session):
    await _trail(client, world, session, 2)
    columns = "at, method, path, resource, status_code"
    await session.execute(text(f"INSERT INTO audit_log ({columns}) VALUES (now(), 'POST', '/api/v1/x', 'x', 201)"))
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
    verdict, cp = await write_checkpoint(session, KEYS, now=NOW)
    assert cp is None and "no MAC" in verdict.reason
