"""Document control's dashboard panels stay one screen at any size: the few most urgent
revisions to read and periodic reviews overdue, how many in all, and a link to the full list —
never a procedure the reader may not see."""

from __future__ import annotations

import re
from datetime import timedelta

from core.clock import today
from core.testing import TEST_PASSWORD
from tests.procedures.conftest import effective_procedure, make_procedure, user
from tests.statements import statements


def _panel(page: str, title: str) -> str:
    """The HTML of the dashboard panel whose heading starts with ``title`` (empty when there is none)."""
    found = re.search(re.escape(title) + r"(.*?)</section>", page, re.S)
    return found.group(0) if found else ""


def _overdue(code: str, days: int, department: str = "SALES") -> None:
    from core.database import commit

    make_procedure(code, department=department).next_review_due = today() - timedelta(days=days)
    commit()


def test_a_head_sees_the_five_most_overdue_reviews_of_their_department_and_how_many(app, people, client_as):
    with app.app_context():
        for number in range(1, 8):
            _overdue(f"SA-PR-{number:03d}", days=number)
        # Most overdue of all, but another department's: not the sales head's to see.
        _overdue("AS-PR-001", days=100, department="AFTERSALES")
        _overdue("SA-PR-008", days=0)
    panel = _panel(client_as("head").get("/").get_data(as_text=True), "Periodic reviews overdue")
    assert "Periodic reviews overdue (7)" in panel
    assert re.findall(r"/procedures/([A-Z]{2}-PR-\d{3})\"", panel) == [f"SA-PR-{n:03d}" for n in (7, 6, 5, 4, 3)]
    assert 'href="/procedures/?overdue=1"' in panel and "All overdue reviews" in panel
    servicehead = client_as("servicehead")
    servicehead.get("/")
    with statements(app) as seen:
        service = _panel(servicehead.get("/").get_data(as_text=True), "Periodic reviews overdue")
    # Fewer than a window: its length is the count, not counted again.
    assert not [s for s in seen if "count(" in s and "procedure.next_review_due < " in s]
    assert re.findall(r"/procedures/([A-Z]{2}-PR-\d{3})\"", service) == ["AS-PR-001"]
    assert "All overdue reviews" not in service and "(1)" not in service


def test_the_to_read_panel_lists_the_earliest_due_found_once_with_the_inbox(app, people, client_as):
    from core.database import commit, db

    with app.app_context():
        for number, days_ago in enumerate((9, 30, 2, 20, 5, 14), start=1):
            effective_procedure(f"SA-PR-{number:03d}").revisions[0].effective_date = today() - timedelta(days=days_ago)
        db.session.flush()
        commit()
    # Staff see only their inbox: the panels are a manager's, here the sales head's (a reader too).
    client = client_as("head")
    with statements(app) as seen:
        page = client.get("/").get_data(as_text=True)
    with statements(app) as seen_again:
        client.get("/")
    panel = _panel(page, "To read and acknowledge")
    assert "To read and acknowledge (6)" in panel
    earliest_due = ["SA-PR-002", "SA-PR-004", "SA-PR-006", "SA-PR-001", "SA-PR-005"]
    assert re.findall(r"/procedures/(SA-PR-\d{3})\"", panel) == earliest_due
    assert 'href="/tasks/?kind=procedures.acknowledge"' in panel
    # The inbox and the panel share one search of what the reader owes (hundreds of revisions at a
    # large group), not one each.
    searches = [s for s in seen if "ORDER BY procedure_revision.effective_date IS NULL" in s]
    assert len(searches) == 1, searches
    # And the next look, with nothing written in between, finds them kept (core.answer_cache).
    assert not [s for s in seen_again if "ORDER BY procedure_revision.effective_date IS NULL" in s]


def test_what_is_owed_is_found_again_after_an_acknowledgement_and_after_a_rollback(app, people):
    from core.database import commit, db
    from procedures import services

    with app.app_context():
        first, second = effective_procedure("SA-PR-001"), effective_procedure("SA-PR-002")
        staff = user("staff")
        assert [r.procedure.code for r in services.first_to_read(staff, 5)] == ["SA-PR-001", "SA-PR-002"]
        services.sign_revision(staff, first.effective_revision, meaning="acknowledged", password=TEST_PASSWORD)
        assert [r.procedure.code for r in services.first_to_read(staff, 5)] == ["SA-PR-002"]
        assert [r.procedure.code for r in services.first_to_read(staff, 1)] == ["SA-PR-002"]
        db.session.rollback()
        staff = user("staff")
        assert [r.procedure.code for r in services.first_to_read(staff, 5)] == ["SA-PR-001", "SA-PR-002"]
        services.sign_revision(staff, second.effective_revision, meaning="acknowledged", password=TEST_PASSWORD)
        commit()
        assert [r.procedure.code for r in services.first_to_read(user("staff"), 5)] == ["SA-PR-001"]
