"""Document control in the task inbox: a revision to approve reaches its approvers, a
procedure to read reaches its readers, and "next" walks from one to the next."""

from __future__ import annotations

import re
from datetime import timedelta

from core.clock import today
from core.testing import TEST_PASSWORD
from tests.menu_count import menu_count
from tests.procedures.conftest import effective_procedure, make_procedure, user
from tests.statements import statements_of_page


def _csrf(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _submitted(app, code="SA-PR-001"):
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = make_procedure(code)
        revision = procedure.revisions[0]
        services.submit(user("qo2"), revision, row_version=revision.row_version)
        commit()


def test_a_submitted_revision_waits_in_its_approvers_inboxes_with_the_count(app, people, client_as, api_as):
    _submitted(app)
    for who in ("qo", "head"):
        tasks = api_as(who).get("/api/v1/tasks?kind=procedures.approve").get_json()
        assert [(t["kind"], t["record"]) for t in tasks] == [("procedures.approve", "SA-PR-001 rev 1")], who
        assert tasks[0]["url"] == "/procedures/SA-PR-001/revisions/1/sign/approved"
        # Undated, it would sort after every dated task and never reach the dashboard's first six.
        assert tasks[0]["due"] == (today() + timedelta(days=7)).isoformat(), who
    # The author, another department's head and staff have nothing to approve.
    for who in ("qo2", "servicehead", "staff"):
        assert api_as(who).get("/api/v1/tasks?kind=procedures.approve").get_json() == [], who
    page = client_as("qo").get("/").get_data(as_text=True)
    assert "Approve revision 1 of SA-PR-001" in page
    assert menu_count(client_as("qo")) == 1


def test_signing_from_the_inbox_comes_back_to_it(app, people, client_as):
    _submitted(app)
    qo = client_as("qo")
    inbox = qo.get("/tasks/").get_data(as_text=True)
    link = re.search(r'href="(/procedures/SA-PR-001/revisions/1/sign/approved\?task=procedures.approve)"', inbox)
    assert link, inbox
    page = qo.get(link.group(1)).get_data(as_text=True)
    assert 'name="task" value="procedures.approve"' in page
    done = qo.post(
        "/procedures/SA-PR-001/revisions/1/sign/approved",
        data={
            "csrf_token": _csrf(page),
            "meaning": "approved",
            "password": TEST_PASSWORD,
            "task": "procedures.approve",
        },
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/tasks/next?kind=procedures.approve")
    # Nothing more to approve: back to the inbox, which says so.
    after = qo.get(done.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Nothing more of this kind is waiting for you." in after


def test_staff_acknowledge_three_procedures_in_a_row_with_next(app, people, client_as, api_as):
    with app.app_context():
        for code in ("SA-PR-001", "SA-PR-002", "SA-PR-003"):
            effective_procedure(code)
    staff = client_as("staff")
    assert [t["record"] for t in api_as("staff").get("/api/v1/tasks?kind=procedures.acknowledge").get_json()] == [
        "SA-PR-001 rev 1",
        "SA-PR-002 rev 1",
        "SA-PR-003 rev 1",
    ]
    location = "/tasks/next?kind=procedures.acknowledge"
    signed = []
    while True:
        response = staff.get(location)
        assert response.status_code == 302
        location = response.headers["Location"]
        if location.endswith("/tasks/"):
            break
        code = re.search(r"/procedures/([A-Z0-9-]+)/revisions/1/sign/acknowledged\?task=", location).group(1)
        page = staff.get(location).get_data(as_text=True)
        response = staff.post(
            f"/procedures/{code}/revisions/1/sign/acknowledged",
            data={
                "csrf_token": _csrf(page),
                "meaning": "acknowledged",
                "password": TEST_PASSWORD,
                "task": "procedures.acknowledge",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        signed.append(code)
        location = response.headers["Location"]
    assert signed == ["SA-PR-001", "SA-PR-002", "SA-PR-003"]
    assert api_as("staff").get("/api/v1/tasks").get_json() == []


def test_the_task_list_is_paginated_and_refuses_bad_arguments(app, people, api_as):
    with app.app_context():
        for code in ("SA-PR-001", "SA-PR-002", "SA-PR-003"):
            effective_procedure(code)
    api = api_as("staff")
    first = api.get("/api/v1/tasks?limit=2")
    assert first.headers["X-Total-Count"] == "3" and len(first.get_json()) == 2
    assert 'rel="next"' in first.headers["Link"]
    second = api.get("/api/v1/tasks?limit=2&offset=2").get_json()
    assert [t["record"] for t in second] == ["SA-PR-003 rev 1"]
    refused = api.get("/api/v1/tasks?limit=0")
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"


def test_the_command_line_lists_a_users_tasks(app, people):
    with app.app_context():
        effective_procedure("SA-PR-001")
    result = app.test_cli_runner().invoke(args=["tasks", "--as", "staff"])
    assert result.exit_code == 0, result.output
    assert "Read SA-PR-001 — Showroom reception  [procedures.acknowledge]" in result.output
    assert result.output.strip().endswith("1 task(s) waiting for staff.")
    unknown = app.test_cli_runner().invoke(args=["tasks", "--as", "nobody"])
    assert unknown.exit_code == 1 and "nobody" in unknown.output


def test_a_staff_dashboard_is_their_first_tasks_and_nothing_else(app, people, client_as):
    with app.app_context():
        for number in range(1, 9):
            effective_procedure(f"SA-PR-{number:03d}")
    page = client_as("staff").get("/").get_data(as_text=True)
    # Five: two-line titles and all, they fit one tablet screen (768 × 1024).
    assert page.count('class="task"') == 5 and "5 of 8 shown." in page
    assert "plugin-panel" not in page and 'id="kpi-heading"' not in page and 'id="site-select"' not in page
    # A head's dashboard keeps the areas' panels.
    assert "plugin-panel" in client_as("head").get("/").get_data(as_text=True)


def test_every_page_counts_the_revisions_to_approve_without_a_query_for_each(app, people, client_as):
    """The menu counts one's tasks on every page: ten revisions waiting for approval cost that
    count no more statements than one (on PostgreSQL each statement is a round trip)."""
    _submitted(app, "SA-PR-001")
    qo = client_as("qo")
    qo.get("/tasks/count")  # the first request of a session reads what later ones keep
    with_one = statements_of_page(app, qo, "/tasks/count")
    for number in range(2, 11):
        _submitted(app, f"SA-PR-{number:03d}")
    assert menu_count(qo) == 10
    assert statements_of_page(app, qo, "/tasks/count") == with_one


def test_a_heads_pages_count_the_revisions_to_approve_without_queries_for_each(app, people, client_as):
    """A head approves their department's revisions: whether they head each one's department is
    asked once, not three queries a revision (a large site's head had 84 in review: 252 queries)."""
    _submitted(app, "SA-PR-001")
    head = client_as("head")

    before = menu_count(head)
    with_one = statements_of_page(app, head, "/tasks/count")
    for number in range(2, 11):
        _submitted(app, f"SA-PR-{number:03d}")
    assert menu_count(head) == before + 9
    assert statements_of_page(app, head, "/tasks/count") == with_one


def test_the_revisions_to_read_come_earliest_due_first_whatever_their_code(app, people, client_as, api_as):
    """Each area lists only the first of each kind: the revisions to read are listed by when they
    took effect (each is due a fortnight later), not by code — "next" and the inbox's window
    start from the one due first."""
    from core.database import commit, db

    with app.app_context():
        for code, days_ago in (("SA-PR-001", 10), ("SA-PR-002", 5), ("SA-PR-003", 20)):
            effective_procedure(code).revisions[0].effective_date = today() - timedelta(days=days_ago)
        db.session.flush()
        commit()
    response = client_as("staff").get("/tasks/next?kind=procedures.acknowledge")
    assert "/procedures/SA-PR-003/revisions/1/sign/acknowledged" in response.headers["Location"]
    listed = api_as("staff").get("/api/v1/tasks?kind=procedures.acknowledge&limit=2").get_json()
    assert [task["record"] for task in listed] == ["SA-PR-003 rev 1", "SA-PR-001 rev 1"]
    assert [task["due"] for task in listed] == [
        (today() - timedelta(days=20) + timedelta(days=14)).isoformat(),
        (today() - timedelta(days=10) + timedelta(days=14)).isoformat(),
    ]
