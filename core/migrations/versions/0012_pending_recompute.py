"""pending recomputations: a computed metric of a site and period marked by a write, computed off the request

Revision ID: 0012_pending_recompute
Revises: 0011_survey_follow_up
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_pending_recompute'
down_revision = '0011_survey_follow_up'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'metric_pending_recompute',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('metric_key', sa.String(length=100), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('generation', sa.Integer(), nullable=False),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_metric_pending_recompute_site_id_site')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_metric_pending_recompute')),
        sa.UniqueConstraint('metric_key', 'site_id', 'period',
                            name=op.f('uq_metric_pending_recompute_metric_key_site_id_period')),
    )


def downgrade():
    op.drop_table('metric_pending_recompute')
