"""Audit work in the task inbox: an NC's next step reaches its owner, a corrective action its
owner and then its verifiers, and verifying from the inbox leads to the next one."""

from __future__ import annotations

import re

import pytest

from core.database import commit
from core.testing import TEST_PASSWORD
from tests.audits.test_nonconformities import raised, to_actions_planned
from tests.statements import statements_of_page

pytestmark = pytest.mark.usefixtures("cast")


def _tasks(api, kind=None):
    response = api.get("/api/v1/tasks" + (f"?kind={kind}" if kind else ""))
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(task["kind"], task["title"]) for task in response.get_json()]


def test_an_nc_asks_its_owner_for_its_next_step(app, api_as):
    with app.app_context():
        reference = raised().reference
    assert _tasks(api_as("head"), "audits.nonconformity") == [
        ("audits.nonconformity", f"Contain {reference} — Showroom greeting too slow")
    ]
    assert _tasks(api_as("qo"), "audits.nonconformity") == []


def test_an_action_waits_for_its_owner_then_for_a_verifier(app, api_as):
    from audits.services import actions
    from tests.audits.conftest import user

    with app.app_context():
        action = to_actions_planned(raised(), owner="staff")
        label, action_id = action.label, action.id
    assert _tasks(api_as("staff")) == [("audits.complete", f"Do {label}: Lunch rota")]
    assert _tasks(api_as("qo"), "audits.verify") == []
    with app.app_context():
        action = actions.action_by_id(action_id)
        actions.complete_action(user("staff"), action, note="Rota posted", row_version=action.row_version)
        commit()
    assert _tasks(api_as("staff")) == []
    assert _tasks(api_as("qo"), "audits.verify") == [("audits.verify", f"Check that {label} worked: Lunch rota")]
    # The head of SALES may verify too; the one who did it may not.
    assert _tasks(api_as("head"), "audits.verify") != []


def test_verifying_from_the_inbox_goes_on_to_the_next_verification(app, client_as):
    from audits.services import actions
    from tests.audits.conftest import user

    with app.app_context():
        ids = []
        for title in ("Greeting too slow", "Brochures missing"):
            action = to_actions_planned(raised(title=title), owner="staff")
            actions.complete_action(user("staff"), action, note="Done", row_version=action.row_version)
            commit()
            ids.append(action.id)
    qo = client_as("qo")
    first = qo.get("/tasks/next?kind=audits.verify")
    assert first.headers["Location"] == f"/actions/{ids[0]}?task=audits.verify"
    page = qo.get(first.headers["Location"]).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    version = re.search(r'action="/actions/\d+/verify".*?name="row_version" value="(\d+)"', page, re.S).group(1)
    done = qo.post(
        f"/actions/{ids[0]}/verify",
        data={
            "csrf_token": token,
            "row_version": version,
            "effective": "yes",
            "verification_note": "No visitor waited this week",
            "password": TEST_PASSWORD,
            "task": "audits.verify",
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    assert qo.get(done.headers["Location"]).headers["Location"] == f"/actions/{ids[1]}?task=audits.verify"


def test_the_count_and_the_inbox_take_the_actions_to_verify_without_queries_for_each(app, client_as):
    """The menu counts one's tasks after every page, and the inbox lists them: five actions
    waiting for verification cost either no more statements than one (on PostgreSQL each
    statement is a round trip; the inbox of the large demo's quality officer took two a task)."""

    from audits.services import actions
    from tests.audits.conftest import user

    def done_action(title):
        with app.app_context():
            action = to_actions_planned(raised(title=title), owner="staff")
            actions.complete_action(user("staff"), action, note="Done", row_version=action.row_version)
            commit()

    def statements():
        return statements_of_page(app, qo, "/tasks/count"), statements_of_page(app, qo, "/tasks/")

    done_action("Greeting too slow")
    qo = client_as("qo")
    qo.get("/tasks/")  # the first request of a session reads what later ones keep
    with_one = statements()
    for number in range(2, 6):
        done_action(f"Brochures missing {number}")
    assert qo.get("/tasks/").get_data(as_text=True).count("Check that ") == 5
    assert statements() == with_one
