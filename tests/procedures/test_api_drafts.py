"""A procedure with a draft, asked for by those who may not read drafts: the answer
leaves the draft out (it was a 500, the serialiser reaching into an already dumped body)."""

import pytest

from tests.procedures.conftest import effective_procedure, user


@pytest.fixture
def with_draft(app, people):
    from core.database import commit
    from procedures import services

    with app.app_context():
        procedure = effective_procedure()
        services.new_draft(user("qo2"), procedure, body="# Showroom reception\n\nA secret new rule.\n")
        commit()
        return procedure.code


# Staff of the department, and the head of another one.
@pytest.mark.parametrize("login", ["staff", "servicehead"])
def test_those_who_may_not_read_drafts_get_the_procedure_without_them(api_as, with_draft, login):
    response = api_as(login).get(f"/api/v1/procedures/{with_draft}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["code"] == with_draft and response.json["effective_revision"] == 1
    assert [(r["number"], r["state"]) for r in response.json["revisions"]] == [(1, "effective")]
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize("login", ["head", "qo"])
def test_those_who_may_read_drafts_get_them_too(api_as, with_draft, login):
    response = api_as(login).get(f"/api/v1/procedures/{with_draft}")
    assert response.status_code == 200
    assert [(r["number"], r["state"]) for r in response.json["revisions"]] == [(1, "effective"), (2, "draft")]
