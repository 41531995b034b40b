"""The command line: `init`, `user add`, `token create`. Mistakes are one
sentence and a non-zero exit, never a traceback."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, func, select

from core import create_app
from core.accounts import organisation, services
from core.accounts.models import Department, Role, User
from core.database import db


@pytest.fixture
def fresh(tmp_path, empty_database):
    """An instance whose database exists but is empty (no schema), as on a new machine."""
    url = empty_database(folder=tmp_path / "fresh")
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "cli",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
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


def row_counts(app) -> dict[str, int]:
    with app.app_context(), db.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(bind=connection)
        return {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
            # FTS5's own pages, whose number follows the index's history, not its content.
            if not name.startswith("search_fts")
        }


def password_from(output: str) -> str:
    line = next(line for line in output.splitlines() if "One-time password:" in line)
    return line.rsplit(":", 1)[1].strip()


def test_init_twice_is_safe_and_prints_the_password_only_once(fresh):
    first = run(fresh, "init")
    assert first.exit_code == 0, first.output
    password = password_from(first.output)
    with fresh.app_context():
        assert services.authenticate("admin", password) is not None
        db.session.commit()
        assert services.site_by_code("MAIN").name
        assert {d.code for d in db.session.execute(db.select(Department)).scalars()} >= {
            "SALES",
            "AFTERSALES",
            "TRAINING",
            "MARKETING",
            "RISK",
            "COMMS",
            "QUALITY",
        }
        assert services.user_by_login("admin").roles == {Role.ADMIN}
    after_first = row_counts(fresh)

    second = run(fresh, "init")
    assert second.exit_code == 0, second.output
    assert "One-time password" not in second.output
    assert row_counts(fresh) == after_first
    with fresh.app_context():
        assert db.session.execute(db.select(func.count()).select_from(User).filter_by(login="admin")).scalar() == 1
        assert services.authenticate("admin", password) is not None


def test_init_takes_the_admin_password_from_a_file(fresh, tmp_path):
    secret = tmp_path / "admin-password"
    secret.write_text("correct horse staple\n")
    outcome = run(fresh, "init", "--admin-password-file", str(secret))
    assert outcome.exit_code == 0, outcome.output
    assert "One-time password" not in outcome.output
    with fresh.app_context():
        assert services.authenticate("admin", "correct horse staple") is not None


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "Cannot read the password file"),
        ("", "is empty"),
        ("short", "at least"),
    ],
)
def test_init_refuses_a_bad_admin_password_file(fresh, tmp_path, content, words):
    path = tmp_path / "pw"
    if content is not None:
        path.write_text(content)
    error = one_sentence_error(run(fresh, "init", "--admin-password-file", str(path)))
    assert words in error


@pytest.fixture
def initialised(fresh, tmp_path):
    secret = tmp_path / "admin-password"
    secret.write_text("correct horse staple")
    assert run(fresh, "init", "--admin-password-file", str(secret)).exit_code == 0
    return fresh


def test_user_add_with_several_roles_and_a_password_file(initialised, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("a long and secret phrase")
    outcome = run(
        initialised,
        "user",
        "add",
        "alice",
        "--role",
        "auditor",
        "--role",
        "staff",
        "--department",
        "training",
        "--site",
        "MAIN",
        "--name",
        "Alice Auditor",
        "--password-file",
        str(secret),
    )
    assert outcome.exit_code == 0, outcome.output
    assert "One-time password" not in outcome.output
    with initialised.app_context():
        alice = services.user_by_login("alice")
        assert alice.roles == {Role.AUDITOR, Role.STAFF}
        assert (alice.department.code, alice.site.code, alice.display_name) == ("TRAINING", "MAIN", "Alice Auditor")
        assert services.authenticate("alice", "a long and secret phrase") is not None


def test_user_add_makes_a_department_head_the_head_and_prints_a_one_time_password(initialised):
    outcome = run(initialised, "user", "add", "bob", "--role", "department_head", "--department", "AFTERSALES")
    assert outcome.exit_code == 0, outcome.output
    password = password_from(outcome.output)
    with initialised.app_context():
        # No --site: bob works in the group office, so he heads after-sales group-wide.
        assert organisation.head_of(services.department_by_code("AFTERSALES"), None).login == "bob"
        assert services.authenticate("bob", password) is not None


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["carol", "--role", "boss"], "unknown role boss"),
        (["carol"], "at least one role"),
        (["carol", "--role", "staff", "--department", "NOPE"], "no department with code 'NOPE'"),
        (["carol", "--role", "staff", "--site", "NOWHERE"], "no site with code 'NOWHERE'"),
        (["carol", "--role", "department_head"], "needs a department"),
        (["admin", "--role", "staff"], "already exists"),
        (["Not A Login!", "--role", "staff"], "Login"),
    ],
)
def test_user_add_mistakes_are_one_sentence(initialised, args, words):
    before = row_counts(initialised)
    error = one_sentence_error(run(initialised, "user", "add", *args))
    assert words in error
    assert row_counts(initialised) == before


def test_token_create_prints_a_token_that_authenticates(initialised):
    assert run(initialised, "user", "add", "robot", "--role", "staff").exit_code == 0
    outcome = run(initialised, "token", "create", "robot", "--name", "ERP import")
    assert outcome.exit_code == 0, outcome.output
    token = outcome.output.strip()
    with initialised.app_context():
        assert services.user_for_token(token).login == "robot"
        assert services.user_for_token(token[:-1] + ("x" if token[-1] != "x" else "y")) is None
        (stored,) = services.tokens_of(services.user_by_login("robot"))
        assert stored.name == "ERP import" and token not in (stored.token_hash, stored.prefix)


def test_token_create_for_an_unknown_or_deactivated_user_is_one_sentence(initialised):
    assert "no user with login 'ghost'" in one_sentence_error(run(initialised, "token", "create", "ghost"))
    assert run(initialised, "user", "add", "leaver", "--role", "staff").exit_code == 0
    with initialised.app_context():
        services.user_by_login("leaver").active = False
        db.session.commit()
    assert "deactivated" in one_sentence_error(run(initialised, "token", "create", "leaver"))


@pytest.mark.parametrize(
    "args",
    [
        ("demo-data", "--scale", "small"),
        ("user", "add", "alice", "--role", "staff"),
        ("token", "create", "admin"),
    ],
)
def test_a_command_on_a_database_init_never_ran_on_says_to_run_init(fresh, args):
    outcome = run(fresh, *args)
    assert one_sentence_error(outcome) == "Error: This database is not set up yet: run `dealerqms init` first."
