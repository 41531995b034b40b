"""background jobs

Revision ID: 0003_jobs
Revises: 0002_forms_metrics
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

revision = "0003_jobs"
down_revision = "0002_forms_metrics"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result_name", sa.String(length=255), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_job_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_created_by_created_at", "job", ["created_by_id", "created_at"])
    op.create_index("ix_job_state", "job", ["state"])


def downgrade():
    op.drop_index("ix_job_state", table_name="job")
    op.drop_index("ix_job_created_by_created_at", table_name="job")
    op.drop_table("job")
