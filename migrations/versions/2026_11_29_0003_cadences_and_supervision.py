"""cadences and supervision: drills, trainings, supervision tasks and referrals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:04:03.579189
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('drill',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('enterprise_id', sa.UUID(), nullable=False),
    sa.Column('village_id', sa.UUID(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('scenario', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('evacuation', 'fire', 'hazardous_chemical_leak', 'confined_space_rescue', 'special_equipment', 'other')", name=op.f('ck_drill_kind')),
    sa.CheckConstraint('participants >= 0', name=op.f('ck_drill_participants_non_negative')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_drill_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['sector'], ['sector.code'], name=op.f('fk_drill_sector_sector')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_drill_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill'))
    )
    op.create_index('ix_drill_enterprise_id_held_on', 'drill', ['enterprise_id', 'held_on'], unique=False)
    op.create_index('ix_drill_sector_id', 'drill', ['sector', 'id'], unique=False)
    op.create_index('ix_drill_village_id_id', 'drill', ['village_id', 'id'], unique=False)
    op.create_table('training',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('enterprise_id', sa.UUID(), nullable=False),
    sa.Column('village_id', sa.UUID(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.Column('trainee_role', sa.String(length=40), nullable=False),
    sa.Column('trainee_name', sa.String(length=100), nullable=True),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("trainee_role IN ('principal', 'fire_safety_responsible', 'safety_manager', 'special_operations', 'employee')", name=op.f('ck_training_trainee_role')),
    sa.CheckConstraint('hours > 0', name=op.f('ck_training_hours_positive')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_training_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['sector'], ['sector.code'], name=op.f('fk_training_sector_sector')),
    sa.ForeignKeyConstraint(['village_id'], ['org_unit.id'], name=op.f('fk_training_village_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training'))
    )
    op.create_index('ix_training_enterprise_id_held_on', 'training', ['enterprise_id', 'held_on'], unique=False)
    op.create_index('ix_training_sector_id', 'training', ['sector', 'id'], unique=False)
    op.create_index('ix_training_village_id_id', 'training', ['village_id', 'id'], unique=False)
    op.create_table('supervision_task',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('assignee_org_unit_id', sa.UUID(), nullable=False),
    sa.Column('target_org_unit_id', sa.UUID(), nullable=True),
    sa.Column('hazard_id', sa.UUID(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('submission', sa.Text(), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'accepted') = (completed_on IS NOT NULL)", name=op.f('ck_supervision_task_completed_when_accepted')),
    sa.CheckConstraint("kind <> 'hazard_oversight' OR hazard_id IS NOT NULL", name=op.f('ck_supervision_task_oversight_has_hazard')),
    sa.CheckConstraint("kind <> 'supervision_round' OR target_org_unit_id IS NOT NULL", name=op.f('ck_supervision_task_round_has_target')),
    sa.CheckConstraint("kind IN ('supervision_round', 'hazard_oversight', 'plan_measure', 'ad_hoc')", name=op.f('ck_supervision_task_kind')),
    sa.CheckConstraint("status IN ('open', 'submitted', 'returned', 'accepted')", name=op.f('ck_supervision_task_status')),
    sa.ForeignKeyConstraint(['assignee_org_unit_id'], ['org_unit.id'], name=op.f('fk_supervision_task_assignee_org_unit_id_org_unit')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'], name=op.f('fk_supervision_task_hazard_id_hazard')),
    sa.ForeignKeyConstraint(['target_org_unit_id'], ['org_unit.id'], name=op.f('fk_supervision_task_target_org_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_task'))
    )
    op.create_index('ix_supervision_task_assignee_org_unit_id', 'supervision_task', ['assignee_org_unit_id', 'id'], unique=False)
    op.create_index('ix_supervision_task_target_completed', 'supervision_task', ['target_org_unit_id', 'completed_on'], unique=False, postgresql_where=sa.text("kind = 'supervision_round' AND status = 'accepted'"))
    op.create_table('task_referral',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('task_id', sa.UUID(), nullable=False),
    sa.Column('referred_to', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['supervision_task.id'], name=op.f('fk_task_referral_task_id_supervision_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_referral'))
    )
    op.create_index('ix_task_referral_task_id', 'task_referral', ['task_id'], unique=False)
    op.add_column('hazard', sa.Column('supervision_task_id', sa.UUID(), nullable=True))
    op.create_foreign_key(op.f('fk_hazard_supervision_task_id_supervision_task'), 'hazard', 'supervision_task', ['supervision_task_id'], ['id'], use_alter=True)


def downgrade() -> None:
    op.drop_constraint(op.f('fk_hazard_supervision_task_id_supervision_task'), 'hazard', type_='foreignkey')
    op.drop_column('hazard', 'supervision_task_id')
    op.drop_index('ix_task_referral_task_id', table_name='task_referral')
    op.drop_table('task_referral')
    op.drop_index('ix_supervision_task_target_completed', table_name='supervision_task', postgresql_where=sa.text("kind = 'supervision_round' AND status = 'accepted'"))
    op.drop_index('ix_supervision_task_assignee_org_unit_id', table_name='supervision_task')
    op.drop_table('supervision_task')
    op.drop_index('ix_training_village_id_id', table_name='training')
    op.drop_index('ix_training_sector_id', table_name='training')
    op.drop_index('ix_training_enterprise_id_held_on', table_name='training')
    op.drop_table('training')
    op.drop_index('ix_drill_village_id_id', table_name='drill')
    op.drop_index('ix_drill_sector_id', table_name='drill')
    op.drop_index('ix_drill_enterprise_id_held_on', table_name='drill')
    op.drop_table('drill')
