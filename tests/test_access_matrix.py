"""Authorization as a matrix: every route and API operation × every identity
(role × scope), against the design's table "Roles and permissions".

The expectations are in tests/access_matrix/table.py and come from the
design, not from what the product does today. A route of the app with no
entry there fails ``test_every_route_has_an_entry``.
"""

from __future__ import annotations

import contextlib

import pytest

from core.testing import PLUGIN_TEST_CONFIG, TEST_PASSWORD, ApiClient, _test_app, csrf_token
from tests.access_matrix import world as w
from tests.access_matrix.table import ENTRIES, IGNORED_RULES, cells_of, check_cell, route_keys


@pytest.fixture(scope="module")
def matrix(_database_template, tmp_path_factory):
    """One app, one world, one logged-in web client and one API client per identity."""
    from argon2 import PasswordHasher

    from core.accounts import passwords

    folder = tmp_path_factory.mktemp("access-matrix")
    config = {**PLUGIN_TEST_CONFIG, "JOBS_RUNNER": "tests.access_matrix.world:NoRunner"}
    with contextlib.ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        app = stack.enter_context(_test_app(_database_template, folder, config))
        from core.plugin_engine import manager

        manager.register(w.MatrixPlugin(), "matrix", app=app)
        world = w.build(app)
        clients = {}
        for identity in w.IDENTITIES:
            web = app.test_client()
            response = web.post(
                "/login", data={"login": identity.name, "password": TEST_PASSWORD, "csrf_token": csrf_token(web)}
            )
            assert response.status_code == 302, f"login as {identity.name}: {response.status_code}"
            with app.app_context():
                from core.accounts import services
                from core.database import commit

                _token, plain = services.create_token(None, services.user_by_login(identity.name), "matrix")
                commit()
            clients[identity.name] = (web, csrf_token(web), ApiClient(app.test_client(), plain))
        anonymous = app.test_client()
        clients[None] = (anonymous, csrf_token(anonymous), ApiClient(app.test_client(), ""))
        saved = str(folder / "saved.sqlite3")
        w.snapshot(app, saved)
        stack.callback(w.drop_snapshot, app)
        yield app, world, clients, saved


def test_every_route_has_an_entry(matrix):
    app, *_ = matrix
    missing = sorted(route_keys(app) - {entry.key for entry in ENTRIES} - IGNORED_RULES)
    assert not missing, "routes with no entry in the access matrix (decide who may use them):\n" + "\n".join(
        f"  {method} {rule}" for method, rule in missing
    )


def test_no_entry_names_a_route_that_is_gone(matrix):
    app, *_ = matrix
    stale = sorted({entry.key for entry in ENTRIES} - route_keys(app))
    assert not stale, f"entries for routes the app does not have: {stale}"


@pytest.mark.parametrize("entry, variant", cells_of(ENTRIES), ids=lambda v: v if isinstance(v, str) else str(v))
def test_access(matrix, entry, variant):
    app, world, clients, saved = matrix
    wrong = [
        problem
        for identity in [None, *w.IDENTITIES]
        if (problem := check_cell(app, world, clients, saved, entry, variant, identity)) is not None
    ]
    assert not wrong, "\n".join(wrong)
