"""survey follow-ups: a low score on a survey, followed up by a department's head, and its outcome

Revision ID: 0011_survey_follow_up
Revises: 0010_public_intake
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_survey_follow_up'
down_revision = '0010_public_intake'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_follow_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('form_key', sa.String(length=100), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('low_ratings', sa.JSON(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('result', sa.String(length=32), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(), nullable=True),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['form_submission.id'],
                                name=op.f('fk_survey_follow_up_submission_id_form_submission')),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_survey_follow_up_site_id_site')),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'],
                                name=op.f('fk_survey_follow_up_department_id_department')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                                name=op.f('fk_survey_follow_up_recorded_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_follow_up')),
        sa.UniqueConstraint('submission_id', name=op.f('uq_survey_follow_up_submission_id')),
    )
    op.create_index('ix_survey_follow_up_open', 'survey_follow_up', ['department_id', 'site_id', 'result', 'due_on'])


def downgrade():
    op.drop_index('ix_survey_follow_up_open', table_name='survey_follow_up')
    op.drop_table('survey_follow_up')
