"""a procedure's revisions by state and effective date, and by state and submission, indexed

Revision ID: proc_0006_effective_order
Revises: proc_0005_revision_lookups
Create Date: 2026-12-06

The revisions a person is to read are sorted by effective date, those waiting for approval by the
time they were submitted. On SQLite each revision's row holds its text before its dates, so
reading the date of each candidate walked that text: 700 revisions to read for everyone at the
large demo size (3.2 ms of every dashboard and task list), 253 in review for a quality officer.
With the dates in the indexes, the revisions to read are sorted on the index that finds each
procedure's effective one, and the revisions in review come in submission order from theirs:
only the rows listed are read. Each index replaces the one it begins with.
"""

from alembic import op

revision = "proc_0006_effective_order"
down_revision = "proc_0005_revision_lookups"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_procedure_revision_procedure_state_effective",
        "procedure_revision",
        ["procedure_id", "state", "effective_date"],
    )
    op.drop_index("ix_procedure_revision_procedure_state", table_name="procedure_revision")
    op.create_index("ix_procedure_revision_state_submitted", "procedure_revision", ["state", "submitted_at"])
    op.drop_index("ix_procedure_revision_state", table_name="procedure_revision")
    _analyse()


def downgrade():
    op.create_index("ix_procedure_revision_state", "procedure_revision", ["state"])
    op.drop_index("ix_procedure_revision_state_submitted", table_name="procedure_revision")
    op.create_index("ix_procedure_revision_procedure_state", "procedure_revision", ["procedure_id", "state"])
    op.drop_index("ix_procedure_revision_procedure_state_effective", table_name="procedure_revision")
    _analyse()


def _analyse():
    # SQLite plans by the statistics ANALYZE keeps, and a new index has none until the table
    # doubles (core.planner_statistics): taken now, sampled, so the planner knows it at once.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("PRAGMA analysis_limit = 1000")
        op.execute("ANALYZE procedure_revision")
