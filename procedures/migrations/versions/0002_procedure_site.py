"""a procedure may belong to one site (no site: group-wide)

Revision ID: proc_0002
Revises: proc_0001
Create Date: 2026-12-04

Existing procedures stay group-wide: they were approved by the group's heads.
"""

import sqlalchemy as sa
from alembic import op

revision = "proc_0002"
down_revision = "proc_0001"
branch_labels = None
depends_on = "0004_dealer_group"


def upgrade():
    with op.batch_alter_table("procedure") as batch_op:
        batch_op.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_procedure_site_id_site"), "site", ["site_id"], ["id"])
        batch_op.create_index("ix_procedure_site_id", ["site_id"])


def downgrade():
    with op.batch_alter_table("procedure") as batch_op:
        batch_op.drop_index("ix_procedure_site_id")
        batch_op.drop_constraint(op.f("fk_procedure_site_id_site"), type_="foreignkey")
        batch_op.drop_column("site_id")
