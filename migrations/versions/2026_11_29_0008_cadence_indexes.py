"""partial indexes for the events C1 and C2 count

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 17:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_inspection_c1", "inspection", ["enterprise_id", "performed_on"], unique=False,
        postgresql_where=sa.text("kind = 'principal_self' AND led_by_principal"),
    )
    op.create_index(
        "ix_drill_c2", "drill", ["enterprise_id", "held_on"], unique=False,
        postgresql_where=sa.text("kind = 'evacuation'"),
    )


def downgrade() -> None:
    op.drop_index("ix_drill_c2", table_name="drill")
    op.drop_index("ix_inspection_c1", table_name="inspection")
