"""procedures and revisions

Revision ID: proc_0001
Revises:
Create Date: 2026-11-29

"""

import sqlalchemy as sa
from alembic import op

revision = "proc_0001"
down_revision = None
branch_labels = ("procedures",)
depends_on = "0001_core"


def upgrade():
    op.create_table(
        "procedure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("review_interval_months", sa.Integer(), nullable=False),
        sa.Column("distribution", sa.JSON(), nullable=False),
        sa.Column("origin_plugin", sa.String(length=64), nullable=True),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["department.id"], name=op.f("fk_procedure_department_id_department")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure")),
        sa.UniqueConstraint("code", name=op.f("uq_procedure_code")),
    )
    op.create_index(op.f("ix_procedure_department_id"), "procedure", ["department_id"])
    op.create_index(op.f("ix_procedure_next_review_due"), "procedure", ["next_review_due"])
    op.create_table(
        "procedure_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("change_summary", sa.Text(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("effective_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.Column("rejection_comment", sa.Text(), nullable=True),
        sa.Column("approved_by_system", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_procedure_revision_author_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedure.id"],
            name=op.f("fk_procedure_revision_procedure_id_procedure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_revision")),
        sa.UniqueConstraint("procedure_id", "number", name=op.f("uq_procedure_revision_procedure_id")),
    )
    op.create_index("ix_procedure_revision_state", "procedure_revision", ["state"])
    # The database itself refuses a second effective revision of one procedure.
    op.create_index(
        "uq_procedure_revision_one_effective",
        "procedure_revision",
        ["procedure_id"],
        unique=True,
        sqlite_where=sa.text("state = 'effective'"),
        postgresql_where=sa.text("state = 'effective'"),
    )


def downgrade():
    op.drop_index("uq_procedure_revision_one_effective", table_name="procedure_revision")
    op.drop_index("ix_procedure_revision_state", table_name="procedure_revision")
    op.drop_table("procedure_revision")
    op.drop_index(op.f("ix_procedure_next_review_due"), table_name="procedure")
    op.drop_index(op.f("ix_procedure_department_id"), table_name="procedure")
    op.drop_table("procedure")
