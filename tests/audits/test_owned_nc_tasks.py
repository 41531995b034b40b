"""The NCs in their owner's inbox (issue #20): those waiting for a next step come by state from
the `(owner_id, state, due_date, id)` index. They were read from all the NCs the owner had, closed
ones included, and sorted: the demo's head0001 owns 4,187 at large (10.6 ms for the first 20
and 3.5 ms for the count; 0.1 ms now)."""

from __future__ import annotations

from audits import tasks
from core.database import db
from tests.audits.conftest import user

# What ANALYZE keeps of the large demo's NCs: the plan the query gets there, where this test's
# empty table would make reading it all as good as any way.
LARGE_STATISTICS = [
    ("nonconformity", "ix_nonconformity_owner_id", "20000 58"),
    ("nonconformity", "ix_nonconformity_owner_state_due", "20000 58 10 2 1"),
    ("nonconformity", "ix_nonconformity_state", "20000 3334"),
    ("nonconformity", "ix_nonconformity_due_date", "20000 27"),
    ("nonconformity", "ix_nonconformity_site_id", "20000 400"),
    ("nonconformity", "ix_nonconformity_raised_at", "20000 1 1"),
]


def _sqlite_plan_at_large(listing: str) -> list[str]:
    connection = db.session.connection()
    connection.exec_driver_sql("ANALYZE")
    try:
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        for row in LARGE_STATISTICS:
            connection.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", row)
        connection.exec_driver_sql("ANALYZE sqlite_schema")
        return [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}")]
    finally:
        # The other tests plan without statistics, as before.
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        connection.exec_driver_sql("ANALYZE sqlite_schema")


def test_an_owners_waiting_ncs_come_by_state_from_the_index_not_from_all_they_own(app, users):
    with app.app_context():
        query = tasks._owned_waiting_query(user("head")).limit(20)
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        connection = db.session.connection()
        if db.engine.dialect.name == "sqlite":
            plan = _sqlite_plan_at_large(listing)
            assert (
                "SEARCH nonconformity USING INDEX ix_nonconformity_owner_state_due (owner_id=? AND state=?)" in plan
            ), plan
            assert not [step for step in plan if step.startswith("SCAN")], plan
        else:
            # The test's table is tiny: with sequential scans priced out, the plan shows which
            # index the query can use.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {listing.replace('%', '%%')}"))
            assert "ix_nonconformity_owner_state_due" in plan, plan
            assert "Seq Scan" not in plan, plan
