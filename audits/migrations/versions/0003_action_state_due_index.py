"""index for the lists of actions by state in due-date order

Revision ID: audits_0003
Revises: audits_0002
Create Date: 2026-11-29

"""
from alembic import op

revision = 'audits_0003'
down_revision = 'audits_0002'
branch_labels = None
depends_on = None


def upgrade():
    # "Waiting for verification" and "overdue" read one state in due-date order and
    # show the first rows: with this index they stop there instead of sorting all.
    op.create_index('ix_corrective_action_state_due', 'corrective_action', ['state', 'due_date', 'id'])


def downgrade():
    op.drop_index('ix_corrective_action_state_due', table_name='corrective_action')
