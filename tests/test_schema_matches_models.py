"""The models and the migrations describe one schema: Alembic's autogenerate, run against
a freshly upgraded database, finds nothing to do beyond the differences listed here. Start-up
work moves where and when the models are imported (issue #20); a model module that no longer
reaches the metadata shows up here as a table to drop."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.database import db

# The search index keeps its own tables (SQLite's FTS5 tables, PostgreSQL's tsvector index),
# made by its migration in plain SQL and never mapped.
SEARCH_TABLES = "search_"

# Known before this test existed, and each harmless: 0012 named the unique constraint after all
# three columns, the naming convention names it after the first; SQLite reflects a DOUBLE
# column as FLOAT.
KNOWN = {
    ("remove_constraint", "metric_pending_recompute", "uq_metric_pending_recompute_metric_key_site_id_period"),
    ("add_constraint", "metric_pending_recompute", "uq_metric_pending_recompute_metric_key"),
}
KNOWN_ON_SQLITE = {
    ("modify_type", "audit_checklist", "pass_threshold"),
    ("modify_type", "audit_item", "weight"),
    ("modify_type", "audit_item", "points"),
}


def outside_the_search_index(name, type_, parent_names) -> bool:
    table = name if type_ == "table" else parent_names.get("table_name")
    return not (table or "").startswith(SEARCH_TABLES)


def described(difference) -> tuple:
    """One autogenerate difference as (operation, table, name) — what a reader of a failure needs."""
    if isinstance(difference, list):  # column changes come grouped
        (operation, _schema, table, column, *_rest), *_ = difference
        return (operation, table, column)
    operation, item = difference[0], difference[1]
    table = getattr(item, "table", None)
    if operation.endswith("_table"):
        return (operation, item.name, None)
    if operation.endswith("_column"):
        return (operation, difference[2], difference[3].name)
    return (operation, table.name if table is not None else None, item.name)


def test_the_migrated_schema_is_the_one_the_models_describe(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": outside_the_search_index})
        differences = {described(difference) for difference in compare_metadata(context, db.metadata)}
        expected = KNOWN | (KNOWN_ON_SQLITE if connection.dialect.name == "sqlite" else set())
    assert differences == expected
