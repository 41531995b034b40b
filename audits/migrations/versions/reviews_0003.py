"""management reviews: an output's title, apart from its description

Revision ID: reviews_0003
Revises: reviews_0002
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

revision = "reviews_0003"
down_revision = "reviews_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("management_review_output") as batch:
        batch.add_column(sa.Column("title", sa.String(length=300), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("management_review_output") as batch:
        batch.drop_column("title")
