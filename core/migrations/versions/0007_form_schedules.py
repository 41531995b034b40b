"""recurring forms: form schedules and the dues they create

Revision ID: 0007_form_schedules
Revises: 0006_notifications
Create Date: 2026-12-06

"""
import sqlalchemy as sa
from alembic import op

revision = '0007_form_schedules'
down_revision = '0006_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'form_schedule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('form_key', sa.String(length=100), nullable=False),
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
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_form_schedule_site_id_site')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_form_schedule_department_id_department')),
        sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'],
                                name=op.f('fk_form_schedule_assignee_id_user_account')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_form_schedule_created_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_schedule')),
    )
    op.create_table(
        'form_due',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('schedule_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('form_key', sa.String(length=100), nullable=False),
        sa.Column('occurs_on', sa.Date(), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['schedule_id'], ['form_schedule.id'],
                                name=op.f('fk_form_due_schedule_id_form_schedule'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_form_due_site_id_site')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_form_due_department_id_department')),
        sa.ForeignKeyConstraint(['assignee_id'], ['user_account.id'],
                                name=op.f('fk_form_due_assignee_id_user_account')),
        sa.ForeignKeyConstraint(['submission_id'], ['form_submission.id'],
                                name=op.f('fk_form_due_submission_id_form_submission')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_due')),
        sa.UniqueConstraint('schedule_id', 'occurs_on', name=op.f('uq_form_due_schedule_id')),
    )
    op.create_index('ix_form_due_site_state_occurs_on', 'form_due', ['site_id', 'state', 'occurs_on'])


def downgrade():
    op.drop_index('ix_form_due_site_state_occurs_on', table_name='form_due')
    op.drop_table('form_due')
    op.drop_table('form_schedule')
