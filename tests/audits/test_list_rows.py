"""The audit list, the NC list and "My actions" cost the same per page whatever the rows they show
(issue #20): a page of 50 rows made 50 audits (or NCs, or actions) with their sites, departments,
owners and lead auditors, and wrote each row's link with ``url_for``, so ``large`` (50 rows) cost
twice ``small`` (10 rows). The pages now read the columns they show; what each row shows, and to
whom, is what it was."""

from __future__ import annotations

import re
from datetime import timedelta

from audits.models import Audit, AuditAuditor, AuditDepartment, CorrectiveAction, Nonconformity
from audits.services import actions
from audits.services import nonconformities as ncs
from core.accounts.models import Site
from core.clock import today
from core.database import commit, db
from core.times import site_today
from tests.audits.conftest import planned, record, started, user
from tests.audits.test_scope import FIVE_WHY
from tests.audits.test_scope import world as world  # a fixture: MAIN and NORTH with their people
from tests.statements import loaded, statements

PAGES = ("/audits/", "/nonconformities/", "/actions/mine")
ROW_MODELS = (Audit, AuditDepartment, AuditAuditor, Nonconformity, CorrectiveAction)


def _raise(title, site="MAIN", actor="qo", owner=None):
    nc = ncs.raise_nonconformity(
        user(actor), title=title, description="", severity="major", site=site, department="SALES", owner=owner
    )
    commit()
    return nc


def _done_action(nc, description):
    """An action the head owns and has done: the head's own list, the quality officer's to verify."""
    ncs.transition(user("qo"), nc, to="contained", containment="Door", row_version=nc.row_version)
    ncs.transition(user("qo"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
    action = actions.add_action(
        user("qo"), nc, description=description, owner="head", due_date=today() + timedelta(days=5)
    )
    commit()
    actions.complete_action(user("head"), action, note="Done", row_version=action.row_version)
    commit()
    return action


def _records(count, start=0):
    for number in range(start, start + count):
        planned(title=f"Walk {number}")
        _done_action(_raise(f"Slow greeting {number}"), f"Rota {number}")


def _cost(app, client, path):
    client.get(path)  # a client's first page also renews its session
    with loaded(*ROW_MODELS) as made, statements(app) as seen:
        assert client.get(path).status_code == 200
    return len(seen), len(made)


def test_the_lists_make_no_record_per_row_and_take_the_same_statements_for_more_rows(world, client_as):
    with world.app_context():
        _records(2)
    readers = {path: client_as("qo" if path != "/actions/mine" else "head") for path in PAGES}
    few = {path: _cost(world, readers[path], path) for path in PAGES}
    with world.app_context():
        _records(6, start=2)
    many = {path: _cost(world, readers[path], path) for path in PAGES}
    for path in PAGES:
        assert many[path][1] == 0, f"{path} made a record per row"
        assert many[path][0] == few[path][0], f"{path} took more statements for more rows"
    verify = client_as("qo").get("/actions/mine").get_data(as_text=True)
    assert verify.count("Rota ") == 8
    assert _cost(world, client_as("qo"), "/actions/mine")[1] == 0


def _row_of(page, text):
    return next(row for row in page.split("<tr>") if text in row)


def test_each_row_shows_its_columns_and_links_to_its_record(world, client_as, app):
    with world.app_context():
        walk = started(title="Showroom walk", departments=["SALES", "AFTERSALES"])
        record(walk, 0, "conforming")
        record(walk, 1, "observation")
        reference, planned_on = walk.reference, str(walk.planned_date)
        lead = user("auditor").display_name
        late = _raise("Late greeting", owner="head")
        late.due_date = today() - timedelta(days=1)
        unowned = _raise("Nobody's")
        unowned.owner_id, unowned.due_date = None, today() + timedelta(days=9)
        # NORTH keeps Los Angeles' day: a due date is judged by the NC's own site's day.
        db.session.get(Site, user("north.qo").site_id).time_zone = "America/Los_Angeles"
        north = _raise("North greeting", site="NORTH", actor="north.qo")
        north.due_date = today() - timedelta(days=1)
        north_overdue = north.due_date < site_today(north.site)
        late_ref, unowned_ref, north_ref = late.reference, unowned.reference, north.reference
        commit()
        owner = user("head").display_name

    audits_page = client_as("qo").get("/audits/").get_data(as_text=True)
    row = _row_of(audits_page, reference)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert f'href="/audits/{reference}"' in cells[0]
    assert cells[1:6] == ["Showroom walk", "MAIN", "AFTERSALES, SALES", planned_on, lead]
    assert 'class="badge state-in_progress">in progress<' in cells[6]
    assert cells[7] == "2/3"

    ncs_page = client_as("qo").get("/nonconformities/").get_data(as_text=True)
    late_row = _row_of(ncs_page, late_ref)
    assert f'href="/nonconformities/{late_ref}"' in late_row
    assert f"<td>{owner}</td>" in late_row and "overdue-date" in late_row and "<td>major</td>" in late_row
    unowned_row = _row_of(ncs_page, unowned_ref)
    assert "<td>—</td>" in unowned_row and "overdue-date" not in unowned_row
    # The group's quality officer reads NORTH's NCs, each judged on NORTH's day.
    assert north_ref not in ncs_page
    north_page = client_as("north.qo").get("/nonconformities/").get_data(as_text=True)
    assert ("overdue-date" in _row_of(north_page, north_ref)) is north_overdue
    assert late_ref not in north_page


def test_my_actions_rows_show_the_action_its_owner_and_whether_it_is_overdue(world, client_as):
    with world.app_context():
        done = _done_action(_raise("Slow greeting"), "Rota")
        nc = _raise("Dirty floor")
        ncs.transition(user("qo"), nc, to="contained", containment="Mop", row_version=nc.row_version)
        ncs.transition(user("qo"), nc, to="root_cause_identified", root_cause=FIVE_WHY, row_version=nc.row_version)
        late = actions.add_action(user("qo"), nc, description="Clean", owner="head", due_date=today() + timedelta(1))
        commit()
        late.due_date = today() - timedelta(days=2)
        commit()
        done_id, done_label, late_id, late_label = done.id, done.label, late.id, late.label
        owner = user("head").display_name
    mine = client_as("head").get("/actions/mine").get_data(as_text=True)
    late_row = _row_of(mine, late_label)
    assert f'href="/actions/{late_id}"' in late_row and "overdue-date" in late_row and "Clean" in late_row
    done_row = _row_of(mine, done_label)
    assert f'href="/actions/{done_id}"' in done_row and "overdue-date" not in done_row
    verify = client_as("qo").get("/actions/mine").get_data(as_text=True)
    verify_row = _row_of(verify, done_label)
    assert f"<td>{owner}</td>" in verify_row
    assert late_label not in verify  # open: nothing to verify yet
    # Another site's quality officer verifies nothing of MAIN's.
    assert done_label not in client_as("north.qo").get("/actions/mine").get_data(as_text=True)


def test_links_are_those_url_for_writes(app):
    from flask import url_for

    from core.web.links import Links

    with app.test_request_context():
        to_audit = Links("audits.audit", "reference")
        to_action = Links("audits.action", "action_id")
        for reference in ("AUD-2026-001", "a b/é?#", "x&y=z"):
            assert to_audit(reference) == url_for("audits.audit", reference=reference)
        for action_id in (1, 7391046285917364, 42):
            assert to_action(action_id) == url_for("audits.action", action_id=action_id)
