"""analytics cache and covering index

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:16:57.420921
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('analytics_cache',
    sa.Column('key', sa.String(length=500), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_analytics_cache'))
    )
    op.create_index('ix_hazard_major_cover', 'hazard', ['discovered_on'], unique=False, postgresql_include=['status', 'status_effective_on', 'deadline', 'deadline_set_on', 'village_id', 'sector', 'enterprise_id', 'id'], postgresql_where=sa.text("grade = 'major'"))


def downgrade() -> None:
    op.drop_index('ix_hazard_major_cover', table_name='hazard', postgresql_include=['status', 'status_effective_on', 'deadline', 'deadline_set_on', 'village_id', 'sector', 'enterprise_id', 'id'], postgresql_where=sa.text("grade = 'major'"))
    op.drop_table('analytics_cache')
