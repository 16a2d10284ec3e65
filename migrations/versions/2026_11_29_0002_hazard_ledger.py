"""hazard ledger: hazards and their history, escalations, inspections, attachments,
public reports, the change feed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 15:56:49.510821
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('uploaded_by', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')", name=op.f('ck_attachment_content_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    op.create_index('ix_attachment_sha256', 'attachment', ['sha256'], unique=False)
    op.create_table('event',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resource', sa.String(length=40), nullable=False),
    sa.Column('resource_id', sa.UUID(), nullable=False),
    sa.Column('enterprise_id', sa.UUID(), nullable=True),
    sa.Column('village_id', sa.UUID(), nullable=True),
    sa.Column('sector', sa.String(length=40), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    op.create_index('ix_event_sector_id', 'event', ['sector', 'id'], unique=False)
    op.create_index('ix_event_village_id_id', 'event', ['village_id', 'id'], unique=False)
    op.create_table('public_report',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('tracking_hash', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('enterprise_name', sa.String(length=200), nullable=True),
    sa.Column('village_id', sa.UUID(), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='received', nullable=False),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('verified_by', sa.UUID(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hazard_id', sa.UUID(), nullable=True),
    sa.Column('reward_eligible', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('received', 'substantiated', 'unsubstantiated')", name=op.f('ck_public_report_status')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_public_report_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report'))
    )
    op.create_index('ix_public_report_status_id', 'public_report', ['status', 'id'], unique=False)
    op.create_index('uq_public_report_tracking_hash', 'public_report', ['tracking_hash'], unique=True)
    op.create_table('inspection',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('enterprise_id', sa.UUID(), nullable=False),
    sa.Column('village_id', sa.UUID(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('performed_on', sa.Date(), nullable=False),
    sa.Column('led_by_principal', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('inspector', sa.String(length=100), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('findings_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('principal_self', 'village_patrol', 'department', 'enforcement', 'supervision')", name=op.f('ck_inspection_kind')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_inspection_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['sector'], ['sector.code'], name=op.f('fk_inspection_sector_sector')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_inspection_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection'))
    )
    op.create_index('ix_inspection_enterprise_id_performed_on', 'inspection', ['enterprise_id', 'performed_on'], unique=False)
    op.create_index('ix_inspection_sector_id', 'inspection', ['sector', 'id'], unique=False)
    op.create_index('ix_inspection_village_id_id', 'inspection', ['village_id', 'id'], unique=False)
    op.create_table('hazard',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('enterprise_id', sa.UUID(), nullable=False),
    sa.Column('village_id', sa.UUID(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('grade', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('criterion_ref', sa.String(length=300), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('discovered_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='reported', nullable=False),
    sa.Column('status_effective_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('extensions', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('responsible_person', sa.String(length=100), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('funds', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('contingency_plan', sa.Text(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('listed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('inspection_id', sa.UUID(), nullable=True),
    sa.Column('report_id', sa.UUID(), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("grade IN ('major', 'general')", name=op.f('ck_hazard_grade')),
    sa.CheckConstraint("source IN ('self_inspection', 'supervision', 'enforcement', 'patrol', 'public_report', 'other')", name=op.f('ck_hazard_source')),
    sa.CheckConstraint("status IN ('reported', 'rectifying', 'pending_review', 'closed', 'void')", name=op.f('ck_hazard_status')),
    sa.CheckConstraint('extensions >= 0', name=op.f('ck_hazard_extensions_non_negative')),
    sa.CheckConstraint('funds IS NULL OR funds >= 0', name=op.f('ck_hazard_funds_non_negative')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_hazard_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_hazard_inspection_id_inspection')),
    sa.ForeignKeyConstraint(['report_id'], ['public_report.id'], name=op.f('fk_hazard_report_id_public_report')),
    sa.ForeignKeyConstraint(['sector'], ['sector.code'], name=op.f('fk_hazard_sector_sector')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_hazard_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard'))
    )
    op.create_index('ix_hazard_discovered_on', 'hazard', ['discovered_on'], unique=False)
    op.create_index('ix_hazard_enterprise_id_id', 'hazard', ['enterprise_id', 'id'], unique=False)
    op.create_index('ix_hazard_major_discovered_on', 'hazard', ['discovered_on'], unique=False, postgresql_where=sa.text("grade = 'major'"))
    op.create_index('ix_hazard_inspection_id', 'hazard', ['inspection_id'], unique=False, postgresql_where=sa.text('inspection_id IS NOT NULL'))
    op.create_index('ix_hazard_open_deadline', 'hazard', ['deadline'], unique=False, postgresql_where=sa.text("status IN ('reported', 'rectifying', 'pending_review')"))
    op.create_index('ix_hazard_sector_status_id', 'hazard', ['sector', 'status', 'id'], unique=False)
    op.create_index('ix_hazard_status_id', 'hazard', ['status', 'id'], unique=False)
    op.create_index('ix_hazard_village_id_status_id', 'hazard', ['village_id', 'status', 'id'], unique=False)
    op.create_table('attachment_link',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('attachment_id', sa.UUID(), nullable=False),
    sa.Column('hazard_id', sa.UUID(), nullable=True),
    sa.Column('inspection_id', sa.UUID(), nullable=True),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("purpose IN ('finding', 'plan', 'evidence', 'inspection')", name=op.f('ck_attachment_link_purpose')),
    sa.CheckConstraint('(hazard_id IS NULL) <> (inspection_id IS NULL)', name=op.f('ck_attachment_link_one_owner')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_attachment_link_attachment_id_attachment')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], name=op.f('fk_attachment_link_hazard_id_hazard')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_attachment_link_inspection_id_inspection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment_link'))
    )
    op.create_index('ix_attachment_link_attachment_id', 'attachment_link', ['attachment_id'], unique=False)
    op.create_index('ix_attachment_link_hazard_id', 'attachment_link', ['hazard_id'], unique=False)
    op.create_table('escalation',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('hazard_id', sa.UUID(), nullable=True),
    sa.Column('org_unit_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('letter', 'circular', 'interview', 'exposure')", name=op.f('ck_escalation_kind')),
    sa.CheckConstraint('(hazard_id IS NULL) <> (org_unit_id IS NULL)', name=op.f('ck_escalation_one_target')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], name=op.f('fk_escalation_hazard_id_hazard')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_escalation_org_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation'))
    )
    op.create_index('ix_escalation_hazard_id', 'escalation', ['hazard_id'], unique=False)
    op.create_index('ix_escalation_org_unit_id', 'escalation', ['org_unit_id'], unique=False)
    op.create_table('hazard_history',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('hazard_id', sa.UUID(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.UUID(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], name=op.f('fk_hazard_history_hazard_id_hazard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_history'))
    )
    op.create_index('ix_hazard_history_hazard_id_id', 'hazard_history', ['hazard_id', 'id'], unique=False)
    op.drop_index(op.f('ix_enterprise_name_trgm'), table_name='enterprise', postgresql_ops={'name': 'gin_trgm_ops'}, postgresql_using='gin')

    # H7: history is append-only, in the database too.
    op.execute(
        """
        CREATE FUNCTION hazard_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'hazard_history is append-only' USING ERRCODE = 'insufficient_privilege';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER hazard_history_no_change BEFORE UPDATE OR DELETE ON hazard_history "
        "FOR EACH ROW EXECUTE FUNCTION hazard_history_append_only()"
    )

def downgrade() -> None:
    op.execute('DROP TRIGGER IF EXISTS hazard_history_no_change ON hazard_history')
    op.execute('DROP FUNCTION IF EXISTS hazard_history_append_only()')
    op.create_index(op.f('ix_enterprise_name_trgm'), 'enterprise', ['name'], unique=False, postgresql_ops={'name': 'gin_trgm_ops'}, postgresql_using='gin')
    op.drop_index('ix_hazard_history_hazard_id_id', table_name='hazard_history')
    op.drop_table('hazard_history')
    op.drop_index('ix_escalation_org_unit_id', table_name='escalation')
    op.drop_index('ix_escalation_hazard_id', table_name='escalation')
    op.drop_table('escalation')
    op.drop_index('ix_attachment_link_hazard_id', table_name='attachment_link')
    op.drop_index('ix_attachment_link_attachment_id', table_name='attachment_link')
    op.drop_table('attachment_link')
    op.drop_index('ix_hazard_village_id_status_id', table_name='hazard')
    op.drop_index('ix_hazard_status_id', table_name='hazard')
    op.drop_index('ix_hazard_sector_status_id', table_name='hazard')
    op.drop_index('ix_hazard_inspection_id', table_name='hazard')
    op.drop_index('ix_hazard_open_deadline', table_name='hazard', postgresql_where=sa.text("status IN ('reported', 'rectifying', 'pending_review')"))
    op.drop_index('ix_hazard_major_discovered_on', table_name='hazard', postgresql_where=sa.text("grade = 'major'"))
    op.drop_index('ix_hazard_enterprise_id_id', table_name='hazard')
    op.drop_index('ix_hazard_discovered_on', table_name='hazard')
    op.drop_table('hazard')
    op.drop_index('ix_inspection_village_id_id', table_name='inspection')
    op.drop_index('ix_inspection_sector_id', table_name='inspection')
    op.drop_index('ix_inspection_enterprise_id_performed_on', table_name='inspection')
    op.drop_table('inspection')
    op.drop_index('uq_public_report_tracking_hash', table_name='public_report')
    op.drop_index('ix_public_report_status_id', table_name='public_report')
    op.drop_table('public_report')
    op.drop_index('ix_event_village_id_id', table_name='event')
    op.drop_index('ix_event_sector_id', table_name='event')
    op.drop_table('event')
    op.drop_index('ix_attachment_sha256', table_name='attachment')
    op.drop_table('attachment')
