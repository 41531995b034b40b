"""The procedure list pages on without counting every procedure a reader may see (issue #20):
a group with thousands of procedures paid for the count on every look at the first page."""

from __future__ import annotations

import re

from tests.procedures.conftest import effective_procedure, make_procedure
from tests.statements import statements


def test_the_procedure_list_pages_on_without_counting_and_shows_each_site_its_own(app, client_as, north, monkeypatch):
    from core.accounts.services import site_by_code

    monkeypatch.setattr("procedures.views.PER_PAGE", 2)
    with app.app_context():
        for code in ("SA-PR-001", "SA-PR-002", "SA-PR-003"):
            effective_procedure(code)
        make_procedure("SA-PR-000", author="northqo", site=site_by_code(north))
    client = client_as("head")
    with statements(app) as seen:
        first = client.get("/procedures/").get_data(as_text=True)
    # paginate's "page 1 of 2" counted every procedure; the menu's counts stop at a limit.
    assert [s for s in seen if re.search(r"count\(\*\).*FROM procedure\b", s, re.S) and "LIMIT" not in s] == []
    assert "SA-PR-001" in first and "SA-PR-002" in first and "SA-PR-003" not in first
    assert "Page 1" in first and "Page 1 of" not in first and 'rel="next"' in first
    second = client.get("/procedures/?page=2").get_data(as_text=True)
    assert "SA-PR-003" in second and 'rel="prev"' in second and 'rel="next"' not in second
    # NORTH's own draft is not on MAIN's pages, and is on those of NORTH's quality officer.
    assert "SA-PR-000" not in first + second
    assert "SA-PR-000" in client_as("northqo").get("/procedures/").get_data(as_text=True)
    # A page number past any end is an empty page, not a server error (SQLite's OFFSET is 64-bit).
    beyond = client.get("/procedures/?page=99999999999999999999")
    assert beyond.status_code == 200 and "SA-PR-001" not in beyond.get_data(as_text=True)


def test_a_procedures_page_reads_its_revisions_authors_at_once(app, client_as, people):
    from core.database import commit
    from procedures import services
    from tests.procedures.conftest import approve, user
    from tests.statements import statements_of_page

    with app.app_context():
        effective_procedure("SA-PR-001")
    client = client_as("head")
    client.get("/procedures/SA-PR-001")  # the first look of a session reads what later ones remember
    one_revision = statements_of_page(app, client, "/procedures/SA-PR-001")
    with app.app_context():
        procedure = services.procedure_by_code("SA-PR-001")
        revision = services.new_draft(user("qo"), procedure, change_summary="Drinks")
        commit()
        services.submit(user("qo"), revision, row_version=revision.row_version)
        commit()
        approve(revision, "head", "qo2")
    page = client.get("/procedures/SA-PR-001").get_data(as_text=True)
    assert "Quincy Second" in page  # revision 1's author, beside revision 2's
    assert statements_of_page(app, client, "/procedures/SA-PR-001") == one_revision
