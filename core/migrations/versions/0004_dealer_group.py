"""a dealer group: each site's departments with their own heads, site time zones

Revision ID: 0004_dealer_group
Revises: 0003_jobs
Create Date: 2026-12-04

A department had one head for the whole group (``department.head_id``). Now
each site's department has its own head and deputy (``department_head``), and
a head without a site heads the function group-wide. Each existing head
becomes head of their department at the site where they work, or group-level
head when they belong to the group office; the migration logs each move.
"""

import logging

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0004_dealer_group"
down_revision = "0003_jobs"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _instance_zone() -> str:
    try:
        return current_app.config.get("DEALERQMS_TIME_ZONE") or "Asia/Shanghai"
    except RuntimeError:  # outside an app (plain alembic)
        return "Asia/Shanghai"


def upgrade():
    with op.batch_alter_table("site") as batch_op:
        batch_op.add_column(
            sa.Column("time_zone", sa.String(length=64), nullable=False, server_default=_instance_zone())
        )

    op.create_table(
        "department_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("head_id", sa.Integer(), nullable=True),
        sa.Column("deputy_id", sa.Integer(), nullable=True),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_department_head_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_department_head_site_id_site")),
        sa.ForeignKeyConstraint(["head_id"], ["user_account.id"], name=op.f("fk_department_head_head_id_user_account")),
        sa.ForeignKeyConstraint(
            ["deputy_id"], ["user_account.id"], name=op.f("fk_department_head_deputy_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department_head")),
        sa.UniqueConstraint("department_id", "site_id", name="uq_department_head_department_id_site_id"),
    )
    op.create_index("ix_department_head_site_id", "department_head", ["site_id"])
    op.create_index("ix_department_head_head_id", "department_head", ["head_id"])
    op.create_index("ix_department_head_deputy_id", "department_head", ["deputy_id"])
    op.create_index(
        "uq_department_head_group",
        "department_head",
        ["department_id"],
        unique=True,
        sqlite_where=sa.text("site_id IS NULL"),
        postgresql_where=sa.text("site_id IS NULL"),
    )

    connection = op.get_bind()
    heads = connection.execute(
        sa.text(
            "SELECT d.id, d.code, u.id, u.login, u.site_id, s.code FROM department d "
            "JOIN user_account u ON u.id = d.head_id LEFT JOIN site s ON s.id = u.site_id ORDER BY d.code"
        )
    ).all()
    for department_id, department_code, user_id, login, site_id, site_code in heads:
        connection.execute(
            sa.text(
                "INSERT INTO department_head (department_id, site_id, head_id, row_version) "
                "VALUES (:department, :site, :head, 1)"
            ),
            {"department": department_id, "site": site_id, "head": user_id},
        )
        where = f"at site {site_code}" if site_code else "group-wide (a member of the group office)"
        log.info("Department %s: %s is now its head %s.", department_code, login, where)
    if not heads:
        log.info("No department had a head: nothing moved.")

    with op.batch_alter_table("department") as batch_op:
        batch_op.drop_constraint(op.f("fk_department_head_id_user_account"), type_="foreignkey")
        batch_op.drop_column("head_id")


def downgrade():
    with op.batch_alter_table("department") as batch_op:
        batch_op.add_column(sa.Column("head_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_department_head_id_user_account"), "user_account", ["head_id"], ["id"])
    # One head per department again: the group-level one, else the first site's.
    op.execute(
        "UPDATE department SET head_id = (SELECT h.head_id FROM department_head h "
        "WHERE h.department_id = department.id AND h.head_id IS NOT NULL "
        "ORDER BY h.site_id IS NOT NULL, h.site_id LIMIT 1)"
    )
    op.drop_table("department_head")
    with op.batch_alter_table("site") as batch_op:
        batch_op.drop_column("time_zone")
