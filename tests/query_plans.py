"""Reading the plan a database makes for a query, for the tests that hold a page's query to an
index: SQLite's ``EXPLAIN QUERY PLAN`` steps, PostgreSQL's ``EXPLAIN`` text."""

from __future__ import annotations

from collections.abc import Iterable

from core.database import db


def sqlite_plan(listing: str, statistics: Iterable[tuple[str, str, str]] = (), parameters=()) -> list[str]:
    """SQLite's steps for ``listing`` (SQL with its values, or with ``parameters``), planned with
    ``statistics`` — rows of ``sqlite_stat1`` (table, index, stat), e.g. what ANALYZE keeps of the
    large demo — when given: a test's near-empty tables make reading everything as good a plan as any."""
    connection = db.session.connection()
    statistics = list(statistics)
    if not statistics:
        return [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}", parameters)]
    connection.exec_driver_sql("ANALYZE")
    try:
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        for row in statistics:
            connection.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", row)
        connection.exec_driver_sql("ANALYZE sqlite_schema")
        return [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}", parameters)]
    finally:
        # The other tests plan without statistics, as before.
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        connection.exec_driver_sql("ANALYZE sqlite_schema")


def postgres_plan(listing: str, parameters=None) -> str:
    """PostgreSQL's plan for ``listing`` (SQL with its values, or with ``parameters``) with
    sequential scans priced out (for this transaction): a test's tables are tiny, and the plan then
    shows which indexes the query can use."""
    connection = db.session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    if parameters is None:
        listing = listing.replace("%", "%%")
    return "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {listing}", parameters))
