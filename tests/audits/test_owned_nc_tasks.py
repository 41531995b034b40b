"""The NCs in their owner's inbox (issue #20): those waiting for a next step come by state from
the `(owner_id, state, due_date, id)` index. They were read from all the NCs the owner had, closed
ones included, and sorted: the demo's head0001 owns 4,187 at large (10.6 ms for the first 20
and 3.5 ms for the count; 0.1 ms now)."""

from __future__ import annotations

from audits import tasks
from core.database import db
from tests.audits.conftest import user
from tests.query_plans import postgres_plan, sqlite_plan

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


def test_an_owners_waiting_ncs_come_by_state_from_the_index_not_from_all_they_own(app, users):
    with app.app_context():
        query = tasks._owned_waiting_query(user("head")).limit(20)
        listing = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            plan = sqlite_plan(listing, LARGE_STATISTICS)
            assert (
                "SEARCH nonconformity USING INDEX ix_nonconformity_owner_state_due (owner_id=? AND state=?)" in plan
            ), plan
            assert not [step for step in plan if step.startswith("SCAN")], plan
        else:
            plan = postgres_plan(listing)
            assert "ix_nonconformity_owner_state_due" in plan, plan
            assert "Seq Scan" not in plan, plan
