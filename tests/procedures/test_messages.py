"""What document control says when it refuses, in the reader's language and words:
states by their labels, fields by the names the forms give them."""

import pytest

from core.database import commit
from tests.procedures.conftest import make_procedure, user

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def submitted(app, people):
    from procedures import services

    with app.app_context():
        revision = make_procedure().revisions[0]
        services.submit(user("qo2"), revision, row_version=revision.row_version)
        commit()
        return revision.row_version


def test_a_refusal_names_the_state_by_its_label_in_the_callers_language(api_as, submitted):
    url = "/api/v1/procedures/SA-PR-001/revisions/1/submit"
    english = api_as("qo2").post(url, json={"row_version": submitted}, headers=EN)
    assert english.status_code == 409
    assert english.json["detail"] == "Revision 1 is in review; only a draft can be submitted."
    chinese = api_as("qo2").post(url, json={"row_version": submitted}, headers=ZH)
    assert chinese.status_code == 409
    assert chinese.json["detail"] == "第 1 版为“审核中”，只有草稿才能提交。"
    assert "in_review" not in chinese.json["detail"]


def test_a_missing_field_is_named_by_its_label_not_its_key(api_as, people, app):
    with app.app_context():
        make_procedure()
        commit()
    url = "/api/v1/procedures/SA-PR-001/revisions/1"
    english = api_as("qo2").patch(url, json={"body": "# Changed\n"}, headers=EN)
    assert english.status_code == 422 and english.json["detail"] == "Check these fields: Version."
    assert english.json["errors"][0]["field"] == "row_version"
    chinese = api_as("qo2").patch(url, json={"body": "# Changed\n"}, headers=ZH)
    assert chinese.json["detail"] == "请检查以下字段：版本。"


def test_a_wrong_signing_password_says_so_in_the_users_language(app, client_as, submitted, csrf_token):
    from core.accounts import services as accounts

    with app.app_context():
        accounts.user_by_login("qo").locale = "zh_CN"
        commit()
    client = client_as("qo")
    refused = client.post(
        "/procedures/SA-PR-001/revisions/1/sign/approved",
        data={"csrf_token": csrf_token(client), "meaning": "approved", "password": "not it"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "这不是您账户的密码，请重新输入。" in page
    assert "does not match" not in page
    english = client_as("head")
    refused = english.post(
        "/procedures/SA-PR-001/revisions/1/sign/approved",
        data={"csrf_token": csrf_token(english), "meaning": "approved", "password": "not it"},
    )
    assert "This is not the password of your account; type it again." in refused.get_data(as_text=True)
