"""The audit list, the NC list and "My actions" cost the same with ten records or ten thousand
(issue #20): the audit list sums its rows' progress in SQL instead of loading their checklists,
the lists page without counting every record they could show, and "My actions" shows the
earliest due of each list instead of all of them. What they show stays each reader's own."""

from __future__ import annotations

import re
from datetime import timedelta

from audits.models import AuditItem
from audits.services import actions
from audits.services import nonconformities as ncs
from core.clock import today
from core.database import commit
from tests.audits.conftest import planned, record, started, user
from tests.audits.test_scope import FIVE_WHY
from tests.audits.test_scope import world as world  # a fixture: MAIN and NORTH with their people
from tests.statements import loaded, statements


def _counts_of(seen: list[str], table: str) -> list[str]:
    """The statements that count every row of ``table`` a list could show (paginate's "page 3 of
    66"); the menu's capped counts stop at a limit and are not the list's."""
    return [s for s in seen if re.search(rf"count\(\*\).*FROM {table}\b", s, re.S) and "LIMIT" not in s]


def test_the_audit_list_shows_each_audits_progress_without_loading_checklists(world, client_as):
    with world.app_context():
        begun = started(title="Showroom walk")
        record(begun, 0, "conforming")
        record(begun, 1, "observation")
        started(title="Second walk")
        planned(title="Next month", planned_date=today() + timedelta(days=30))
        north = planned(
            actor="north.qo", title="North walk", site="NORTH", lead_auditor="north.qo", auditors=[]
        ).reference
    client = client_as("qo")
    with loaded(AuditItem) as items, statements(world) as seen:
        page = client.get("/audits/").get_data(as_text=True)
    assert items == []
    assert _counts_of(seen, "audit") == []
    rows = {re.search(r'href="/audits/([^"]+)"', row).group(1): row for row in page.split("<tr>")[2:] if "</a>" in row}
    progress = {ref: re.search(r'<td class="num">([^<]+)</td>', row).group(1) for ref, row in rows.items()}
    assert sorted(progress.values()) == ["0/0", "0/3", "2/3"]
    assert north not in page
    # The other site's reader sees only their own site's audit, with the same columns.
    assert north in client_as("north.qo").get("/audits/").get_data(as_text=True)
    for reference in progress:
        assert reference not in client_as("north.qo").get("/audits/").get_data(as_text=True)


def _raise(title, site="MAIN", actor="qo"):
    nc = ncs.raise_nonconformity(
        user(actor), title=title, description="", severity="minor", site=site, department="SALES"
    )
    commit()
    return nc


def test_the_nc_list_pages_on_without_counting_every_nonconformity(world, client_as, monkeypatch):
    monkeypatch.setattr("audits.views.nonconformities.PER_PAGE", 2)
    with world.app_context():
        for title in ("First", "Second", "Third"):
            _raise(title)
        _raise("Far away", site="NORTH", actor="north.qo")
    client = client_as("head")
    with statements(world) as seen:
        first = client.get("/nonconformities/").get_data(as_text=True)
    assert _counts_of(seen, "nonconformity") == []
    assert "Third" in first and "Second" in first and "First" not in first
    assert "Page 1" in first and "Page 1 of" not in first and 'rel="next"' in first
    second = client.get("/nonconformities/?page=2").get_data(as_text=True)
    assert "First" in second and "Far away" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # A list that fits on one page shows no pager at all.
    assert 'class="pager"' not in client_as("north.sales.head").get("/nonconformities/").get_data(as_text=True)


def test_my_actions_shows_the_earliest_due_of_each_list_and_says_there_are_more(world, client_as, monkeypatch):
    monkeypatch.setattr("audits.views.actions.PER_PAGE", 2)
    with world.app_context():
        nc = _raise("Slow greeting")
        ncs.transition(user("qo"), nc, to="contained", containment="Door", row_version=nc.row_version)
        ncs.transition(user("qo"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
        for day in (3, 1, 2):
            actions.add_action(
                user("qo"), nc, description=f"Step due in {day}", owner="head", due_date=today() + timedelta(days=day)
            )
        commit()
    page = client_as("head").get("/actions/mine").get_data(as_text=True)
    assert "Step due in 1" in page and "Step due in 2" in page and "Step due in 3" not in page
    assert "The 2 earliest due are shown; the export lists them all." in page
    monkeypatch.setattr("audits.views.actions.PER_PAGE", 3)
    page = client_as("head").get("/actions/mine").get_data(as_text=True)
    assert "Step due in 3" in page and "earliest due are shown" not in page


def test_my_own_actions_are_the_earliest_due_of_both_states_read_through_the_owners_index(world):
    """Open and done (waiting for a verifier) both count as one's own; each state is a window of the
    (owner, state, due date) index, where "state IN (open, done)" read and sorted every action the
    owner ever had, verified ones included."""
    from core.database import db

    with world.app_context():
        nc = _raise("Slow greeting")
        ncs.transition(user("qo"), nc, to="contained", containment="Door", row_version=nc.row_version)
        ncs.transition(user("qo"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
        owned = {
            day: actions.add_action(
                user("qo"), nc, description=f"Due in {day}", owner="head", due_date=today() + timedelta(days=day)
            )
            for day in (1, 2, 3, 4)
        }
        commit()
        for day in (2, 4):
            actions.complete_action(user("head"), owned[day], note="Done", row_version=owned[day].row_version)
        commit()
        head = user("head")
        with statements(world) as seen:
            earliest = actions.my_actions(head, limit=3)
        listing = next(sql for sql in seen if sql.startswith("SELECT corrective_action."))
        assert [action.description for action in earliest] == ["Due in 1", "Due in 2", "Due in 3"]
        if db.engine.dialect.name == "sqlite":
            # Which values fill the placeholders does not change the plan.
            placeholders = (None,) * listing.count("?")
            explained = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}", placeholders)
            plan = " ".join(str(row[-1]) for row in explained)
            # A window per state; one "state IN (…)" search would read all of both and sort them.
            assert plan.count("ix_corrective_action_owner_state_due (owner_id=? AND state=?)") == 2
