"""management reviews: planning and compiled inputs (a branch of its own)

Revision ID: reviews_0001
Revises:
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

revision = "reviews_0001"
down_revision = None
branch_labels = ("reviews",)
depends_on = ("objectives_0001", "improvements_0001")


def upgrade():
    op.create_table(
        "management_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=True),
        sa.Column("compiled_at", sa.DateTime(), nullable=True),
        sa.Column("compiled_by_id", sa.Integer(), nullable=True),
        sa.Column("inputs_sha256", sa.String(length=64), nullable=True),
        sa.Column("context_changes", sa.Text(), nullable=False),
        sa.Column("resources", sa.Text(), nullable=False),
        sa.Column("external_providers", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chair_id"], ["user_account.id"], name=op.f("fk_management_review_chair_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["compiled_by_id"], ["user_account.id"], name=op.f("fk_management_review_compiled_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_management_review_created_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_management_review_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_management_review")),
        sa.UniqueConstraint("reference", name=op.f("uq_management_review_reference")),
        sa.UniqueConstraint("year", "sequence", name=op.f("uq_management_review_year")),
    )
    op.create_index(op.f("ix_management_review_chair_id"), "management_review", ["chair_id"], unique=False)
    op.create_index(op.f("ix_management_review_planned_date"), "management_review", ["planned_date"], unique=False)
    op.create_index(op.f("ix_management_review_site_id"), "management_review", ["site_id"], unique=False)
    op.create_index(op.f("ix_management_review_state"), "management_review", ["state"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_management_review_state"), table_name="management_review")
    op.drop_index(op.f("ix_management_review_site_id"), table_name="management_review")
    op.drop_index(op.f("ix_management_review_planned_date"), table_name="management_review")
    op.drop_index(op.f("ix_management_review_chair_id"), table_name="management_review")
    op.drop_table("management_review")
