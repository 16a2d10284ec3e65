"""audit rows said by the service (action; method, path and status only for HTTP) and
anchored by a key outside the database: a MAC per row and signed checkpoints of the head

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64

_AT = """to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
# The form of 0009, kept for the rows written before the key (they carry no MAC).
_OLD_FIELDS = f"""
    prev, seq::text, {_AT},
    coalesce(a.actor_id::text, ''), coalesce(a.actor_role, ''), coalesce(a.org_unit_id::text, ''),
    coalesce(a.client_address, ''), coalesce(a.request_id, ''), a.method, a.path,
    coalesce(a.resource, ''), coalesce(a.resource_id, ''), a.status_code::text"""
_NEW_FIELDS = f"""
    prev, seq::text, {_AT},
    coalesce(a.actor_id::text, ''), coalesce(a.actor_role, ''), coalesce(a.org_unit_id::text, ''),
    coalesce(a.client_address, ''), coalesce(a.request_id, ''), coalesce(a.method, ''), coalesce(a.path, ''),
    coalesce(a.action, ''), coalesce(a.resource, ''), coalesce(a.resource_id, ''), coalesce(a.status_code::text, ''),
    a.key_id, a.mac"""

_HASH = """
    CREATE OR REPLACE FUNCTION audit_row_hash(prev text, seq bigint, a audit_log) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT encode(sha256(convert_to({body}, 'UTF8')), 'hex')
    $$
"""
_CONTENT = (
    "{p}.at, {p}.actor_id, {p}.actor_role, {p}.org_unit_id, {p}.client_address, {p}.request_id, "
    "{p}.method, {p}.path, {p}.resource, {p}.resource_id, {p}.status_code"
)
_APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
           AND ({old}) IS NOT DISTINCT FROM ({new}) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$
"""


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("action", sa.String(60), nullable=True))
    op.add_column("audit_log", sa.Column("key_id", sa.String(32), nullable=True))
    op.add_column("audit_log", sa.Column("mac", sa.String(64), nullable=True))
    # A command or a job has no method, path or status code.
    op.alter_column("audit_log", "method", existing_type=sa.String(10), nullable=True)
    op.alter_column("audit_log", "path", existing_type=sa.String(500), nullable=True)
    op.alter_column("audit_log", "status_code", existing_type=sa.Integer(), nullable=True)
    op.execute(
        _HASH.format(body=f"CASE WHEN a.mac IS NULL THEN concat_ws(E'\\x1f', {_OLD_FIELDS}) "
                          f"ELSE concat_ws(E'\\x1f', {_NEW_FIELDS}) END")
    )
    content = _CONTENT + ", {p}.action, {p}.key_id, {p}.mac"
    op.execute(_APPEND_ONLY.format(old=content.format(p="OLD"), new=content.format(p="NEW")))
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    op.create_index("ix_audit_checkpoint_seq", "audit_checkpoint", ["seq"], unique=False)
    op.execute(
        """
        CREATE FUNCTION audit_checkpoint_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_checkpoint is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_checkpoint_no_change BEFORE UPDATE OR DELETE ON audit_checkpoint "
        "FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_checkpoint_no_change ON audit_checkpoint")
    op.execute("DROP FUNCTION audit_checkpoint_append_only()")
    op.drop_index("ix_audit_checkpoint_seq", table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
    op.execute(_APPEND_ONLY.format(old=_CONTENT.format(p="OLD"), new=_CONTENT.format(p="NEW")))
    # Rows without method, path or status get placeholders; then the whole chain is
    # re-hashed in the form of 0009 (the MACs go with their columns).
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    op.execute(
        "UPDATE audit_log SET method = coalesce(method, '-'), path = coalesce(path, coalesce(action, '-')), "
        "status_code = coalesce(status_code, 0) WHERE method IS NULL OR path IS NULL OR status_code IS NULL"
    )
    op.alter_column("audit_log", "status_code", existing_type=sa.Integer(), nullable=False)
    op.alter_column("audit_log", "path", existing_type=sa.String(500), nullable=False)
    op.alter_column("audit_log", "method", existing_type=sa.String(10), nullable=False)
    op.execute("UPDATE audit_log SET key_id = NULL, mac = NULL WHERE mac IS NOT NULL")
    op.execute(_HASH.format(body=f"concat_ws(E'\\x1f', {_OLD_FIELDS})"))
    op.drop_column("audit_log", "mac")
    op.drop_column("audit_log", "key_id")
    op.drop_column("audit_log", "action")
    op.execute(
        f"""
        DO $$
        DECLARE
            r audit_log;
            prev text := '{GENESIS}';
        BEGIN
            FOR r IN SELECT * FROM audit_log WHERE seq IS NOT NULL ORDER BY seq LOOP
                UPDATE audit_log SET prev_hash = prev, hash = audit_row_hash(prev, r.seq, r) WHERE id = r.id;
                SELECT hash INTO prev FROM audit_log WHERE id = r.id;
            END LOOP;
        END $$
        """
    )
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
