"""scored checklists: scale, pass threshold, grade points and sections; each item's weight, section, must-pass, points

An audit's checklist keeps its scale, pass threshold, grade points and sections; each item its
weight, section and must-pass, and the points the auditor gave.

Revision ID: audits_0008_scores
Revises: audits_0007
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = 'audits_0008_scores'
down_revision = 'audits_0007'
branch_labels = None
depends_on = None


def upgrade():
    # Audits started before scoring existed were answered in grades only: that is what they keep.
    with op.batch_alter_table('audit_checklist') as batch:
        batch.add_column(sa.Column('scale', sa.String(length=16), nullable=False, server_default='grades'))
        batch.add_column(sa.Column('pass_threshold', sa.Float(), nullable=True))
        batch.add_column(sa.Column('grade_points', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('sections', sa.JSON(), nullable=True))
    with op.batch_alter_table('audit_item') as batch:
        batch.add_column(sa.Column('weight', sa.Float(), nullable=False, server_default='1'))
        batch.add_column(sa.Column('section', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('must_pass', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('points', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_item') as batch:
        for column in ('points', 'must_pass', 'section', 'weight'):
            batch.drop_column(column)
    with op.batch_alter_table('audit_checklist') as batch:
        for column in ('sections', 'grade_points', 'pass_threshold', 'scale'):
            batch.drop_column(column)
