"""Who may open which page: every web route of the shell, for every role and
for a visitor who is not logged in.

The expectations are written out per route; a route added to these
blueprints without an entry here fails the test until someone decides who
may use it.
"""

import re

import pytest

from core.accounts import services
from core.database import db
from core.testing import ROLE_USERS

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
BLUEPRINTS = {"web", "auth", "account", "admin"}
ROLES = list(ROLE_USERS)  # admin, quality_officer, department_head, auditor, staff
ANONYMOUS = None

EVERYONE = {role: 200 for role in ROLES} | {ANONYMOUS: 302}
ADMIN_PAGE = {role: 403 for role in ROLES} | {"admin": 200, ANONYMOUS: 302}
# An admin's form posted empty is invalid (422) — the request got through to validation.
ADMIN_FORM = {role: 403 for role in ROLES} | {"admin": 422, ANONYMOUS: 302}
TRAIL_READERS = {role: 200 for role in ROLES} | {"staff": 403, ANONYMOUS: 302}
OWN_FORM = {role: 422 for role in ROLES} | {ANONYMOUS: 302}

# (endpoint, method) → role → status. POSTs carry a valid CSRF token and no
# fields unless PAYLOADS says otherwise.
EXPECTED = {
    ("web.dashboard", "GET"): EVERYONE,
    ("web.trail", "GET"): TRAIL_READERS,
    ("auth.login", "GET"): {role: 302 for role in ROLES} | {ANONYMOUS: 200},
    ("auth.login", "POST"): {role: 302 for role in ROLES} | {ANONYMOUS: 422},
    ("auth.language", "POST"): {role: 302 for role in ROLES} | {ANONYMOUS: 302},
    ("auth.logout", "POST"): {role: 302 for role in ROLES} | {ANONYMOUS: 302},
    ("account.profile", "GET"): EVERYONE,
    ("account.save_profile", "POST"): OWN_FORM,
    ("account.change_password", "POST"): OWN_FORM,
    ("account.create_token", "POST"): EVERYONE,
    # The admin's own token: only the admin revokes it.
    ("account.revoke_token", "POST"): {role: 404 for role in ROLES} | {"admin": 302, ANONYMOUS: 302},
    # Another browser's session of the admin: only the admin ends it; to others it does not exist.
    ("account.end_session", "POST"): {role: 404 for role in ROLES} | {"admin": 302, ANONYMOUS: 302},
    ("account.end_other_sessions", "POST"): {role: 302 for role in ROLES} | {ANONYMOUS: 302},
    ("admin.users", "GET"): ADMIN_PAGE,
    ("admin.new_user", "GET"): ADMIN_PAGE,
    ("admin.new_user", "POST"): ADMIN_FORM,
    ("admin.user", "GET"): ADMIN_PAGE,
    ("admin.user", "POST"): ADMIN_FORM,
    ("admin.set_user_password", "POST"): ADMIN_FORM,
    ("admin.sites", "GET"): ADMIN_PAGE,
    ("admin.new_site", "GET"): ADMIN_PAGE,
    ("admin.new_site", "POST"): ADMIN_FORM,
    ("admin.site", "GET"): ADMIN_PAGE,
    ("admin.site", "POST"): ADMIN_FORM,
    ("admin.departments", "GET"): ADMIN_PAGE,
    ("admin.new_department", "GET"): ADMIN_PAGE,
    ("admin.new_department", "POST"): ADMIN_FORM,
    ("admin.department", "GET"): ADMIN_PAGE,
    ("admin.department", "POST"): ADMIN_FORM,
    ("admin.department_heads", "POST"): ADMIN_FORM,
}

PAYLOADS = {("auth.language", "POST"): {"locale": "en"}}


def _routes(app):
    """(endpoint, method, rule) of every state-reading and state-changing route of the shell."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BLUEPRINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


def _path(app, rule, token_id, session_id):
    values = {
        "login": "staff",
        "code": "MAIN" if "site" in rule.endpoint else "SALES",
        "site_key": "MAIN",
        "token_id": token_id,
        "session_id": session_id,
    }
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def test_every_route_has_an_expectation(app):
    routes = {(endpoint, method) for endpoint, method, _rule in _routes(app)}
    assert routes == set(EXPECTED), "routes without an expectation (or expectations without a route)"


def test_no_route_changes_state_on_get(app):
    """Only these read-only pages answer GET; everything else needs a POST with a CSRF token."""
    readers = {endpoint for (endpoint, method) in EXPECTED if method == "GET"}
    for endpoint, method, _rule in _routes(app):
        if method == "GET":
            assert endpoint in readers


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS], ids=[*ROLES, "anonymous"])
def test_route_role_matrix(app, users, client_as, client, role):
    with app.app_context():
        token, _plain = services.create_token(None, services.user_by_login("admin"), "matrix")
        db.session.commit()
        token_id = token.id
    client_as("admin")
    with app.app_context():
        (session_id,) = [record.id for record in services.active_sessions_of(services.user_by_login("admin"))]
    browser = client_as(role) if role else client
    # Ending sessions and logging out end what the other requests need: they go last.
    last = ("account.end_session", "account.end_other_sessions", "auth.logout")
    routes = sorted(_routes(app), key=lambda route: last.index(route[0]) + 1 if route[0] in last else 0)
    wrong = []
    for endpoint, method, rule in routes:
        path = _path(app, rule, token_id, session_id)
        if method == "GET":
            response = browser.get(path)
        else:
            csrf = CSRF_META.search(browser.get("/login", follow_redirects=True).get_data(as_text=True)).group(1)
            response = browser.post(path, data={"csrf_token": csrf, **PAYLOADS.get((endpoint, method), {})})
        expected = EXPECTED[(endpoint, method)][role]
        if response.status_code != expected:
            wrong.append(f"{method} {path}: {response.status_code}, expected {expected}")
        if expected == 302 and role is ANONYMOUS and endpoint != "auth.language":
            assert response.headers["Location"].startswith("/login"), path
    assert not wrong, f"as {role or 'anonymous'}:\n" + "\n".join(wrong)
