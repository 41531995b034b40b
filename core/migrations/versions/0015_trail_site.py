"""the trail event knows its site: who may read it, tested on the event itself

Revision ID: 0015_trail_site
Revises: 0014_trail_reader_indexes
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_trail_site"
down_revision = "0014_trail_reader_indexes"
branch_labels = None
depends_on = None

# The entity types whose records have a site of their own, and their tables, as they were at
# this revision (a migration does not read today's models). One set-based UPDATE per type.
OWN_SITE = {
    "audit": "audit",
    "complaint_number": "complaint_number",
    "department_head": "department_head",
    "form_due": "form_due",
    "form_schedule": "form_schedule",
    "form_submission": "form_submission",
    "improvement": "improvement",
    "inspection": "inspection",
    "inspection_schedule": "inspection_schedule",
    "management_review": "management_review",
    "measurement": "measurement",
    "metric_site_target": "metric_site_target",
    "nonconformity": "nonconformity",
    "objective": "quality_objective",
    "procedure": "procedure",
    "programme_entry": "audit_programme_entry",
    "recheck": "recheck",
    "survey_follow_up": "survey_follow_up",
    "survey_token": "survey_token",
    "user": "user_account",
}


# (entity type, table, parent table, the key to the parent): the types whose site is their parent's.
THROUGH_PARENT = (
    ("procedure_revision", "procedure_revision", "procedure", "procedure_id"),
    ("audit_checklist", "audit_checklist", "audit", "audit_id"),
    ("audit_item", "audit_item", "audit", "audit_id"),
    ("corrective_action", "corrective_action", "nonconformity", "nonconformity_id"),
)

# The hashed columns: no statement may change them (21 CFR Part 11 11.10(e)); site_id is the
# trail's index of readers, not its content, and is set again when a record moves.
HASHED = "seq, at, actor, action, entity_type, entity_id, changes, reason, prev_hash, hash"
PG_GUARD = """CREATE OR REPLACE FUNCTION trail_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'trail events are append-only';
END $$""".format(
    new=", ".join(f"NEW.{column}" for column in HASHED.split(", ")),
    old=", ".join(f"OLD.{column}" for column in HASHED.split(", ")),
)
PG_GUARD_BEFORE = (
    "CREATE OR REPLACE FUNCTION trail_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'trail events are append-only'; END $$"
)


def _guard_hashed_columns_only() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS trail_event_no_update")
        op.execute(
            f"CREATE TRIGGER trail_event_no_update BEFORE UPDATE OF {HASHED} ON trail_event "
            "BEGIN SELECT RAISE(ABORT, 'trail events are append-only'); END"
        )
    else:
        op.execute(PG_GUARD)


def _table_exists(name: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade():
    op.add_column("trail_event", sa.Column("site_id", sa.Integer(), nullable=True))
    _guard_hashed_columns_only()
    bind = op.get_bind()
    # A deleted record's site: the first value of its deletion's "site_id" change.
    deleted_site = (
        "CAST(json_extract(d.changes, '$.site_id[0]') AS INTEGER)"
        if bind.dialect.name == "sqlite"
        else "CAST((CAST(d.changes AS json) -> 'site_id' ->> 0) AS INTEGER)"
    )
    for entity_type, table in OWN_SITE.items():
        if not _table_exists(table):
            continue
        bind.execute(
            sa.text(
                f"UPDATE trail_event SET site_id = (SELECT t.site_id FROM {table} t "
                "WHERE t.id = CAST(trail_event.entity_id AS INTEGER)) WHERE entity_type = :entity_type"
            ),
            {"entity_type": entity_type},
        )
        bind.execute(
            sa.text(
                f"UPDATE trail_event SET site_id = (SELECT {deleted_site} FROM trail_event d "
                "WHERE d.entity_type = trail_event.entity_type AND d.entity_id = trail_event.entity_id "
                "AND d.action = 'delete') WHERE entity_type = :entity_type AND site_id IS NULL"
            ),
            {"entity_type": entity_type},
        )
    # A record whose site is its parent's: a revision its procedure's, an audit's checklist and
    # item the audit's, an NC's action the NC's.
    for entity_type, table, parent, key in THROUGH_PARENT:
        if not (_table_exists(table) and _table_exists(parent)):
            continue
        bind.execute(
            sa.text(
                f"UPDATE trail_event SET site_id = (SELECT p.site_id FROM {table} r "
                f"JOIN {parent} p ON p.id = r.{key} WHERE r.id = CAST(trail_event.entity_id AS INTEGER)) "
                "WHERE entity_type = :entity_type"
            ),
            {"entity_type": entity_type},
        )
    # A signature has the site of what was signed, as its newest event keeps it.
    bind.execute(
        sa.text(
            "UPDATE trail_event SET site_id = (SELECT e.site_id FROM signature s JOIN trail_event e "
            "ON e.entity_type = s.entity_type AND e.entity_id = s.entity_id "
            "WHERE s.id = CAST(trail_event.entity_id AS INTEGER) ORDER BY e.seq DESC LIMIT 1) "
            "WHERE entity_type = 'signature'"
        )
    )
    op.create_index("ix_trail_event_type_site", "trail_event", ["entity_type", "site_id", "seq"])
    op.create_index("ix_trail_event_type", "trail_event", ["entity_type", "seq"])


def downgrade():
    op.drop_index("ix_trail_event_type", table_name="trail_event")
    op.drop_index("ix_trail_event_type_site", table_name="trail_event")
    if op.get_bind().dialect.name == "sqlite":
        # Dropping a column rewrites the table on SQLite: the guards go first, come back after.
        op.execute("DROP TRIGGER IF EXISTS trail_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS trail_event_no_delete")
        op.drop_column("trail_event", "site_id")
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER trail_event_no_{verb.lower()} BEFORE {verb} ON trail_event "
                "BEGIN SELECT RAISE(ABORT, 'trail events are append-only'); END"
            )
    else:
        op.drop_column("trail_event", "site_id")
        op.execute(PG_GUARD_BEFORE)
