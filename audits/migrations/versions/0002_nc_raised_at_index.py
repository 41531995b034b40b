"""index for the nonconformity list's order (newest first)

Revision ID: audits_0002
Revises: audits_0001
Create Date: 2026-11-29

"""
from alembic import op

revision = 'audits_0002'
down_revision = 'audits_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_nonconformity_raised_at', 'nonconformity', ['raised_at', 'id'])


def downgrade():
    op.drop_index('ix_nonconformity_raised_at', table_name='nonconformity')
