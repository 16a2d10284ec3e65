"""sessions: a token version per user, bumped by the database itself, and refresh-token
families (A5)

Every token carries the user's token_version; the trigger bumps it whenever the password,
is_active, the role, the org unit or the enterprise changes, through whatever path (the
API, the command line, a DBA's UPDATE), so tokens issued before are refused from that
moment and a re-enabled account does not revive them. A refresh_family row is one login:
its refresh tokens rotate (generation), and presenting an older generation revokes it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("token_version", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.execute(
        """
        CREATE FUNCTION app_user_token_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
               OR NEW.is_active IS DISTINCT FROM OLD.is_active
               OR NEW.role IS DISTINCT FROM OLD.role
               OR NEW.org_unit_id IS DISTINCT FROM OLD.org_unit_id
               OR NEW.enterprise_id IS DISTINCT FROM OLD.enterprise_id THEN
                NEW.token_version := greatest(NEW.token_version, OLD.token_version + 1);
            ELSIF NEW.token_version < OLD.token_version THEN
                -- going back would revive the tokens of an earlier version
                NEW.token_version := OLD.token_version;
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER app_user_token_version BEFORE UPDATE ON app_user "
        "FOR EACH ROW EXECUTE FUNCTION app_user_token_version()"
    )
    op.create_table(
        "refresh_family",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("generation", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=16), nullable=True),
        sa.CheckConstraint("revoked_reason IN ('reuse', 'logout')", name=op.f("ck_refresh_family_revoked_reason")),
        sa.CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name=op.f("ck_refresh_family_revoked")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_refresh_family_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_family")),
    )
    op.create_index(op.f("ix_refresh_family_user_id"), "refresh_family", ["user_id"], unique=False)
    op.create_index(op.f("ix_refresh_family_expires_at"), "refresh_family", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refresh_family_expires_at"), table_name="refresh_family")
    op.drop_index(op.f("ix_refresh_family_user_id"), table_name="refresh_family")
    op.drop_table("refresh_family")
    op.execute("DROP TRIGGER app_user_token_version ON app_user")
    op.execute("DROP FUNCTION app_user_token_version()")
    op.drop_column("app_user", "token_version")
