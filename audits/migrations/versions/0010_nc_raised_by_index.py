"""indexes of the NCs a person raised, of an NC's actions by state and of a person's actions by NC

Revision ID: audits_0010_nc_raised_by
Revises: audits_0009
Create Date: 2026-12-06

"""
from alembic import op

revision = 'audits_0010_nc_raised_by'
down_revision = 'audits_0009'
branch_labels = None
depends_on = None


def upgrade():
    # The dashboard finds the NCs a reader may read by lookups — their site's, and the ones they
    # raised, own or own an action of — instead of testing every done action of the group.
    op.create_index('ix_nonconformity_raised_by_id', 'nonconformity', ['raised_by_id'])
    # Then their done actions, one seek an NC (a head at the large demo may read 6,000 NCs).
    op.create_index('ix_corrective_action_nc_state', 'corrective_action', ['nonconformity_id', 'state'])
    # The NCs a person owns an action of, from the index alone (the demo's head0001 owns 8,981).
    op.create_index('ix_corrective_action_owner_nc', 'corrective_action', ['owner_id', 'nonconformity_id'])


def downgrade():
    op.drop_index('ix_corrective_action_owner_nc', table_name='corrective_action')
    op.drop_index('ix_corrective_action_nc_state', table_name='corrective_action')
    op.drop_index('ix_nonconformity_raised_by_id', table_name='nonconformity')
