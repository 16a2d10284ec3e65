"""hazard.deadline_set_on: the business date the current deadline took effect

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 17:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("hazard", sa.Column("deadline_set_on", sa.Date(), nullable=True))
    # Backfill from the history: the last step that set a deadline, else the discovery.
    op.execute(
        """
        UPDATE hazard h SET deadline_set_on = coalesce(x.set_on, h.discovered_on)
        FROM (
            SELECT hz.id, (SELECT max(y.effective_on) FROM hazard_history y
                           WHERE y.hazard_id = hz.id AND y.deadline IS NOT NULL) AS set_on
            FROM hazard hz
        ) x
        WHERE x.id = h.id
        """
    )


def downgrade() -> None:
    op.drop_column("hazard", "deadline_set_on")
