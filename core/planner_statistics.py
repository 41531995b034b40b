"""The query planner's statistics on SQLite, kept fresh by ``dealerqms init`` and ``tick``.

Every page that reads "the reader's first 50" leans on the planner picking the index that
starts from the reader's few rows (issue #20). SQLite picks by its statistics
(``sqlite_stat1``), which only ``ANALYZE`` writes and nothing runs by itself: an instance
that grew from nothing to a dealer group's data kept planning as for empty tables, and some
panels then walked every action of the group. PostgreSQL's autovacuum analyses on its own.

A table is analysed again when it has no statistics yet or has grown to twice the rows
they were taken at; its size is read from its largest rowid (one index step), so a tick
costs a few milliseconds whatever the data. ``analysis_limit`` samples each index instead
of reading it whole (SQLite's advice for applications), so a large table takes a moment.
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from core.database import commit, db

log = logging.getLogger("dealerqms")

# Rows an index is sampled by (SQLite recommends a few hundred to a thousand).
ANALYSIS_LIMIT = 1000
# Analysed again once a table has grown to this many times the rows its statistics know.
GROWTH = 2


def stale_tables() -> list[str]:
    """The SQLite tables with indexes whose statistics are missing or were taken at under half their rows."""
    connection = db.session.connection()
    known: dict[str, int] = {}
    if _has_statistics_table():
        for table, stat in connection.execute(text("SELECT tbl, stat FROM sqlite_stat1 WHERE idx IS NOT NULL")):
            known[table] = int(stat.split()[0])
    stale = []
    for (table,) in connection.execute(
        text(
            # Tables without a rowid (full-text search's own) have no size to read this way.
            "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name IN "
            "(SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND sql NOT LIKE '%WITHOUT ROWID%') ORDER BY tbl_name"
        )
    ):
        rows = connection.execute(text(f'SELECT max(rowid) FROM "{table}"')).scalar() or 0
        if rows and (table not in known or rows >= GROWTH * max(known[table], 1)):
            stale.append(table)
    return stale


def _has_statistics_table() -> bool:
    return (
        db.session.connection()
        .execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"))
        .first()
        is not None
    )


def refresh() -> list[str]:
    """Analyse the stale tables (SQLite; nothing on other databases). Returns what was analysed."""
    if db.session.get_bind().dialect.name != "sqlite":
        return []
    stale = stale_tables()
    if stale:
        connection = db.session.connection()
        connection.execute(text(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}"))
        for table in stale:
            connection.execute(text(f'ANALYZE "{table}"'))
        commit()
        log.info("query planner statistics refreshed: %s", ", ".join(stale))
    return stale
