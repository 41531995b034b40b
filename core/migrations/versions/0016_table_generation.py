"""a token per table, renewed by each committed write to it: answers kept until their tables change

Revision ID: 0016_table_generation
Revises: 0015_trail_site
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_table_generation"
down_revision = "0015_trail_site"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "table_generation",
        sa.Column("table_name", sa.String(length=128), primary_key=True),
        sa.Column("token", sa.String(length=32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("table_generation")
