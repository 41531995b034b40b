"""index for a person's own actions by state in due-date order

Revision ID: audits_0009
Revises: audits_0008_scores
Create Date: 2026-12-06

"""
from alembic import op

revision = 'audits_0009'
down_revision = 'audits_0008_scores'
branch_labels = None
depends_on = None


def upgrade():
    # "My actions" shows the earliest due of the reader's open and of their done actions: one
    # window of this index per state, where the owner index alone read and sorted every action
    # the reader ever owned (a head at the large demo size: 8,981).
    op.create_index(
        'ix_corrective_action_owner_state_due', 'corrective_action', ['owner_id', 'state', 'due_date', 'id']
    )


def downgrade():
    op.drop_index('ix_corrective_action_owner_state_due', table_name='corrective_action')
