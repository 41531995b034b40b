"""notifications and their e-mail preferences

Revision ID: 0006_notifications
Revises: 0005_sessions
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = '0006_notifications'
down_revision = '0005_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=100), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('event', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('mail', sa.String(length=16), nullable=False),
        sa.Column('mail_attempts', sa.Integer(), nullable=False),
        sa.Column('mail_next_at', sa.DateTime(), nullable=True),
        sa.Column('mail_error', sa.Text(), nullable=True),
        sa.Column('mail_sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
        sa.UniqueConstraint('user_id', 'event', name=op.f('uq_notification_user_id')),
    )
    op.create_index('ix_notification_user_read', 'notification', ['user_id', 'read_at'])
    op.create_index('ix_notification_mail', 'notification', ['mail', 'mail_next_at'])
    op.create_table(
        'notification_preference',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=100), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notification_preference_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_notification_preference')),
    )


def downgrade():
    op.drop_table('notification_preference')
    op.drop_index('ix_notification_mail', table_name='notification')
    op.drop_index('ix_notification_user_read', table_name='notification')
    op.drop_table('notification')
