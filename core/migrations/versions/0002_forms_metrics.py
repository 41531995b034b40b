"""form submissions, measurements and site targets

Revision ID: 0002_forms_metrics
Revises: 0001_core
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

revision = "0002_forms_metrics"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("definition_sha256", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_version")),
        sa.UniqueConstraint("form_key", "version", name=op.f("uq_form_version_form_key")),
    )
    op.create_table(
        "form_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=100), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("form_version_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_version_id"], ["form_version.id"], name=op.f("fk_form_submission_form_version_id_form_version")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_form_submission_site_id_site")),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user_account.id"], name=op.f("fk_form_submission_submitted_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submission")),
    )
    op.create_index("ix_form_submission_key_site_period", "form_submission", ["form_key", "site_id", "period"])
    op.create_index("ix_form_submission_key_submitted_at", "form_submission", ["form_key", "submitted_at"])
    op.create_table(
        "measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric_key", sa.String(length=100), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["user_account.id"], name=op.f("fk_measurement_entered_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_measurement_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement")),
        sa.UniqueConstraint("metric_key", "site_id", "period", name=op.f("uq_measurement_metric_key")),
    )
    op.create_index("ix_measurement_site_metric_period", "measurement", ["site_id", "metric_key", "period"])
    op.create_table(
        "metric_site_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("metric_key", sa.String(length=100), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.Double(), nullable=False),
        sa.Column("warning", sa.Double(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["user_account.id"], name=op.f("fk_metric_site_target_set_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_metric_site_target_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metric_site_target")),
        sa.UniqueConstraint("metric_key", "site_id", name=op.f("uq_metric_site_target_metric_key")),
    )


def downgrade():
    op.drop_table("metric_site_target")
    op.drop_index("ix_measurement_site_metric_period", table_name="measurement")
    op.drop_table("measurement")
    op.drop_index("ix_form_submission_key_submitted_at", table_name="form_submission")
    op.drop_index("ix_form_submission_key_site_period", table_name="form_submission")
    op.drop_table("form_submission")
    op.drop_table("form_version")
