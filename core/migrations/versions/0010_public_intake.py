"""public intake: one-time survey links (survey_token), complaint numbers per site and year, and the attempts counted by the public pages' rate limits

Revision ID: 0010_public_intake
Revises: 0009_checklist_library
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_public_intake'
down_revision = '0009_checklist_library'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('form_key', sa.String(length=100), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('source_submission_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('answer_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_survey_token_site_id_site')),
        sa.ForeignKeyConstraint(['source_submission_id'], ['form_submission.id'],
                                name=op.f('fk_survey_token_source_submission_id_form_submission')),
        sa.ForeignKeyConstraint(['answer_id'], ['form_submission.id'],
                                name=op.f('fk_survey_token_answer_id_form_submission')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_token')),
        sa.UniqueConstraint('token', name=op.f('uq_survey_token_token')),
        sa.UniqueConstraint('source_submission_id', name=op.f('uq_survey_token_source_submission_id')),
    )
    op.create_table(
        'complaint_number',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_complaint_number_site_id_site')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_number')),
        sa.UniqueConstraint('site_id', 'year', name=op.f('uq_complaint_number_site_id')),
    )
    op.create_table(
        'intake_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.Column('token_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_attempt')),
    )
    op.create_index(op.f('ix_intake_attempt_at'), 'intake_attempt', ['at'])
    op.create_index('ix_intake_attempt_remote_addr_at', 'intake_attempt', ['remote_addr', 'at'])
    op.create_index('ix_intake_attempt_token_id_at', 'intake_attempt', ['token_id', 'at'])


def downgrade():
    op.drop_index('ix_intake_attempt_token_id_at', table_name='intake_attempt')
    op.drop_index('ix_intake_attempt_remote_addr_at', table_name='intake_attempt')
    op.drop_index(op.f('ix_intake_attempt_at'), table_name='intake_attempt')
    op.drop_table('intake_attempt')
    op.drop_table('complaint_number')
    op.drop_table('survey_token')
