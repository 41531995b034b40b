"""Procedures are scoped: drafts, their history and their signing page are read only by
those whose department and site they belong to; whoever changed a revision's text may
not approve it."""

import pytest

from core.accounts.services import site_by_code
from core.errors import NotFound
from core.testing import TEST_PASSWORD
from tests.procedures.conftest import make_procedure, user

DRAFT_TEXT = "Secret draft wording nobody outside may read"
BODY = f"# Reception\n\n{DRAFT_TEXT}.\n"


@pytest.fixture
def in_review(app, people):
    """SA-PR-001 of MAIN, revision 1 in review."""
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = make_procedure(body=BODY, site=site_by_code("MAIN"))
        revision = procedure.revisions[0]
        services.submit(user("qo2"), revision, row_version=revision.row_version)
        commit()
    return "/procedures/SA-PR-001/revisions/1/sign/approved"


# 1. The signing page ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "servicehead"])
def test_the_signing_page_of_a_draft_is_not_there_for_who_may_not_read_it(client_as, in_review, who):
    response = client_as(who).get(in_review)
    assert response.status_code == 404
    assert DRAFT_TEXT not in response.get_data(as_text=True)


@pytest.mark.parametrize("meaning", ["approved", "rejected"])
def test_the_signing_page_refuses_with_the_reason_who_may_read_but_not_sign(client_as, in_review, meaning):
    response = client_as("auditor").get(f"/procedures/SA-PR-001/revisions/1/sign/{meaning}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert DRAFT_TEXT not in page
    assert "approve a revision" in page


def test_the_author_is_refused_the_signing_page_with_the_reason(client_as, in_review):
    response = client_as("qo2").get(in_review)
    assert response.status_code == 403
    assert DRAFT_TEXT not in response.get_data(as_text=True)


def test_who_may_sign_sees_the_text_to_sign(client_as, in_review):
    response = client_as("head").get(in_review)
    assert response.status_code == 200
    assert DRAFT_TEXT in response.get_data(as_text=True)


def test_signing_a_draft_one_may_not_read_through_the_api_is_not_found(api_as, in_review):
    response = api_as("staff").post(
        "/api/v1/procedures/SA-PR-001/revisions/1/signatures", json={"meaning": "approved", "password": TEST_PASSWORD}
    )
    assert response.status_code == 404


# 2. Sites -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["northhead", "northqo"])
def test_drafts_of_another_site_are_not_there(api_as, client_as, north, in_review, who):
    api = api_as(who)
    assert api.get("/api/v1/procedures/SA-PR-001/revisions/1").status_code == 404
    assert api.get("/api/v1/procedures/SA-PR-001").status_code == 404
    listed = api.get("/api/v1/procedures?state=in_review").get_json()
    assert [p["code"] for p in listed] == []
    assert api.get("/api/v1/procedures").get_json() == []
    client = client_as(who)
    assert client.get(in_review).status_code == 404
    assert client.get("/procedures/SA-PR-001/revisions/1/edit").status_code == 404
    assert client.get("/procedures/SA-PR-001/history").status_code == 404
    assert client.get("/procedures/SA-PR-001/acknowledgements").status_code == 404
    assert api.get("/api/v1/procedures/SA-PR-001/revisions/1/pdf").status_code == 404
    assert api.get("/api/v1/procedures/SA-PR-001/diff?from=1&to=1").status_code == 404


def test_a_sites_own_procedure_is_not_there_for_another_site(app, client_as, north, people):
    """A procedure written for one dealership applies to its people (and the group
    office), not to another site's: there it is not found, in force or not."""
    from tests.procedures.conftest import effective_procedure

    with app.app_context():
        effective_procedure(site=site_by_code("MAIN"))
    assert client_as("head").get("/procedures/SA-PR-001/history").status_code == 200
    assert client_as("staff").get("/procedures/SA-PR-001").status_code == 200
    for path in ("/procedures/SA-PR-001", "/procedures/SA-PR-001/history"):
        assert client_as("northhead").get(path).status_code == 404
    assert "SA-PR-001" not in client_as("northhead").get("/procedures/").get_data(as_text=True)


def test_a_quality_officer_of_another_site_may_not_edit_or_approve(app, north, in_review):
    from procedures import services

    with app.app_context():
        procedure = services.procedure_by_code("SA-PR-001")
        revision = procedure.revisions[0]
        # A MAIN draft with nothing in force is not there for NORTH's quality officer.
        refusal = services.edit_refusal(user("northqo"), procedure)
        assert refusal.error is NotFound and "SA-PR-001" in refusal
        assert services.decide_refusal(user("northqo"), revision) is not None
        assert services.decide_refusal(user("northhead"), revision) is not None
        assert services.decide_refusal(user("qo"), revision) is None


def test_group_wide_drafts_are_read_at_every_site(app, api_as, north, people):
    with app.app_context():
        make_procedure(code="SA-PR-005", body=BODY)
    for who in ("northhead", "northqo", "head", "qo"):
        response = api_as(who).get("/api/v1/procedures/SA-PR-005/revisions/1")
        assert response.status_code == 200, who
        assert [p["code"] for p in api_as(who).get("/api/v1/procedures?state=draft").get_json()] == ["SA-PR-005"]
    assert api_as("servicehead").get("/api/v1/procedures/SA-PR-005/revisions/1").status_code == 404
    assert api_as("staff").get("/api/v1/procedures?state=draft").get_json() == []


def test_the_list_of_a_site_shows_its_own_drafts(app, api_as, north, in_review):
    with app.app_context():
        make_procedure(code="SA-PR-007", author="northhead", body=BODY, site=site_by_code("NORTH"))
    assert [p["code"] for p in api_as("northhead").get("/api/v1/procedures").get_json()] == ["SA-PR-007"]
    assert [p["code"] for p in api_as("head").get("/api/v1/procedures").get_json()] == ["SA-PR-001"]
    assert [p["code"] for p in api_as("admin").get("/api/v1/procedures").get_json()] == ["SA-PR-001", "SA-PR-007"]


# 3. Editors may not approve ----------------------------------------------------------


def test_who_edited_a_heads_draft_may_not_approve_it(app, people):
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = make_procedure(author="head", body=BODY)
        revision = procedure.revisions[0]
        services.edit_draft(user("qo"), revision, row_version=revision.row_version, body=BODY + "\nOne more line.\n")
        commit()
        services.submit(user("head"), revision, row_version=revision.row_version)
        commit()
        refusal = services.approve_refusal(user("qo"), revision)
        assert refusal is not None and "changed its text" in refusal
        assert services.approve_refusal(user("qo2"), revision) is None
        assert {u.login for u in revision.editors} == {"qo", "head"}


def test_saving_a_draft_unchanged_does_not_make_an_editor(app, people):
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = make_procedure(author="head", body=BODY)
        revision = procedure.revisions[0]
        services.edit_draft(user("qo"), revision, row_version=revision.row_version, body=BODY, change_summary="x")
        commit()
        assert {u.login for u in revision.editors} == {"head"}


def test_the_list_names_an_open_revision_only_to_who_may_read_it(app, client_as, people):
    from core.database import commit
    from procedures import services
    from tests.procedures.conftest import effective_procedure

    with app.app_context():
        procedure = effective_procedure()
        services.new_draft(user("head"), procedure)
        commit()
    assert ">draft</span>" in client_as("head").get("/procedures/").get_data(as_text=True)
    for who in ("staff", "servicehead"):
        page = client_as(who).get("/procedures/").get_data(as_text=True)
        assert "SA-PR-001" in page and ">draft</span>" not in page, who
