"""who must read each procedure, one row per department or role of its distribution

Revision ID: proc_0004
Revises: proc_0003
Create Date: 2026-12-06

The revisions a person owes are found through this table's index by their department and roles,
where the distribution's JSON was read for every effective revision of the group. Filled from the
existing distributions (5,010 procedures at the large demo size: well under a second).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "proc_0004"
down_revision = "proc_0003"
branch_labels = None
depends_on = None


def upgrade():
    reader = op.create_table(
        "procedure_reader",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedure.id"],
            name=op.f("fk_procedure_reader_procedure_id_procedure"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("kind", "name", "procedure_id", name=op.f("pk_procedure_reader")),
    )
    connection = op.get_bind()
    rows = []
    for procedure_id, distribution in connection.execute(sa.text("SELECT id, distribution FROM procedure")):
        if isinstance(distribution, str):
            distribution = json.loads(distribution)
        for kind in ("departments", "roles"):
            for name in sorted({str(name) for name in (distribution or {}).get(kind) or ()}):
                rows.append({"kind": kind, "name": name, "procedure_id": procedure_id})
    if rows:
        op.bulk_insert(reader, rows)


def downgrade():
    op.drop_table("procedure_reader")
