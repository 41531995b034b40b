"""pytest fixtures for dealerqms and for plugin authors (a ``pytest11`` entry point).

Installed with dealerqms, so a plugin's own test suite gets them without
importing anything::

    def test_my_checklist_is_listed(app, api_as):
        response = api_as("auditor").get("/api/v1/checklists")
        assert "usedcars.appraisal" in {c["key"] for c in response.json}

The database is SQLite in a temporary folder, or PostgreSQL when
``DEALERQMS_TEST_DATABASE_URL`` names a server database (each test gets its
own database, cloned from a migrated template, so tests never see each other).

Fixtures: ``app`` (``app_config`` to change its configuration), ``db_session``
helpers via ``app``, ``make_user``, ``users`` (one per role), ``client``,
``client_as(login_or_role)``, ``api_as(login_or_role)``, ``csrf_token(client)``,
``register_plugin`` (register a plugin object for one test) and ``make_app``
(one more app with given plugins or configuration). Helpers for assertions:
``registry(app)`` and ``describe_plugins(app)``.

Test apps load the built-in plugins only; set ``DEALERQMS_LOAD_ENTRYPOINTS``
to ``True`` in ``app_config`` to load every installed one (your plugin too).
"""

from __future__ import annotations

# The fixtures import the product inside themselves: pytest imports this
# module (a pytest11 plugin) when it starts, before coverage and the test
# clock begin, and a plugin author's suite may never need an app at all.
import contextlib
import os
import re
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

TEST_PASSWORD = "correct horse battery"
ROLE_USERS = {
    # role → (login, printed name, department)
    "admin": ("admin", "Ada Admin", "QUALITY"),
    "quality_officer": ("qo", "Quinn Quality", "QUALITY"),
    "department_head": ("head", "Hana Head", "SALES"),
    "auditor": ("auditor", "Aiden Auditor", "TRAINING"),
    "staff": ("staff", "Sam Staff", "SALES"),
}
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# Test apps load the built-in plugins but no third-party one that happens to
# be installed; a test that wants those sets DEALERQMS_LOAD_ENTRYPOINTS=True.
PLUGIN_TEST_CONFIG = {"DEALERQMS_LOAD_ENTRYPOINTS": "builtin"}


def _server_url() -> str | None:
    return os.environ.get("DEALERQMS_TEST_DATABASE_URL") or None


def _build_schema(url: str, instance: Path) -> None:
    from core import create_app
    from core.migration import upgrade

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "schema-build",
            **PLUGIN_TEST_CONFIG,
        }
    )
    with app.app_context():
        upgrade()
        from core.database import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory):
    """A migrated, empty database that every test clones."""
    instance = tmp_path_factory.mktemp("template-instance")
    server = _server_url()
    if server is None:
        path = instance / "template.sqlite3"
        _build_schema(f"sqlite:///{path}", instance)
        yield ("sqlite", path)
        return
    base = make_url(server)
    name = f"dqtpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    _build_schema(base.set(database=name).render_as_string(hide_password=False), instance)
    yield ("postgresql", (admin, base, name))
    _retry_while_busy(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# Autovacuum connects to freshly written databases now and then: PostgreSQL
# then refuses to copy a template that has a session, and a non-superuser
# may not terminate that worker to drop a database. Both pass in a moment.
_BUSY = ("being accessed by other users", "must be a member of the role whose process is being terminated")


def _retry_while_busy(admin, statement: str, attempts: int = 100) -> None:
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
            return
        except DBAPIError as error:
            if not any(reason in str(error) for reason in _BUSY) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


def _create_from_template(admin, name: str, template_name: str) -> None:
    _retry_while_busy(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')


def _clone(template, tmp_path: Path) -> tuple[str, callable]:
    kind, value = template
    if kind == "sqlite":
        import shutil

        target = tmp_path / "dealerqms.sqlite3"
        shutil.copyfile(value, target)
        return f"sqlite:///{target}", lambda: None
    admin, base, template_name = value
    name = f"dqt_{uuid.uuid4().hex[:12]}"
    _create_from_template(admin, name, template_name)

    def drop():
        _retry_while_busy(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def app_config() -> dict:
    """Override to change the test app's configuration."""
    return {}


@contextlib.contextmanager
def _test_app(template, folder: Path, overrides: dict):
    from core import create_app
    from core.accounts.services import ensure_defaults
    from core.database import commit, db

    url, drop = _clone(template, folder)
    try:
        config = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(folder / "instance"),
            "SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "SERVER_NAME": None,
            **PLUGIN_TEST_CONFIG,
        }
        config.update(overrides)
        application = create_app(config)
        with application.app_context():
            ensure_defaults()
            commit()
        try:
            yield application
        finally:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        drop()


@pytest.fixture
def app(_database_template, tmp_path, app_config):
    with _test_app(_database_template, tmp_path, app_config) as application:
        yield application


@pytest.fixture
def make_app(_database_template, tmp_path):
    """``make_app(plugins={name: plugin}, **config)``: one more app, with its own database.

    For a test that needs an app with particular plugins or configuration
    (or that expects start-up to fail: ``create_app``'s exception propagates).
    """
    with contextlib.ExitStack() as stack:

        def make(plugins: dict | None = None, **config):
            if plugins is not None:
                config["DEALERQMS_EXTRA_PLUGINS"] = plugins
            folder = tmp_path / f"app-{uuid.uuid4().hex[:8]}"
            folder.mkdir()
            return stack.enter_context(_test_app(_database_template, folder, config))

        yield make


@pytest.fixture
def make_user(app):
    """``make_user(login, roles, department="SALES", site="MAIN", password=TEST_PASSWORD)``."""
    from core.accounts import services
    from core.database import commit

    def make(
        login: str,
        roles,
        department: str | None = "SALES",
        site: str | None = "MAIN",
        password: str = TEST_PASSWORD,
        display_name: str | None = None,
    ):
        with app.app_context():
            user = services.create_user(
                None,
                login=login,
                display_name=display_name or login.title(),
                roles=[roles] if isinstance(roles, str) else roles,
                password=password,
                department=services.department_by_code(department) if department else None,
                site=services.site_by_code(site) if site else None,
            )
            commit()
            return user.id

    return make


@pytest.fixture
def users(app, make_user) -> dict[str, str]:
    """One user per role; maps role → login (all with ``TEST_PASSWORD``)."""
    for role, (login, name, department) in ROLE_USERS.items():
        make_user(login, role, department=department, display_name=name)
    return {role: login for role, (login, _n, _d) in ROLE_USERS.items()}


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client) -> str:
    """The CSRF token of the client's session, as a page would embed it."""
    page = client.get("/login", follow_redirects=True)
    match = _CSRF_META.search(page.get_data(as_text=True))
    assert match, "the page has no csrf-token meta tag"
    return match.group(1)


@pytest.fixture(name="csrf_token")
def csrf_token_fixture():
    return csrf_token


def _login_for(users_by_role, who: str) -> str:
    return users_by_role.get(who, who)


@pytest.fixture
def client_as(app, users):
    """A test client logged in through the real login form as a role or a login."""

    def make(who: str, password: str = TEST_PASSWORD):
        client = app.test_client()
        token = csrf_token(client)
        response = client.post(
            "/login", data={"login": _login_for(users, who), "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, f"login as {who} failed: {response.status_code}"
        return client

    return make


class ApiClient:
    """A test client that sends a bearer token with every request."""

    def __init__(self, client, token: str):
        self._client, self.token = client, token

    def _headers(self, kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def open(self, method: str, path: str, **kwargs):
        return self._client.open(path, method=method, headers=self._headers(kwargs), **kwargs)

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.open("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.open("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.open("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.open("DELETE", path, **kwargs)


@pytest.fixture
def api_as(app, users):
    """An API client with a fresh bearer token of a role's user (or a login)."""
    from core.accounts import services
    from core.database import commit

    def make(who: str) -> ApiClient:
        with app.app_context():
            user = services.user_by_login(_login_for(users, who))
            _token, plain = services.create_token(None, user, "test")
            commit()
        return ApiClient(app.test_client(), plain)

    return make


@pytest.fixture
def register_plugin(app):
    """``register_plugin(plugin, name)``: add a plugin to ``app`` for one test.

    ``plugin`` is a module or an object with ``@hookimpl`` methods; ``name``
    is the plugin's name (its keys start with ``<name>.``). Its definitions
    are validated as at start-up (a broken one raises ``PluginError``). Call
    it before the test's first request, or its blueprint cannot be mounted.
    """
    from core.plugin_engine import manager

    registered = []

    def register(plugin, name: str):
        manager.register(plugin, name, app=app)
        registered.append(name)
        return plugin

    yield register
    for name in reversed(registered):
        manager.unregister(name, app=app)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """argon2id with its cheapest parameters during tests.

    The production cost (about 0.3 s a hash on a small machine) is the point
    of argon2, but a suite creates and logs in hundreds of users; the
    algorithm, the encoding and every check stay the real ones.
    """
    from argon2 import PasswordHasher

    from core.accounts import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def empty_database(tmp_path):
    """``empty_database(kind=None, folder=None) -> url``: a new database with no schema.

    Of the suite's kind (PostgreSQL when ``DEALERQMS_TEST_DATABASE_URL`` is
    set, else SQLite in ``folder``) unless ``kind`` says otherwise; server
    databases are dropped after the test. For tests of ``init``, restore and
    the command line on a machine that has never seen dealerqms.
    """
    server = _server_url()
    made = []

    def make(kind: str | None = None, folder: Path | None = None) -> str:
        kind = kind or ("postgresql" if server else "sqlite")
        if kind == "sqlite":
            folder = Path(folder or tmp_path / f"db-{uuid.uuid4().hex[:6]}")
            folder.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{folder / 'dealerqms.sqlite3'}"
        base = make_url(server)
        name = f"dqe_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        _retry_while_busy(admin, f'CREATE DATABASE "{name}"')
        made.append((admin, name))
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    for admin, name in made:
        _retry_while_busy(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# Running the whole suite at another moment -----------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        metavar="WHEN",
        default=os.environ.get("DEALERQMS_TEST_CLOCK") or None,
        help="run every test as if the clock read WHEN (ISO 8601, e.g. 2026-12-31T16:30:00Z) when the session "
        "started; time goes on ticking from there. Also DEALERQMS_TEST_CLOCK.",
    )


_CLOCK_OFFSET = "DEALERQMS_TEST_CLOCK_OFFSET"
# Started by every Python process of a moved-clock run (xdist workers, job
# workers, the CLI run as a subprocess), so that they all read one clock.
_SITECUSTOMIZE = """\
import os, time
if os.environ.get("DEALERQMS_TEST_CLOCK_OFFSET"):  # a test may start a process with an environment of its own
    import time_machine
    time_machine.travel(time.time() + float(os.environ["DEALERQMS_TEST_CLOCK_OFFSET"]), tick=True).start()
"""


def pytest_configure(config):
    when = config.getoption("--clock", default=None)
    if not when or os.environ.get(_CLOCK_OFFSET):
        # No clock to move, or this process started with it moved already (an xdist worker).
        return
    import tempfile
    from datetime import datetime

    import time_machine

    moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise pytest.UsageError("--clock needs a time zone, e.g. 2026-12-31T16:30:00Z")
    os.environ[_CLOCK_OFFSET] = repr(moment.timestamp() - time.time())
    folder = Path(tempfile.mkdtemp(prefix="dealerqms-clock-"))
    (folder / "sitecustomize.py").write_text(_SITECUSTOMIZE)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    when = config.getoption("--clock", default=None)
    return [f"dealerqms: clock moved to {when}"] if when else []


def registry(app):
    """Every contribution of the plugins loaded in ``app``: ``.checklists``, ``.metrics``,
    ``.forms``, ``.procedure_templates``, ``.job_kinds``, ``.permissions`` (by key) and
    ``.plugin_of(kind, key)``. For a plugin's tests::

        assert registry(app).checklists["usedcars.appraisal"].area == "SALES"
    """
    from core.plugin_engine.manager import registry as registry_of

    return registry_of(app)


def describe_plugins(app, *, include_defaults: bool = False) -> list[dict]:
    """What ``dealerqms plugins --json`` (and ``GET /api/v1/plugins``) shows for ``app``."""
    from core.plugin_engine.manager import describe_plugins as describe

    return describe(app, include_defaults=include_defaults)


class SmtpInbox:
    """What a real SMTP server (aiosmtpd, on a free local port) received; ``refuse`` makes it
    answer every message with a temporary failure, as a mail server under load does."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's handler name)
        import email
        import email.policy

        if self.refuse:
            return "451 4.3.0 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A running SMTP server; point the app at it with ``mail_config(smtp_server)``."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_config(inbox: SmtpInbox) -> dict:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": inbox.port, "DEALERQMS_BASE_URL": "https://qms.example.com"}
