"""The menu's task count (issue #20): every page arrives without it, the browser asks for it
afterwards, and it is right as soon as a task is done."""

from __future__ import annotations

from core.testing import TEST_PASSWORD
from tests.menu_count import menu_count
from tests.procedures.conftest import effective_procedure, user
from tests.statements import statements
from tests.test_web_i18n import switch

MENU_LINK = '<a href="/tasks/" data-nav-count="/tasks/count">My tasks</a>'


def _to_read(app, *codes):
    with app.app_context():
        for code in codes:
            effective_procedure(code)


def test_a_page_arrives_with_the_tasks_link_and_counts_nothing(app, people, client_as):
    """Counting every area's work held every page (at the large demo scale longer than a whole
    small page takes): the page now links to the inbox and leaves the number to the browser."""
    _to_read(app, "SA-PR-001", "SA-PR-002")
    staff = client_as("staff")
    staff.get("/notifications/")  # the first request of a session reads what later ones keep
    with statements(app) as sent:
        page = staff.get("/notifications/").get_data(as_text=True)
    assert MENU_LINK in page
    assert '<script src="/static/js/nav-count.js" nonce="' in page
    # Neither the revisions to read nor the signatures given are read for a page that lists neither.
    assert not [statement for statement in sent if "procedure_revision" in statement or "signature" in statement]
    assert menu_count(staff) == 2


def test_the_count_reads_in_the_readers_language(app, people, client_as):
    _to_read(app, "SA-PR-001", "SA-PR-002", "SA-PR-003")
    staff = client_as("staff")
    assert staff.get("/tasks/count").get_json() == {"count": 3, "text": "3", "label": "3 waiting"}
    switch(staff, "zh_CN", "/")
    assert staff.get("/tasks/count").get_json() == {"count": 3, "text": "3", "label": "3 项待办"}
    # Nothing waiting: no number at all (the script adds no badge).
    assert client_as("auditor").get("/tasks/count").get_json() == {"count": 0, "text": "", "label": ""}


def test_the_count_drops_as_soon_as_a_task_is_done(app, people, client_as):
    from core.database import commit
    from procedures import services

    _to_read(app, "SA-PR-001", "SA-PR-002")
    staff = client_as("staff")
    assert menu_count(staff) == 2
    with app.app_context():
        revision = services.procedure_by_code("SA-PR-001").revisions[0]
        services.sign_revision(user("staff"), revision, meaning="acknowledged", password=TEST_PASSWORD)
        commit()
    assert menu_count(staff) == 1


def test_the_count_is_for_signed_in_users_only(app, people, client):
    answer = client.get("/tasks/count")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_whether_the_reader_acknowledged_a_revision_is_one_probe_of_the_signers_index(app, people):
    """The to-read count asks it of every effective revision: by the revision alone it read every
    acknowledgement the revision had (hundreds at a large group) to find the reader's own."""
    from core.database import db
    from procedures import services

    with app.app_context():
        revision = effective_procedure("SA-PR-001").effective_revision
        services.sign_revision(user("qo"), revision, meaning="acknowledged", password=TEST_PASSWORD)
        db.session.commit()
        staff = user("staff")
        with statements(app) as seen:
            assert services.to_read_count(staff) == 1
        (counting,) = [sql for sql in seen if "signature" in sql]
        if db.engine.dialect.name == "sqlite":
            # Which values fill the placeholders does not change the plan.
            placeholders = (None,) * counting.count("?")
            explained = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {counting}", placeholders)
            plan = " ".join(str(row[-1]) for row in explained)
            assert "SEARCH signature USING COVERING INDEX ix_signature_signer_entity (signer_id=?" in plan
