"""commit-order sealing: event and audit rows numbered (and audit rows hash-chained) by
deferred constraint triggers inside COMMIT

Taking the commit-order lock from the application held it across several round trips
and event-loop turns of a busy worker; writes queued behind it. Deferred triggers take it
inside COMMIT itself, so it is held only while the commit completes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 18:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCK = 727002
GENESIS = "0" * 64


def upgrade() -> None:
    op.add_column("event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("audit_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.alter_column("audit_log", "prev_hash", nullable=True)
    op.alter_column("audit_log", "hash", nullable=True)
    op.execute("UPDATE event SET seq = id")
    op.execute("CREATE SEQUENCE event_seq")
    op.execute("SELECT setval('event_seq', coalesce((SELECT max(id) FROM event), 0) + 1, false)")
    op.execute("CREATE SEQUENCE audit_seq")
    op.create_index("uq_event_seq", "event", ["seq"], unique=True)
    op.create_index("uq_audit_log_seq", "audit_log", ["seq"], unique=True)

    # The hash of an audit row: its fields in a fixed text form, after the previous hash.
    op.execute(
        """
        CREATE FUNCTION audit_row_hash(prev text, seq bigint, a audit_log) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$
            SELECT encode(sha256(convert_to(concat_ws(E'\\x1f',
                prev, seq::text,
                to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                coalesce(a.actor_id::text, ''), coalesce(a.actor_role, ''), coalesce(a.org_unit_id::text, ''),
                coalesce(a.client_address, ''), coalesce(a.request_id, ''), a.method, a.path,
                coalesce(a.resource, ''), coalesce(a.resource_id, ''), a.status_code::text
            ), 'UTF8')), 'hex')
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION seal_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({LOCK});
            UPDATE event SET seq = nextval('event_seq') WHERE id = NEW.id;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION seal_audit() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            prev text;
            next_seq bigint;
            row audit_log;
        BEGIN
            PERFORM pg_advisory_xact_lock({LOCK});
            SELECT hash INTO prev FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1;
            prev := coalesce(prev, '{GENESIS}');
            next_seq := nextval('audit_seq');
            SELECT * INTO row FROM audit_log WHERE id = NEW.id;
            UPDATE audit_log SET seq = next_seq, prev_hash = prev, hash = audit_row_hash(prev, next_seq, row)
            WHERE id = NEW.id;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER event_seal AFTER INSERT ON event "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION seal_event()"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER audit_log_seal AFTER INSERT ON audit_log "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION seal_audit()"
    )
    # Append-only still, but for the one sealing update of a row not yet sealed.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND NEW.hash IS NOT NULL
               AND (OLD.at, OLD.actor_id, OLD.actor_role, OLD.org_unit_id, OLD.client_address, OLD.request_id,
                    OLD.method, OLD.path, OLD.resource, OLD.resource_id, OLD.status_code)
                   IS NOT DISTINCT FROM
                   (NEW.at, NEW.actor_id, NEW.actor_role, NEW.org_unit_id, NEW.client_address, NEW.request_id,
                    NEW.method, NEW.path, NEW.resource, NEW.resource_id, NEW.status_code) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    # Re-chain the rows written before, in their order, with the function above.
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    op.execute(
        f"""
        DO $$
        DECLARE
            r audit_log;
            prev text := '{GENESIS}';
            n bigint := 0;
        BEGIN
            FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
                n := n + 1;
                UPDATE audit_log SET seq = n, prev_hash = prev, hash = audit_row_hash(prev, n, r) WHERE id = r.id;
                SELECT hash INTO prev FROM audit_log WHERE id = r.id;
            END LOOP;
            PERFORM setval('audit_seq', n + 1, false);
        END $$
        """
    )
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")


def downgrade() -> None:
    op.execute("DROP TRIGGER audit_log_seal ON audit_log")
    op.execute("DROP TRIGGER event_seal ON event")
    op.execute("DROP FUNCTION seal_audit()")
    op.execute("DROP FUNCTION seal_event()")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute("DROP FUNCTION audit_row_hash(text, bigint, audit_log)")
    op.drop_index("uq_audit_log_seq", table_name="audit_log")
    op.drop_index("uq_event_seq", table_name="event")
    op.execute("DROP SEQUENCE audit_seq")
    op.execute("DROP SEQUENCE event_seq")
    # the rows keep their hashes of the new form; the previous chain cannot be restored
    op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
    op.execute("DELETE FROM audit_log WHERE hash IS NULL")
    op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    op.alter_column("audit_log", "hash", nullable=False)
    op.alter_column("audit_log", "prev_hash", nullable=False)
    op.drop_column("audit_log", "seq")
    op.drop_column("event", "seq")
