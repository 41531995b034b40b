"""the improvement register: opportunities for improvement run through PDCA or DMAIC

Revision ID: improvements_0001
Revises:
Create Date: 2026-12-08

"""
import sqlalchemy as sa
from alembic import op

revision = 'improvements_0001'
down_revision = None
branch_labels = ('improvements',)
depends_on = 'audits_0006'


def upgrade():
    op.create_table(
        'improvement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=20), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('source', sa.String(length=24), nullable=False),
        sa.Column('source_ref', sa.String(length=300), nullable=True),
        sa.Column('audit_item_id', sa.Integer(), nullable=True),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('raised_by_id', sa.Integer(), nullable=True),
        sa.Column('raised_at', sa.DateTime(), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('stage_reason', sa.Text(), nullable=True),
        sa.Column('action_type', sa.String(length=16), nullable=False),
        sa.Column('expected_benefit', sa.Text(), nullable=True),
        sa.Column('actions', sa.Text(), nullable=True),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=True),
        sa.Column('defect_metric', sa.String(length=200), nullable=True),
        sa.Column('opportunities', sa.Integer(), nullable=True),
        sa.Column('baseline_defects', sa.Integer(), nullable=True),
        sa.Column('baseline_units', sa.Integer(), nullable=True),
        sa.Column('current_defects', sa.Integer(), nullable=True),
        sa.Column('current_units', sa.Integer(), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['audit_item_id'], ['audit_item.id'], name=op.f('fk_improvement_audit_item_id_audit_item')
        ),
        sa.ForeignKeyConstraint(
            ['department_id'], ['department.id'], name=op.f('fk_improvement_department_id_department')
        ),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_improvement_owner_id_user_account')),
        sa.ForeignKeyConstraint(
            ['raised_by_id'], ['user_account.id'], name=op.f('fk_improvement_raised_by_id_user_account')
        ),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_improvement_site_id_site')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement')),
        sa.UniqueConstraint('reference', name=op.f('uq_improvement_reference')),
        sa.UniqueConstraint('year', 'sequence', name=op.f('uq_improvement_year')),
    )
    op.create_index(op.f('ix_improvement_department_id'), 'improvement', ['department_id'], unique=False)
    op.create_index(op.f('ix_improvement_due_date'), 'improvement', ['due_date'], unique=False)
    op.create_index(op.f('ix_improvement_owner_id'), 'improvement', ['owner_id'], unique=False)
    op.create_index(op.f('ix_improvement_raised_by_id'), 'improvement', ['raised_by_id'], unique=False)
    op.create_index(op.f('ix_improvement_site_id'), 'improvement', ['site_id'], unique=False)
    op.create_index(op.f('ix_improvement_source'), 'improvement', ['source'], unique=False)
    op.create_index(op.f('ix_improvement_source_ref'), 'improvement', ['source_ref'], unique=False)
    op.create_index(op.f('ix_improvement_stage'), 'improvement', ['stage'], unique=False)
    op.create_index('ix_improvement_raised_at', 'improvement', ['raised_at', 'id'], unique=False)
    op.create_index(
        'uq_improvement_watched',
        'improvement',
        ['source_ref'],
        unique=True,
        sqlite_where=sa.text("source IN ('red_kpi', 'servqual_gap')"),
        postgresql_where=sa.text("source IN ('red_kpi', 'servqual_gap')"),
    )
    op.create_index(
        'uq_improvement_audit_item',
        'improvement',
        ['audit_item_id'],
        unique=True,
        sqlite_where=sa.text('audit_item_id IS NOT NULL'),
        postgresql_where=sa.text('audit_item_id IS NOT NULL'),
    )


def downgrade():
    op.drop_index('uq_improvement_audit_item', table_name='improvement')
    op.drop_index('uq_improvement_watched', table_name='improvement')
    op.drop_index('ix_improvement_raised_at', table_name='improvement')
    for column in ('stage', 'source_ref', 'source', 'site_id', 'raised_by_id', 'owner_id', 'due_date', 'department_id'):
        op.drop_index(op.f(f'ix_improvement_{column}'), table_name='improvement')
    op.drop_table('improvement')
