"""who wrote a revision's text: its author and everyone who edited the draft

Revision ID: proc_0003
Revises: proc_0002
Create Date: 2026-12-04

Whoever changed the text of a revision may not approve it. Existing revisions
start with their author; earlier edits by others are in the trail only.
"""

import sqlalchemy as sa
from alembic import op

revision = "proc_0003"
down_revision = "proc_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "procedure_revision_editor",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["procedure_revision.id"],
            name=op.f("fk_procedure_revision_editor_revision_id_procedure_revision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_procedure_revision_editor_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("revision_id", "user_id", name=op.f("pk_procedure_revision_editor")),
    )
    op.execute(
        "INSERT INTO procedure_revision_editor (revision_id, user_id) "
        "SELECT id, author_id FROM procedure_revision WHERE author_id IS NOT NULL"
    )


def downgrade():
    op.drop_table("procedure_revision_editor")
