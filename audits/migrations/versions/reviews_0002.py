"""management reviews: the meeting record and its outputs

Revision ID: reviews_0002
Revises: reviews_0001
Create Date: 2026-12-05

"""

import sqlalchemy as sa
from alembic import op

revision = "reviews_0002"
down_revision = "reviews_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("management_review") as batch:
        batch.add_column(sa.Column("present", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("guests", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("decisions", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("held_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("held_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_management_review_held_by_id_user_account"), "user_account", ["held_by_id"], ["id"]
        )
    op.create_table(
        "management_review_output",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_reference", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["management_review.id"],
            name=op.f("fk_management_review_output_review_id_management_review"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_management_review_output_owner_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_management_review_output_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_management_review_output")),
    )
    op.create_index(
        op.f("ix_management_review_output_review_id"), "management_review_output", ["review_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_management_review_output_review_id"), table_name="management_review_output")
    op.drop_table("management_review_output")
    with op.batch_alter_table("management_review") as batch:
        batch.drop_constraint(op.f("fk_management_review_held_by_id_user_account"), type_="foreignkey")
        batch.drop_column("held_by_id")
        batch.drop_column("held_at")
        batch.drop_column("decisions")
        batch.drop_column("guests")
        batch.drop_column("present")
