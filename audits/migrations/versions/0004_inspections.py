"""recurring checks: inspection schedules, their occurrences and results

Revision ID: audits_0004
Revises: audits_0003
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = 'audits_0004'
down_revision = 'audits_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'inspection_schedule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('checklist_key', sa.String(length=100), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('frequency', sa.String(length=16), nullable=False),
        sa.Column('weekdays', sa.JSON(), nullable=False),
        sa.Column('day_of_month', sa.Integer(), nullable=True),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_inspection_schedule_site_id_site')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_inspection_schedule_department_id_department')),
        sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'],
                                name=op.f('fk_inspection_schedule_assignee_id_user_account')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_inspection_schedule_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_schedule')),
    )
    op.create_table(
        'inspection',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('schedule_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('checklist_key', sa.String(length=100), nullable=False),
        sa.Column('checklist_version', sa.Integer(), nullable=False),
        sa.Column('occurs_on', sa.Date(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('completed_by_id', sa.Integer(), nullable=True),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['schedule_id'], ['inspection_schedule.id'],
                                name=op.f('fk_inspection_schedule_id_inspection_schedule'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_inspection_site_id_site')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_inspection_department_id_department')),
        sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'],
                                name=op.f('fk_inspection_assignee_id_user_account')),
        sa.ForeignKeyConstraint(['completed_by_id'], ['user_account.id'],
                                name=op.f('fk_inspection_completed_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection')),
        sa.UniqueConstraint('schedule_id', 'occurs_on', name=op.f('uq_inspection_schedule_id')),
    )
    op.create_index('ix_inspection_site_state_occurs_on', 'inspection', ['site_id', 'state', 'occurs_on'])
    op.create_table(
        'inspection_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inspection_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('question_key', sa.String(length=100), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('guidance', sa.Text(), nullable=False),
        sa.Column('result', sa.String(length=16), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'],
                                name=op.f('fk_inspection_item_inspection_id_inspection'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_item')),
    )
    op.create_index(op.f('ix_inspection_item_inspection_id'), 'inspection_item', ['inspection_id'])


def downgrade():
    op.drop_index(op.f('ix_inspection_item_inspection_id'), table_name='inspection_item')
    op.drop_table('inspection_item')
    op.drop_index('ix_inspection_site_state_occurs_on', table_name='inspection')
    op.drop_table('inspection')
    op.drop_table('inspection_schedule')
