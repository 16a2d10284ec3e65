"""foundation: org units, sectors, enterprises, users, idempotency records, rate counters

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 15:53:17.972104
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('idempotency_record',
    sa.Column('principal', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('principal', 'key', name=op.f('pk_idempotency_record'))
    )
    op.create_table('org_unit',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('street_office', 'department', 'village')", name=op.f('ck_org_unit_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_unit')),
    sa.UniqueConstraint('code', name=op.f('uq_org_unit_code'))
    )
    op.create_table('rate_counter',
    sa.Column('bucket', sa.String(length=300), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bucket', 'window_start', name=op.f('pk_rate_counter'))
    )
    op.create_index(op.f('ix_rate_counter_expires_at'), 'rate_counter', ['expires_at'], unique=False)
    op.create_table('sector',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('lead_department_id', sa.UUID(), nullable=True),
    sa.Column('high_risk_default', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['lead_department_id'], ['org_unit.id'], name=op.f('fk_sector_lead_department_id_org_unit')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_sector'))
    )
    op.create_table('enterprise',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('village_id', sa.UUID(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('high_risk', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='active', nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=40)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('principal_name', sa.String(length=100), nullable=False),
    sa.Column('principal_phone', sa.String(length=20), nullable=False),
    sa.Column('controller_name', sa.String(length=100), nullable=False),
    sa.Column('controller_phone', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('standardization_level', sa.String(length=4), server_default='none', nullable=False),
    sa.Column('benchmark', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("standardization_level IN ('none', '3', '2', '1')", name=op.f('ck_enterprise_standardization_level')),
    sa.CheckConstraint("status IN ('active', 'suspended', 'closed')", name=op.f('ck_enterprise_status')),
    sa.CheckConstraint("tags <@ ARRAY['hospital_grade2', 'hospital_grade3', 'dust_explosion', 'ammonia_refrigeration', 'confined_space', 'large_commercial_complex']::varchar[]", name=op.f('ck_enterprise_tags')),
    sa.CheckConstraint('char_length(credit_code) = 18', name=op.f('ck_enterprise_credit_code_length')),
    sa.ForeignKeyConstraint(['sector'], ['sector.code'], name=op.f('fk_enterprise_sector_sector')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_enterprise_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_enterprise_credit_code'))
    )
    op.create_index('ix_enterprise_sector_id', 'enterprise', ['sector', 'id'], unique=False)
    op.create_index('ix_enterprise_tags', 'enterprise', ['tags'], unique=False, postgresql_using='gin')
    op.create_index('ix_enterprise_village_id_id', 'enterprise', ['village_id', 'id'], unique=False)
    # `q` searches names with ILIKE '%...%': a trigram index keeps that off a sequential scan.
    op.execute('CREATE INDEX ix_enterprise_name_trgm ON enterprise USING gin (name gin_trgm_ops)')
    op.create_table('app_user',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('org_unit_id', sa.UUID(), nullable=True),
    sa.Column('enterprise_id', sa.UUID(), nullable=True),
    sa.Column('display_name', sa.String(length=100), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(role = 'enterprise_user') = (enterprise_id IS NOT NULL)", name=op.f('ck_app_user_enterprise_link')),
    sa.CheckConstraint("role IN ('street_admin', 'supervisor', 'department_officer', 'village_officer', 'enterprise_user', 'district_viewer')", name=op.f('ck_app_user_role')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_app_user_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_app_user_org_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user'))
    )
    op.create_index('uq_app_user_username_lower', 'app_user', [sa.literal_column('lower(username)')], unique=True)
    op.create_table('enterprise_state',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('enterprise_id', sa.UUID(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('high_risk', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'suspended', 'closed')", name=op.f('ck_enterprise_state_status')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_state_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_state'))
    )
    op.create_index('ix_enterprise_state_enterprise_id_effective_on', 'enterprise_state', ['enterprise_id', 'effective_on', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_enterprise_state_enterprise_id_effective_on', table_name='enterprise_state')
    op.drop_table('enterprise_state')
    op.drop_index('uq_app_user_username_lower', table_name='app_user')
    op.drop_table('app_user')
    op.drop_index('ix_enterprise_village_id_id', table_name='enterprise')
    op.drop_index('ix_enterprise_name_trgm', table_name='enterprise')
    op.drop_index('ix_enterprise_tags', table_name='enterprise', postgresql_using='gin')
    op.drop_index('ix_enterprise_sector_id', table_name='enterprise')
    op.drop_table('enterprise')
    op.drop_table('sector')
    op.drop_index(op.f('ix_rate_counter_expires_at'), table_name='rate_counter')
    op.drop_table('rate_counter')
    op.drop_table('org_unit')
    op.drop_table('idempotency_record')
    # pg_trgm is left installed: other schemas of the database may use it
