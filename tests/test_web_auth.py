"""Logging in and out, the session's life and the headers every page carries."""

import re
from datetime import timedelta

import pytest
import time_machine

from core.clock import utcnow
from core.testing import TEST_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def page_token(client, path="/"):
    """The CSRF token a page of this client's session embeds."""
    match = CSRF_META.search(client.get(path, follow_redirects=True).get_data(as_text=True))
    assert match, f"{path} has no csrf-token meta tag"
    return match.group(1)


def log_in(client, login, password=TEST_PASSWORD):
    token = page_token(client, "/login")
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token})


def test_login_page_offers_a_form_protected_by_csrf(client):
    page = client.get("/login")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="login"' in text and 'name="password"' in text
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', text)


def test_log_in_see_the_dashboard_and_log_out(client, users):
    response = log_in(client, "qo")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Quinn Quality" in dashboard.get_data(as_text=True)

    response = client.post("/logout", data={"csrf_token": page_token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert "You are logged out." in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_off_site(client, users):
    response = client.get("/account")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]

    token = page_token(client, "/login")
    response = client.post(
        "/login", data={"login": "qo", "password": TEST_PASSWORD, "next": "/account", "csrf_token": token}
    )
    assert response.headers["Location"] == "/account"

    other = client.application.test_client()
    token = page_token(other, "/login")
    response = other.post(
        "/login", data={"login": "qo", "password": TEST_PASSWORD, "next": "//evil.example/phish", "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_wrong_password_says_so_and_keeps_the_user_out(client, users):
    response = log_in(client, "qo", "not the password")
    assert response.status_code == 401
    assert "Unknown login or wrong password." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_empty_login_form_shows_field_errors(client, users):
    response = client.post("/login", data={"login": "", "password": "", "csrf_token": page_token(client, "/login")})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count('class="field-error"') == 2


def test_logout_is_not_possible_with_get(client_as):
    client = client_as("qo")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_a_post_without_csrf_token_is_refused(client_as):
    client = client_as("qo")
    response = client.post("/logout")
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200, "the refused logout must not have logged out"


def test_login_rotates_the_session(client, users):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    before_cookie = client.get_cookie("session").value
    before_token = page_token(client, "/login")

    response = client.post("/login", data={"login": "qo", "password": TEST_PASSWORD, "csrf_token": before_token})
    assert response.status_code == 302

    assert client.get_cookie("session").value != before_cookie
    with client.session_transaction() as session:
        assert "planted" not in session
    after_token = page_token(client)
    assert after_token != before_token
    # A form made with the pre-login token (one an attacker could have planted) is refused.
    assert client.post("/logout", data={"csrf_token": before_token}).status_code == 400

    # The pre-login session cookie does not carry the login.
    replay = client.application.test_client()
    replay.set_cookie("session", before_cookie)
    assert replay.get("/").status_code == 302


@pytest.fixture
def short_idle(app):
    app.config["DEALERQMS_IDLE_TIMEOUT"] = timedelta(minutes=1)


def test_an_active_session_stays_logged_in(short_idle, client_as):
    client = client_as("qo")
    with time_machine.travel(utcnow(), tick=False) as clock:
        # Three minutes in all, but never a minute without a request.
        for _step in range(4):
            clock.shift(timedelta(seconds=50))
            assert client.get("/account").status_code == 200, "each request restarts the idle clock"


def test_an_idle_session_is_logged_out(short_idle, client_as):
    client = client_as("qo")
    assert client.get("/").status_code == 200
    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        response = client.get("/account")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?")
        assert "idle=1" in response.headers["Location"] and "next=/account&" in response.headers["Location"]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "You were logged out after a period of inactivity." in page
        assert client.get("/").status_code == 302


@pytest.fixture
def app_config():
    return {"DEALERQMS_LOGIN_MAX_FAILURES": 2}


def test_repeated_failures_make_the_login_wait_then_the_right_password_gets_in(client, users):
    assert log_in(client, "qo", "wrong one").status_code == 401
    assert log_in(client, "qo", "wrong two").status_code == 401
    response = log_in(client, "qo")
    assert response.status_code == 429, "even the right password waits out the delay"
    assert "Too many failed logins. Try again in 30 seconds." in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "30"
    assert client.get("/").status_code == 302
    # Another account is not affected.
    other = client.application.test_client()
    assert log_in(other, "auditor").status_code == 302

    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
        assert log_in(client, "qo").status_code == 302
        assert client.get("/").status_code == 200


def test_security_headers_on_every_page(client_as):
    client = client_as("admin")
    for path in ["/login", "/", "/admin/users", "/account", "/trail", "/no-such-page"]:
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'", csp)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert response.headers["Referrer-Policy"] == "same-origin", path


def test_pages_need_no_inline_script_or_style(client_as):
    """The CSP blocks inline styles and un-nonced scripts; a page using them would break."""
    client = client_as("admin")
    for path in [
        "/login",
        "/",
        "/admin/users",
        "/admin/users/new",
        "/admin/users/staff",
        "/admin/sites/MAIN",
        "/admin/departments/SALES",
        "/account",
        "/trail?verify=1",
    ]:
        text = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"<script(?![^>]*\bnonce=)", text), path
        assert not re.search(r"\son[a-z]+=", text), f"{path}: inline event handlers are blocked by the CSP"


@pytest.fixture
def secure_cookie_app(app):
    # The production default; the test fixture relaxes it for plain http.
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    return app


def test_session_cookie_flags(secure_cookie_app, users):
    client = secure_cookie_app.test_client()
    token = page_token(client, "https://localhost/login")
    # Over HTTPS, Flask-WTF also insists on a same-origin Referer.
    response = client.post(
        "https://localhost/login",
        headers={"Referer": "https://localhost/login"},
        data={"login": "qo", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
