"""Authorization as a matrix: every route and API operation × every identity
(role × scope), against the design's table "Roles and permissions".

The expectations are in tests/access_matrix/table.py and come from the
design, not from what the product does today. A route of the app with no
entry there fails ``test_every_route_has_an_entry``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

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


# The cells the product does not yet answer as the design says, each with what it
# answered: the work left (see docs/organisation.md). A cell listed here that
# answers rightly fails the test too, so that the list only ever shrinks.
# DEALERQMS_MATRIX_RECORD_GAPS=<file> writes the failing cells to <file> instead of failing.
GAPS_FILE = Path(__file__).parent / "access_matrix" / "gaps.tsv"


def _gap_key(entry, variant, identity) -> tuple:
    return (entry.method, entry.rule, variant or "-", identity.name if identity else "anonymous")


def _known_gaps() -> set[tuple]:
    if not GAPS_FILE.exists():
        return set()
    lines = GAPS_FILE.read_text(encoding="utf-8").splitlines()
    return {tuple(line.split("\t")[:4]) for line in lines if line and not line.startswith("#")}


KNOWN_GAPS = _known_gaps()


@pytest.mark.parametrize("entry, variant", cells_of(ENTRIES), ids=lambda v: v if isinstance(v, str) else str(v))
def test_access(matrix, entry, variant):
    app, world, clients, saved = matrix
    wrong, fixed, gaps = [], [], []
    for identity in [None, *w.IDENTITIES]:
        problem = check_cell(app, world, clients, saved, entry, variant, identity)
        key = _gap_key(entry, variant, identity)
        if problem is not None:
            gaps.append("\t".join((*key, problem.replace("\n", " ").replace("\t", " "))))
        if key in KNOWN_GAPS:
            if problem is None:
                fixed.append(f"{' '.join(key)}: now as designed; remove it from {GAPS_FILE.name}")
        elif problem is not None:
            wrong.append(problem)
    record = os.environ.get("DEALERQMS_MATRIX_RECORD_GAPS")
    if record:
        with open(record, "a", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in gaps)
        return
    assert not wrong and not fixed, "\n".join(wrong + fixed)
