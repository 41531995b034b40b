"""texts copied from plugins kept in every installed language beside the default-language columns

Revision ID: audits_0007
Revises: audits_0006
Create Date: 2026-12-05

"""
import sqlalchemy as sa
from alembic import op

revision = 'audits_0007'
down_revision = 'audits_0006'
branch_labels = None
depends_on = None

# Each of these tables copies texts from a plugin's checklist (or builds a title from them):
# a recurring check's schedule and occurrences are titled after the checklist unless somebody wrote a title.
TABLES = (
    'audit_checklist', 'audit_item', 'inspection_schedule', 'inspection', 'inspection_item', 'recheck', 'nonconformity'
)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('translations', sa.JSON(), nullable=True))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('translations')
