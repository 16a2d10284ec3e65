"""indexes for officer lists

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 16:23:02.295835
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_hazard_supervision_task_id', 'hazard', ['supervision_task_id'], unique=False, postgresql_where=sa.text('supervision_task_id IS NOT NULL'))
    op.create_index('ix_public_report_village_id_id', 'public_report', ['village_id', 'id'], unique=False)
    op.create_index('ix_supervision_task_target_org_unit_id_id', 'supervision_task', ['target_org_unit_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_supervision_task_target_org_unit_id_id', table_name='supervision_task')
    op.drop_index('ix_public_report_village_id_id', table_name='public_report')
    op.drop_index('ix_hazard_supervision_task_id', table_name='hazard', postgresql_where=sa.text('supervision_task_id IS NOT NULL'))
