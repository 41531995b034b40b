"""server-side sessions and the per-address login throttle

Revision ID: 0005_sessions
Revises: 0004_dealer_group
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_sessions'
down_revision = '0004_dealer_group'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_store',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_session_store')),
    )
    op.create_index(op.f('ix_session_store_expires_at'), 'session_store', ['expires_at'])
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.Column('user_agent', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('key', name=op.f('uq_user_session_key')),
    )
    op.create_index(op.f('ix_user_session_user_id'), 'user_session', ['user_id'])
    op.create_index('ix_login_attempt_remote_addr_at', 'login_attempt', ['remote_addr', 'at'])


def downgrade():
    op.drop_index('ix_login_attempt_remote_addr_at', table_name='login_attempt')
    op.drop_index(op.f('ix_user_session_user_id'), table_name='user_session')
    op.drop_table('user_session')
    op.drop_index(op.f('ix_session_store_expires_at'), table_name='session_store')
    op.drop_table('session_store')
