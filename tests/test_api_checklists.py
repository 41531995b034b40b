"""GET /api/v1/checklists and /api/v1/checklists/{key}: plugin checklists in the caller's language."""

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from core.plugins import Checklist, Question, hookimpl


class Walkaround:
    """A plugin contributing one checklist; one question's text is translatable
    (a message the core's catalogs translate, as a plugin's own catalog would)."""

    @hookimpl
    def register_checklists(self):
        return [
            Checklist(
                key="walkaround.yard",
                title="Yard walk-around",
                area="SALES",
                version=2,
                description="Outside the showroom",
                questions=[
                    Question(
                        key="signs",
                        text="Are prices shown on every car?",
                        reference="ISO 9001 8.2.1",
                        guidance="Walk the whole yard.",
                    ),
                    Question(key="history", text=_l("History")),
                ],
            )
        ]


@pytest.fixture
def walkaround(app, register_plugin):
    register_plugin(Walkaround(), "walkaround")


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def test_the_checklists_need_a_token(client, walkaround):
    _problem(client.get("/api/v1/checklists"), 401)
    _problem(client.get("/api/v1/checklists/walkaround.yard"), 401)


def test_the_list_and_one_checklist_carry_their_questions(api_as, walkaround):
    api = api_as("staff")
    listed = api.get("/api/v1/checklists")
    assert listed.status_code == 200
    yard = next(c for c in listed.json if c["key"] == "walkaround.yard")
    assert yard == {
        "key": "walkaround.yard",
        "title": "Yard walk-around",
        "description": "Outside the showroom",
        "area": "SALES",
        "departments": ["SALES"],
        "version": 2,
        "plugin": "walkaround",
        "origin": "walkaround",
        "scale": "grades",
        "pass_threshold": None,
        "sections": [],
        "questions": [
            {
                "key": "signs",
                "text": "Are prices shown on every car?",
                "reference": "ISO 9001 8.2.1",
                "guidance": "Walk the whole yard.",
                "section": "",
                "weight": 1.0,
                "must_pass": False,
            },
            {
                "key": "history",
                "text": "History",
                "reference": "",
                "guidance": "",
                "section": "",
                "weight": 1.0,
                "must_pass": False,
            },
        ],
    }
    assert [c["key"] for c in listed.json] == sorted(c["key"] for c in listed.json)
    one = api.get("/api/v1/checklists/walkaround.yard")
    assert one.status_code == 200 and one.json == yard


def test_an_unknown_checklist_is_a_problem_404(api_as, walkaround):
    problem = _problem(api_as("staff").get("/api/v1/checklists/walkaround.nothing"), 404)
    assert "walkaround.nothing" in problem["detail"]


def _history_text(response):
    assert response.status_code == 200
    return next(q["text"] for q in response.json["questions"] if q["key"] == "history")


def test_texts_follow_accept_language_then_the_token_users_language(app, api_as, users, walkaround):
    from core.accounts import services
    from core.database import commit

    with app.test_request_context(), force_locale("zh_CN"):
        in_chinese = str(_l("History"))
    assert in_chinese != "History"
    api = api_as("staff")
    assert _history_text(api.get("/api/v1/checklists/walkaround.yard")) == "History"
    chinese = api.get("/api/v1/checklists/walkaround.yard", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert _history_text(chinese) == in_chinese
    listed = api.get("/api/v1/checklists", headers={"Accept-Language": "zh-CN"})
    assert next(c for c in listed.json if c["key"] == "walkaround.yard")["questions"][1]["text"] == in_chinese

    with app.app_context():
        services.set_locale(services.user_by_login("staff"), "zh_CN")
        commit()
    assert _history_text(api.get("/api/v1/checklists/walkaround.yard")) == in_chinese
    # An explicit header still wins for that one response; a wildcard asks for nothing.
    assert _history_text(api.get("/api/v1/checklists/walkaround.yard", headers={"Accept-Language": "en"})) == "History"
    assert _history_text(api.get("/api/v1/checklists/walkaround.yard", headers={"Accept-Language": "*"})) == in_chinese


def test_the_checklist_endpoints_are_documented(client, walkaround):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert paths["/api/v1/checklists"]["get"]["tags"] == ["checklists"]
    assert "404" in paths["/api/v1/checklists/{key}"]["get"]["responses"]
    assert "/api/v1/plugins" in paths
