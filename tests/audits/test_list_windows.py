"""The NC list and the audit list read a site reader's page through indexes (issue #20): they walked
the group's rows in list order until a page of the reader's had come by — one row in 50 for a site's
quality officer at the large demo size, so the page's cost grew with the group. Now each branch of
the reader's rule (their site's rows, the ones they raised, own, lead or are on) is a window in list
order through its own index, and the page is the first rows of their union: the same rows in the
same order, with every filter, and never another site's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from audits.models import Audit, Nonconformity
from audits.services import audits as audit_services
from audits.services import nonconformities as ncs
from core.clock import today
from core.database import commit, db
from core.errors import Forbidden
from tests.audits.conftest import planned, user
from tests.audits.test_scope import _raise, _with_action
from tests.audits.test_scope import world as world  # a fixture: MAIN and NORTH with their people
from tests.query_plans import postgres_plan, sqlite_plan

READERS = ("qo", "head", "aftersales.head", "auditor", "staff", "north.qo", "north.sales.head", "north.staff", "admin")

# The statistics SQLite keeps of the large demo's NCs and audits (``ANALYZE``): the plan a list gets
# there, where this test's handful of rows would make walking them all as good as any.
LARGE_STATISTICS = [
    ("nonconformity", "ix_nonconformity_owner_raised_at", "20000 58 2 1"),
    ("nonconformity", "ix_nonconformity_raised_by_raised_at", "20000 50 2 1"),
    ("nonconformity", "ix_nonconformity_site_raised_at", "20000 400 2 1"),
    ("nonconformity", "ix_nonconformity_raised_by_id", "20000 50"),
    ("nonconformity", "ix_nonconformity_raised_at", "20000 3 1"),
    ("nonconformity", "ix_nonconformity_state", "20000 3334"),
    ("nonconformity", "ix_nonconformity_source", "20000 6667"),
    ("nonconformity", "ix_nonconformity_site_id", "20000 400"),
    ("nonconformity", "ix_nonconformity_owner_id", "20000 58"),
    ("nonconformity", "ix_nonconformity_due_date", "20000 27"),
    ("nonconformity", "ix_nonconformity_department_id", "20000 2858"),
    ("nonconformity", "ix_nonconformity_audit_id", "20000 8"),
    ("corrective_action", "ix_corrective_action_owner_nc", "40000 124 4"),
    ("corrective_action", "ix_corrective_action_nc_state", "40000 4 3"),
    ("corrective_action", "ix_corrective_action_owner_id", "40000 124"),
    ("corrective_action", "ix_corrective_action_nonconformity_id", "40000 4"),
    ("audit", "ix_audit_lead_planned", "3300 9 1 1"),
    ("audit", "ix_audit_site_planned", "3300 66 1 1"),
    ("audit", "ix_audit_state", "3300 825"),
    ("audit", "ix_audit_site_id", "3300 66"),
    ("audit", "ix_audit_planned_date", "3300 5"),
    ("audit", "ix_audit_lead_auditor_id", "3300 9"),
    ("audit_auditor", "ix_audit_auditor_user_audit", "6600 17 1"),
    ("audit_auditor", "sqlite_autoindex_audit_auditor_1", "6600 2 1"),
]


@pytest.fixture
def records(world):
    """NCs and audits at MAIN and NORTH, of several departments, states and people."""
    with world.app_context():
        for _ in range(3):
            _raise()
        _raise(department="AFTERSALES", owner="aftersales.head")
        _with_action(_raise(department="AFTERSALES"), "head")
        _raise(actor="head")
        _raise(owner="staff")
        _with_action(_raise(), "staff")
        for _ in range(3):
            _raise(site="NORTH", actor="north.qo")
        _raise(site="NORTH", department="AFTERSALES", actor="north.qo")
        _raise(site="NORTH", actor="north.qo", owner="north.staff")
        # The NORTH sales head reads this NC of another department through their action.
        _with_action(_raise(site="NORTH", department="AFTERSALES", actor="north.qo"), "north.sales.head", "north.qo")
        contained = _raise(site="NORTH", actor="north.qo")
        ncs.transition(user("north.qo"), contained, to="contained", containment="Door", row_version=1)
        for days in (3, 5, 5, 9):
            planned(planned_date=today() + timedelta(days=days))
        planned(departments=["AFTERSALES"], lead_auditor="qo", auditors=["auditor"])
        for days in (4, 4, 8):
            planned(
                actor="north.qo",
                site="NORTH",
                lead_auditor="north.qo",
                auditors=[],
                planned_date=today() + timedelta(days=days),
            )
        commit()
    return world


def _all_pages(listing, per_page=2) -> list[str]:
    """Every page of a list, ``per_page`` rows a page, as the references in order."""
    shown, page = [], 1
    while True:
        window = listing(page=page, per_page=per_page)
        shown += [row.reference for row in window.items]
        if not window.has_next:
            return shown
        page += 1


def _expected_ncs(reader, keep=lambda nc: True) -> list[str]:
    every = db.session.execute(db.select(Nonconformity)).scalars()
    wanted = [nc for nc in every if ncs.is_visible(reader, nc) and keep(nc)]
    return [nc.reference for nc in sorted(wanted, key=lambda nc: (nc.raised_at, nc.id), reverse=True)]


def _expected_audits(reader, keep=lambda audit: True) -> list[str]:
    every = db.session.execute(db.select(Audit)).scalars()
    wanted = [audit for audit in every if audit_services.is_visible(reader, audit) and keep(audit)]
    return [a.reference for a in sorted(wanted, key=lambda a: (a.planned_date, a.id), reverse=True)]


NC_FILTERS = [
    ({}, lambda nc: True),
    ({"state": "not_closed"}, lambda nc: nc.state not in ("closed", "cancelled")),
    ({"state": "contained"}, lambda nc: nc.state == "contained"),
    ({"state": "root_cause_identified"}, lambda nc: nc.state == "root_cause_identified"),
    ({"site": "NORTH"}, lambda nc: nc.site.code == "NORTH"),
    ({"site": "MAIN"}, lambda nc: nc.site.code == "MAIN"),
    ({"department": "AFTERSALES"}, lambda nc: nc.department.code == "AFTERSALES"),
    ({"owner": "aftersales.head"}, lambda nc: nc.owner is not None and nc.owner.login == "aftersales.head"),
    ({"source": "manual"}, lambda nc: nc.source == "manual"),
    ({"overdue": True}, ncs.is_overdue),
]


@pytest.mark.parametrize("login", READERS)
def test_each_reader_pages_through_exactly_the_ncs_they_may_read_with_every_filter(records, login):
    with records.app_context():
        reader = user(login)
        if not ncs.can_read(reader):
            # One who may not read NCs is refused the list, not shown an empty one.
            with pytest.raises(Forbidden):
                ncs.list_rows(reader, page=1, per_page=50)
            return
        assert _expected_ncs(reader), login
        for filters, keep in NC_FILTERS:
            listed = _all_pages(lambda filters=filters, **page: ncs.list_rows(reader, **page, **filters))
            assert listed == _expected_ncs(reader, keep), (login, filters)
            # One page of all of them: the windows' union read in order is the whole list.
            assert [row.reference for row in ncs.list_rows(reader, page=1, per_page=50, **filters).items] == listed


AUDIT_FILTERS = [
    ({}, lambda audit: True),
    ({"state": "planned"}, lambda audit: audit.state == "planned"),
    ({"state": "closed"}, lambda audit: audit.state == "closed"),
    ({"site": "NORTH"}, lambda audit: audit.site.code == "NORTH"),
    ({"site": "main"}, lambda audit: audit.site.code == "MAIN"),
    ({"department": "AFTERSALES"}, lambda audit: "AFTERSALES" in audit.department_codes),
    ({"year": today().year + 1}, lambda audit: audit.year == today().year + 1),
]


@pytest.mark.parametrize("login", READERS)
def test_each_reader_pages_through_exactly_the_audits_they_may_read_with_every_filter(records, login):
    with records.app_context():
        reader = user(login)
        if not audit_services.can_read(reader):
            # Staff read no audit: the list refuses them, it does not show an empty page.
            with pytest.raises(Forbidden):
                audit_services.list_rows(reader, page=1, per_page=50)
            return
        assert _expected_audits(reader), login
        for filters, keep in AUDIT_FILTERS:
            listed = _all_pages(lambda filters=filters, **page: audit_services.list_rows(reader, **page, **filters))
            assert listed == _expected_audits(reader, keep), (login, filters)


def test_a_site_reader_never_sees_another_sites_ncs_or_audits_on_the_pages(records, client_as):
    with records.app_context():
        every_nc = db.session.execute(db.select(Nonconformity)).scalars()
        north = [nc.reference for nc in every_nc if nc.site.code == "NORTH"]
        north += [a.reference for a in db.session.execute(db.select(Audit)).scalars() if a.site.code == "NORTH"]
    pages = client_as("qo")
    for path in ("/nonconformities/", "/nonconformities/?site=NORTH", "/audits/", "/audits/?site=NORTH"):
        page = pages.get(path)
        assert page.status_code == 200, path
        assert not [reference for reference in north if reference in page.get_data(as_text=True)], path


def _statement_of(listing) -> tuple[str, object]:
    """The statement (and its parameters) a list reads its page with."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        listing()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    return next((s, p) for s, p in seen if " LIMIT " in s and ("FROM nonconformity" in s or "FROM audit " in s))


def _searches(plan: list[str], table: str, index: str) -> bool:
    """Whether the plan seeks ``table`` through ``index`` (covering or not)."""
    wanted = (f"SEARCH {table} USING INDEX {index}", f"SEARCH {table} USING COVERING INDEX {index}")
    return any(step in wanted for step in plan)


def _plan(statement, parameters) -> list[str]:
    if db.engine.dialect.name != "sqlite":
        return postgres_plan(statement, parameters).splitlines()
    return sqlite_plan(statement, LARGE_STATISTICS, parameters)


@pytest.mark.parametrize("page", [1, 4])
def test_a_site_quality_officers_nc_page_is_read_through_their_sites_index_not_the_groups(records, page):
    with records.app_context():
        plan = _plan(*_statement_of(lambda: ncs.list_rows(user("north.qo"), page=page, per_page=2)))
        if db.engine.dialect.name == "sqlite":
            assert _searches(plan, "nonconformity", "ix_nonconformity_site_raised_at (site_id=?)")
            assert _searches(plan, "nonconformity", "ix_nonconformity_raised_by_raised_at (raised_by_id=?)")
            assert _searches(plan, "nonconformity", "ix_nonconformity_owner_raised_at (owner_id=?)")
            # Walking the group's NCs newest first until a page of the site's had come by.
            assert not [step for step in plan if step.startswith("SCAN nonconformity")], plan
        else:
            text = "\n".join(plan)
            assert "ix_nonconformity_site_raised_at" in text and "ix_nonconformity_raised_by_raised_at" in text
            assert "Seq Scan on nonconformity" not in text, text


@pytest.mark.parametrize("page", [1, 4])
def test_a_site_quality_officers_audit_page_is_read_through_their_sites_index_not_the_groups(records, page):
    with records.app_context():
        plan = _plan(*_statement_of(lambda: audit_services.list_rows(user("north.qo"), page=page, per_page=2)))
        if db.engine.dialect.name == "sqlite":
            assert _searches(plan, "audit", "ix_audit_site_planned (site_id=?)")
            assert _searches(plan, "audit", "ix_audit_lead_planned (lead_auditor_id=?)")
            assert _searches(plan, "audit_auditor", "ix_audit_auditor_user_audit (user_id=?)")
            assert not [step for step in plan if step.startswith("SCAN audit")], plan
        else:
            text = "\n".join(plan)
            assert "ix_audit_site_planned" in text and "ix_audit_lead_planned" in text
            assert "Seq Scan on audit " not in text, text
