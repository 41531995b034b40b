"""quality objectives and their monthly updates (a branch of its own beside the audits chain)

Revision ID: objectives_0001
Revises:
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = 'objectives_0001'
down_revision = None
branch_labels = ('objectives',)
depends_on = 'audits_0006'


def upgrade():
    op.create_table(
        'quality_objective',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('why', sa.Text(), nullable=False),
        sa.Column('metric_key', sa.String(length=100), nullable=True),
        sa.Column('measure', sa.String(length=300), nullable=True),
        sa.Column('unit', sa.String(length=32), nullable=False),
        sa.Column('direction', sa.String(length=8), nullable=False),
        sa.Column('baseline', sa.Float(), nullable=True),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('plan_what', sa.Text(), nullable=False),
        sa.Column('plan_resources', sa.Text(), nullable=False),
        sa.Column('plan_who', sa.Text(), nullable=False),
        sa.Column('plan_when', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user_account.id'], name=op.f('fk_quality_objective_created_by_id_user_account')
        ),
        sa.ForeignKeyConstraint(
            ['department_id'], ['department.id'], name=op.f('fk_quality_objective_department_id_department')
        ),
        sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_quality_objective_owner_id_user_account')),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_quality_objective_site_id_site')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_objective')),
    )
    op.create_index(op.f('ix_quality_objective_owner_id'), 'quality_objective', ['owner_id'], unique=False)
    op.create_index(op.f('ix_quality_objective_site_id'), 'quality_objective', ['site_id'], unique=False)
    op.create_table(
        'quality_objective_update',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('objective_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('by_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['by_id'], ['user_account.id'], name=op.f('fk_quality_objective_update_by_id_user_account')
        ),
        sa.ForeignKeyConstraint(
            ['objective_id'],
            ['quality_objective.id'],
            name=op.f('fk_quality_objective_update_objective_id_quality_objective'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_objective_update')),
        sa.UniqueConstraint('objective_id', 'period', name=op.f('uq_quality_objective_update_objective_id')),
    )
    op.create_index(
        op.f('ix_quality_objective_update_objective_id'), 'quality_objective_update', ['objective_id'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_quality_objective_update_objective_id'), table_name='quality_objective_update')
    op.drop_table('quality_objective_update')
    op.drop_index(op.f('ix_quality_objective_site_id'), table_name='quality_objective')
    op.drop_index(op.f('ix_quality_objective_owner_id'), table_name='quality_objective')
    op.drop_table('quality_objective')
