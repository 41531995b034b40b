"""The document-control pages: who may open what, forms that refuse with a
message, plugin templates offered, and no script reaching the page."""

import pytest

from core.plugins import ProcedureTemplate, hookimpl
from core.testing import TEST_PASSWORD
from tests.procedures.conftest import effective_procedure, make_procedure


@pytest.fixture
def sales_procedure(app, people):
    with app.app_context():
        effective_procedure(body="# Reception\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\nGreet.\n")
        make_procedure(code="SA-PR-002")
    return "SA-PR-001"


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("staff", "/procedures/", 200),
        ("staff", "/procedures/SA-PR-001", 200),
        ("staff", "/procedures/SA-PR-001/revisions/1/pdf", 200),
        ("staff", "/procedures/new", 403),
        ("staff", "/procedures/SA-PR-001/history", 403),
        ("staff", "/procedures/SA-PR-001/acknowledgements", 403),
        ("staff", "/procedures/SA-PR-002", 404),  # a draft only: nothing in force to show
        ("auditor", "/procedures/SA-PR-002", 200),
        ("auditor", "/procedures/new", 403),
        ("head", "/procedures/new", 200),
        ("head", "/procedures/SA-PR-001/history", 200),
        ("head", "/procedures/SA-PR-001/acknowledgements", 200),
        ("servicehead", "/procedures/SA-PR-001/acknowledgements", 403),
        ("qo", "/procedures/SA-PR-001/revisions/1/edit", 302),  # effective: back to the view with a message
        ("qo", "/procedures/NOPE-9", 404),
    ],
)
def test_who_may_open_what(client_as, sales_procedure, role, path, status):
    assert client_as(role).get(path).status_code == status


def test_the_page_shows_no_script_from_the_body(client_as, sales_procedure):
    page = client_as("staff").get("/procedures/SA-PR-001").get_data(as_text=True)
    assert "Greet." in page
    assert "<script>alert(1)" not in page and "javascript:alert(2)" not in page


def test_a_duplicate_code_is_refused_beside_the_field_keeping_what_was_typed(client_as, sales_procedure, csrf_token):
    client = client_as("qo")
    response = client.post(
        "/procedures/new",
        data={
            "csrf_token": csrf_token(client),
            "code": "SA-PR-001",
            "title": "Typed title",
            "department": "SALES",
            "kind": "procedure",
            "review_interval_months": "12",
            "body": "Typed body",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already used by another procedure" in page and "Typed title" in page and "Typed body" in page


def test_a_wrong_signing_password_is_shown_and_nothing_is_signed(app, client_as, people, csrf_token):
    with app.app_context():
        from core.database import commit
        from procedures import services
        from tests.procedures.conftest import user

        revision = make_procedure().revisions[0]
        services.submit(user("qo2"), revision, row_version=revision.row_version)
        commit()
    client = client_as("qo")
    response = client.post(
        "/procedures/SA-PR-001/revisions/1/sign/approved",
        data={"csrf_token": csrf_token(client), "meaning": "approved", "password": "not it"},
    )
    assert response.status_code == 422 and "not the password of your account" in response.get_data(as_text=True)
    page = client.get("/procedures/SA-PR-001?rev=1").get_data(as_text=True)
    assert "No approvals yet." in page


def test_plugin_templates_are_offered_when_creating(app, register_plugin, client_as, people):
    class Templates:
        @hookimpl
        def register_procedure_templates(self):
            return [
                ProcedureTemplate(
                    code="UC-PR-001",
                    title="Used-car appraisal",
                    department="SALES",
                    body="# Appraisal\n\nInspect the car.\n",
                )
            ]

    register_plugin(Templates(), "usedcars")
    client = client_as("head")
    assert "UC-PR-001 — Used-car appraisal" in client.get("/procedures/new").get_data(as_text=True)
    page = client.get("/procedures/new?template=UC-PR-001").get_data(as_text=True)
    assert 'value="UC-PR-001"' in page and "Inspect the car." in page


def test_staff_dashboard_lists_what_to_read(client_as, sales_procedure):
    page = client_as("staff").get("/").get_data(as_text=True)
    assert "Read SA-PR-001" in page and "/procedures/SA-PR-001/revisions/1/sign/acknowledged?task=" in page
    assert TEST_PASSWORD not in page


def test_a_draft_edit_or_withdrawal_without_the_version_read_is_refused(client_as, sales_procedure, csrf_token):
    client = client_as("qo2")
    edit = client.post(
        "/procedures/SA-PR-002/revisions/1/edit",
        data={"csrf_token": csrf_token(client), "title": "Typed title", "body": "Typed body"},
    )
    assert edit.status_code == 422 and "Version: send the version" in edit.get_data(as_text=True)
    stale = client.post(
        "/procedures/SA-PR-002/revisions/1/edit",
        data={"csrf_token": csrf_token(client), "title": "Typed title", "body": "Typed body", "row_version": "0"},
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    quality = client_as("qo")
    withdrawal = quality.post(
        "/procedures/SA-PR-001/withdraw", data={"csrf_token": csrf_token(quality), "reason": "Obsolete"}
    )
    assert withdrawal.status_code == 422 and "Version: send the version" in withdrawal.get_data(as_text=True)
    assert "Withdrawn" not in quality.get("/procedures/SA-PR-001").get_data(as_text=True)
