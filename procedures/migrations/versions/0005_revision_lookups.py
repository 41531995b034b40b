"""a procedure's revisions by state, and a person's edited revisions, indexed

Revision ID: proc_0005_revision_lookups
Revises: proc_0004
Create Date: 2026-12-06

The revisions a head may approve are found from their department's procedures (717 of them at the
large demo size): each procedure's revisions were read, superseded ones and all (2,862 rows,
~7 ms), to keep the few in review; now one seek a procedure. The revisions a person edited
(which they may not approve) were found by reading the whole editor table.
"""

from alembic import op

revision = "proc_0005_revision_lookups"
down_revision = "proc_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_procedure_revision_procedure_state", "procedure_revision", ["procedure_id", "state"])
    op.create_index(
        "ix_procedure_revision_editor_user_revision", "procedure_revision_editor", ["user_id", "revision_id"]
    )


def downgrade():
    op.drop_index("ix_procedure_revision_editor_user_revision", table_name="procedure_revision_editor")
    op.drop_index("ix_procedure_revision_procedure_state", table_name="procedure_revision")
