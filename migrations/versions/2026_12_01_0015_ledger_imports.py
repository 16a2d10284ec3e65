"""ledger imports (台账导入, I1–I3): the uploaded file and its validation, the errors of its
rows, and its valid rows staged for the commit

An import keeps the file (so a validation can run again, and the failing rows can be given
back as a spreadsheet), who uploaded it and within which scope, its progress and counts.
Valid rows wait in ledger_import_row (COPY at validation) until one INSERT … SELECT per
target table commits them. At most one import of a file (kind and SHA-256) is committed.

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_import",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), server_default="validating", nullable=False),
        sa.Column("file_format", sa.String(8), nullable=False),
        sa.Column("encoding", sa.String(16), nullable=True),
        sa.Column("filename", sa.String(200), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_by", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_by_role", sa.String(32), nullable=False),
        sa.Column("org_unit_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope_village_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("scope_sectors", postgresql.ARRAY(sa.String(40)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("today", sa.Date(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("valid", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("invalid", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("duplicates", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("skip_invalid", sa.Boolean(), nullable=True),
        sa.Column("committed_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("committed_by_role", sa.String(32), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_count", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('enterprises', 'hazards', 'inspections', 'drills', 'trainings')", name="ck_ledger_import_kind"
        ),
        sa.CheckConstraint(
            "status IN ('validating', 'ready', 'failed', 'committing', 'committed')", name="ck_ledger_import_status"
        ),
        sa.CheckConstraint("file_format IN ('xlsx', 'csv')", name="ck_ledger_import_file_format"),
        sa.CheckConstraint("scope_kind IN ('all', 'sectors', 'village')", name="ck_ledger_import_scope_kind"),
        sa.CheckConstraint("(status = 'committed') = (committed_at IS NOT NULL)", name="ck_ledger_import_committed"),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_ledger_import_org_unit_id_org_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_import"),
    )
    op.create_index("ix_ledger_import_org_unit_id_id", "ledger_import", ["org_unit_id", "id"])
    op.create_index("ix_ledger_import_kind_sha256", "ledger_import", ["kind", "sha256"])
    # I2: the same file is imported once.
    op.create_index(
        "uq_ledger_import_committed_file", "ledger_import", ["kind", "sha256"], unique=True,
        postgresql_where=sa.text("status IN ('committing', 'committed')"),
    )
    op.create_table(
        "ledger_import_error",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("import_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("duplicate", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["ledger_import.id"], name="fk_ledger_import_error_import_id_ledger_import", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_import_error"),
    )
    op.create_index("ix_ledger_import_error_import_id_row_id", "ledger_import_error", ["import_id", "row", "id"])
    op.create_table(
        "ledger_import_row",
        sa.Column("import_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("target_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("enterprise_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("village_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["ledger_import.id"], name="fk_ledger_import_row_import_id_ledger_import", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("import_id", "row", name="pk_ledger_import_row"),
    )


def downgrade() -> None:
    op.drop_table("ledger_import_row")
    op.drop_index("ix_ledger_import_error_import_id_row_id", table_name="ledger_import_error")
    op.drop_table("ledger_import_error")
    op.drop_index("uq_ledger_import_committed_file", table_name="ledger_import")
    op.drop_index("ix_ledger_import_kind_sha256", table_name="ledger_import")
    op.drop_index("ix_ledger_import_org_unit_id_id", table_name="ledger_import")
    op.drop_table("ledger_import")
