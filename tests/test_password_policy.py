"""The password policy, the same on every way a password is set: the account page, the
administration pages, the API and the command line."""

from __future__ import annotations

import re

import pytest

from core import create_app
from core.accounts import services
from core.accounts.passwords import MAX_LENGTH, password_problem
from core.database import db
from core.demo import DEMO_PASSWORD
from core.testing import TEST_PASSWORD

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HUGE = "x7#" * 33_334  # 100,002 characters

REFUSED = [
    ("1234567890", "must not be only digits"),
    ("password123", "is too common"),
    ("Password123!", "is too common"),
    ("qwertyuiop", "is too common"),
    ("sunshine2024", "is too common"),
    (" " * 10, "must not be only spaces"),
    ("short one", "at least 10 characters"),
    (HUGE, f"at most {MAX_LENGTH} characters"),
    ("abababababab", "more than three different characters"),
    ("staff-is-my-password", "must not contain the login name"),
]


@pytest.mark.parametrize(("password", "words"), REFUSED)
def test_the_policy_refuses(app, password, words):
    with app.test_request_context():
        assert words in password_problem(password, "staff")


@pytest.mark.parametrize(
    "password", [TEST_PASSWORD, DEMO_PASSWORD, "another good passphrase", "Zq8!tR2m#Lw4", "😀 emoji only ok 😀"]
)
def test_the_policy_accepts(app, password):
    with app.test_request_context():
        assert password_problem(password, "staff") is None


def test_a_one_time_password_always_passes(app):
    with app.test_request_context():
        for _attempt in range(200):
            assert password_problem(services.make_temporary_password("qo"), "qo") is None


def page_token(client, path="/"):
    return CSRF_META.search(client.get(path, follow_redirects=True).get_data(as_text=True)).group(1)


def still_has_the_old_password(app, login):
    with app.app_context():
        ok = services.authenticate(login, TEST_PASSWORD) is not None
        db.session.rollback()
        return ok


@pytest.mark.parametrize(("password", "words"), REFUSED)
def test_the_account_page_shows_the_reason_at_the_field(app, client_as, password, words):
    staff = client_as("staff")
    response = staff.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": password,
            "confirm": password,
            "csrf_token": page_token(staff),
        },
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert words in text
    field = re.search(r'<input[^>]*name="new_password"[^>]*>', text).group(0)
    assert 'aria-invalid="true"' in field, "the reason is at the new-password field"
    assert still_has_the_old_password(app, "staff")


def test_the_reason_is_in_the_readers_language(app, client_as):
    with app.app_context():
        services.set_locale(services.user_by_login("staff"), "zh_CN")
        db.session.commit()
    staff = client_as("staff")
    response = staff.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "password123",
            "confirm": "password123",
            "csrf_token": page_token(staff),
        },
    )
    assert response.status_code == 422
    assert "太常见" in response.get_data(as_text=True)


@pytest.fixture
def admin(client_as):
    return client_as("admin")


@pytest.mark.parametrize(("password", "words"), REFUSED[:3] + REFUSED[5:8])
def test_an_administrator_cannot_create_a_user_with_a_weak_password(app, admin, password, words):
    response = admin.post(
        "/admin/users/new",
        data={
            "login": "newbie",
            "display_name": "New Bie",
            "roles": ["staff"],
            "password": password,
            "csrf_token": page_token(admin),
        },
    )
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.text("select count(*) from user_account where login = 'newbie'")).scalar() == 0


@pytest.mark.parametrize(("password", "words"), REFUSED[:3] + REFUSED[5:8])
def test_an_administrator_cannot_set_a_weak_password(app, admin, password, words):
    response = admin.post(
        "/admin/users/staff/password", data={"new_password": password, "csrf_token": page_token(admin)}
    )
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert still_has_the_old_password(app, "staff")


@pytest.mark.parametrize(("password", "words"), REFUSED[:3] + REFUSED[5:6] + REFUSED[8:])
def test_the_api_answers_422_naming_the_field(app, api_as, users, password, words):
    admin = api_as("admin")
    created = admin.post(
        "/api/v1/users", json={"login": "staff2", "roles": ["staff"], "password": password.replace("staff", "staff2")}
    )
    assert created.status_code == 422, created.json
    assert created.headers["Content-Type"] == "application/problem+json"
    assert created.json["errors"] == [{"field": "password", "message": created.json["errors"][0]["message"]}]
    assert words in created.json["errors"][0]["message"]
    reset = admin.put("/api/v1/users/staff/password", json={"password": password})
    assert reset.status_code == 422 and [error["field"] for error in reset.json["errors"]] == ["password"]
    assert words in reset.json["errors"][0]["message"]
    assert still_has_the_old_password(app, "staff")


@pytest.mark.parametrize("password", ["short one", HUGE])
def test_the_api_refuses_lengths_before_anything_else(api_as, users, password):
    response = api_as("admin").put("/api/v1/users/staff/password", json={"password": password})
    assert response.status_code == 422
    assert [error["field"] for error in response.json["errors"]] == ["password"]


# The command line ------------------------------------------------------------------------


@pytest.fixture
def instance(tmp_path, empty_database):
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database(folder=tmp_path / "db"),
            "SECRET_KEY": "cli",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    secret = tmp_path / "admin-password"
    secret.write_text("correct horse staple")
    assert application.test_cli_runner().invoke(args=["init", "--admin-password-file", str(secret)]).exit_code == 0
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def one_sentence_error(outcome) -> str:
    assert outcome.exit_code != 0
    assert "Traceback" not in outcome.output
    lines = outcome.output.strip().splitlines()
    assert len(lines) == 1, outcome.output
    return lines[0]


@pytest.mark.parametrize(
    ("password", "words"),
    [("1234567890", "only digits"), ("password123", "too common"), (HUGE, "at most 256"), ("carol1234567", "login")],
)
def test_the_command_line_refuses_in_one_sentence(instance, tmp_path, password, words):
    path = tmp_path / "pw"
    path.write_text(password)
    error = one_sentence_error(run(instance, "user", "add", "carol", "--role", "staff", "--password-file", str(path)))
    assert words in error
    error = one_sentence_error(run(instance, "user", "set-password", "admin", "--password-file", str(path)))
    assert words in error or "login" in words
    error = one_sentence_error(run(instance, "init", "--admin-password-file", str(path)))
    assert words in error or "login" in words


def test_a_password_file_of_spaces_is_refused(instance, tmp_path):
    path = tmp_path / "pw"
    path.write_text(" " * 10)
    outcome = run(instance, "user", "set-password", "admin", "--password-file", str(path))
    assert "is empty" in one_sentence_error(outcome)


def test_set_password_from_the_command_line(instance, tmp_path):
    path = tmp_path / "pw"
    path.write_text("a fresh secret phrase")
    outcome = run(instance, "user", "set-password", "admin", "--password-file", str(path))
    assert outcome.exit_code == 0, outcome.output
    assert "One-time password" not in outcome.output
    outcome = run(instance, "user", "set-password", "ADMIN")
    assert outcome.exit_code == 0, outcome.output
    one_time = re.search(r"One-time password: (\S+)", outcome.output).group(1)
    with instance.app_context():
        assert services.authenticate("admin", one_time) is not None
    assert "no user with login 'ghost'" in one_sentence_error(run(instance, "user", "set-password", "ghost"))
