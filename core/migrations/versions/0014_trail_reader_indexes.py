"""indexes for who may read a measurement's or a form submission's trail: its site or its author

Revision ID: 0014_trail_reader_indexes
Revises: 0013_signature_signer
Create Date: 2026-12-06
"""
from alembic import op

revision = '0014_trail_reader_indexes'
down_revision = '0013_signature_signer'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_measurement_entered_by_id', 'measurement', ['entered_by_id'])
    op.create_index('ix_form_submission_site_id', 'form_submission', ['site_id'])
    op.create_index('ix_form_submission_submitted_by_id', 'form_submission', ['submitted_by_id'])


def downgrade():
    op.drop_index('ix_form_submission_submitted_by_id', table_name='form_submission')
    op.drop_index('ix_form_submission_site_id', table_name='form_submission')
    op.drop_index('ix_measurement_entered_by_id', table_name='measurement')
