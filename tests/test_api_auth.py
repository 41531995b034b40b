"""Bearer tokens: who may call what, and who the trail says did it."""

from __future__ import annotations

import re

import pytest

from core.accounts import services
from core.database import db
from core.testing import ApiClient
from core.trail.queries import history_of
from core.trail.recorder import entity_type_of

PROBLEM = "application/problem+json"


def assert_401(response, error: str | None) -> None:
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="dealerqms"')
    assert (f'error="{error}"' in challenge) if error else ("error=" not in challenge)


def test_a_token_in_another_scheme_is_refused(app, users, client):
    assert_401(client.get("/api/v1/users", headers={"Authorization": "Basic YWRtaW46cGFzcw=="}), "invalid_request")
    assert_401(client.get("/api/v1/users", headers={"Authorization": "Bearer "}), "invalid_request")


def test_an_unknown_token_is_refused(app, users, client):
    for token in ("dqms_not-a-real-token", "something-else"):
        assert_401(client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}), "invalid_token")


def test_a_revoked_token_is_refused(app, users, api_as):
    api = api_as("qo")
    assert api.get("/api/v1/me").status_code == 200
    with app.app_context():
        [token] = services.tokens_of(services.user_by_login("qo"))
        services.revoke_token(services.user_by_login("qo"), token)
        db.session.commit()
    assert_401(api.get("/api/v1/me"), "invalid_token")


def test_the_token_of_a_deactivated_user_is_refused(app, users, api_as):
    api = api_as("staff")
    admin = api_as("admin")
    staff = admin.get("/api/v1/users/staff").json
    assert (
        admin.patch("/api/v1/users/staff", json={"active": False, "row_version": staff["row_version"]}).status_code
        == 200
    )
    assert_401(api.get("/api/v1/me"), "invalid_token")


def test_a_session_cookie_does_not_authenticate_the_api(client_as):
    browser = client_as("admin")
    assert browser.get("/").status_code == 200
    assert_401(browser.get("/api/v1/users"), None)
    assert_401(browser.post("/api/v1/sites", json={"code": "NORTH", "name": "North"}), None)


def test_a_token_does_not_open_the_web_pages(app, users, api_as):
    response = api_as("admin").get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_token_calls_need_no_csrf_token_and_set_no_cookie(api_as):
    response = api_as("admin").post("/api/v1/sites", json={"code": "NORTH", "name": "North"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def _example_url(rule) -> str:
    # A value each argument's converter matches: a plugin key is dotted, a period is a month.
    examples = {"PluginKeyConverter": "sales.1", "PeriodConverter": "2026-01"}
    values = {argument: examples.get(type(rule._converters[argument]).__name__, "1") for argument in rule.arguments}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule.rule)


def test_every_api_route_needs_a_token(app, users, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_example_url(rule), method=method, json={})
            assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code}"
            checked += 1
    assert checked >= 20


# The authorization matrix: each endpoint against each role. ``None`` in the
# expectation means "let in" (whatever the outcome), a status means refused.
ALL = {"admin", "quality_officer", "department_head", "auditor", "staff"}
ADMIN = {"admin"}
TRAIL_READERS = ALL - {"staff"}

MATRIX = [
    ("GET", "/api/v1/sites", None, ALL),
    ("GET", "/api/v1/sites/MAIN", None, ALL),
    ("POST", "/api/v1/sites", {"code": "NORTH", "name": "North"}, ADMIN),
    ("PATCH", "/api/v1/sites/MAIN", {"name": "Main", "row_version": 1}, ADMIN),
    ("GET", "/api/v1/departments", None, ALL),
    ("GET", "/api/v1/departments/SALES", None, ALL),
    ("POST", "/api/v1/departments", {"code": "USED", "name": "Used cars"}, ADMIN),
    ("PATCH", "/api/v1/departments/MARKETING", {"name": "Marketing", "row_version": 1}, ADMIN),
    ("GET", "/api/v1/users", None, ALL),
    ("GET", "/api/v1/users/auditor", None, ALL),
    ("POST", "/api/v1/users", {"login": "newbie", "roles": ["staff"], "password": "correct horse battery"}, ADMIN),
    ("PATCH", "/api/v1/users/auditor", {"display_name": "A. Auditor", "row_version": 1}, ADMIN),
    ("PUT", "/api/v1/users/auditor/password", {"password": "another long password"}, ADMIN | {"auditor"}),
    ("GET", "/api/v1/me", None, ALL),
    ("PATCH", "/api/v1/me", {"locale": "zh_CN", "row_version": 1}, ALL),
    ("GET", "/api/v1/tokens", None, ALL),
    ("POST", "/api/v1/tokens", {"name": "script"}, ALL),
    ("GET", "/api/v1/plugins", None, ALL),
    ("GET", "/api/v1/trail", None, TRAIL_READERS),
    ("GET", "/api/v1/trail?entity_type=site&entity_id=1", None, TRAIL_READERS),
    ("GET", "/api/v1/trail/verify", None, TRAIL_READERS),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _b, _a in MATRIX])
def test_authorization_matrix(app, users, method, path, body, allowed):
    outcomes = {}
    for role, login in users.items():
        with app.app_context():
            _token, plain = services.create_token(None, services.user_by_login(login), "matrix")
            db.session.commit()
        response = ApiClient(app.test_client(), plain).open(method, path, json=body)
        outcomes[role] = response.status_code
        if role not in allowed:
            assert response.mimetype == PROBLEM
    # The auditor changing their own password without the current one is let
    # in and then refused for the missing field (422), not for the role.
    expected = {role: ("let in" if role in allowed else 403) for role in users}
    seen = {role: ("let in" if status not in (401, 403) else status) for role, status in outcomes.items()}
    assert seen == expected, outcomes
    for role in allowed & {"admin"}:
        assert outcomes[role] < 300, outcomes


def test_trail_events_of_an_api_call_name_the_token_user(app, users, api_as):
    response = api_as("admin").post("/api/v1/sites", json={"code": "NORTH", "name": "North"})
    assert response.status_code == 201
    qo_api = api_as("qo")
    response = qo_api.patch(
        "/api/v1/me",
        json={"display_name": "Quinn Q. Quality", "row_version": qo_api.get("/api/v1/me").json["row_version"]},
    )
    assert response.status_code == 200, response.json
    with app.app_context():
        site = services.site_by_code("NORTH")
        qo = services.user_by_login("qo")
        events = [*history_of(site), *history_of(qo)]
        actors = {
            (event.entity_type, event.action): event.actor for event in events if event.actor not in ("system", "cli")
        }
    assert actors == {("site", "create"): "admin", (entity_type_of(qo), "update"): "qo"}
