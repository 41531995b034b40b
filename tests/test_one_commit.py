"""One transaction rule: product code commits a unit of work only through
``core.database.commit``, which runs the after-commit callbacks (plugin
events). A direct ``session.commit()`` would leave them waiting for some
later, unrelated commit — or lose them to its rollback."""

from __future__ import annotations

import ast
from pathlib import Path

from core.database import after_commit, commit, db, read_only, write_intent

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("core", "procedures", "audits", "plugins")

# (path, function) → why it may call ``session.commit()`` itself.
ALLOWED = {
    ("core/database.py", "commit"): "the one function: it commits, then runs the after-commit callbacks",
}


def _product_files():
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            yield relative


class _DirectCommits(ast.NodeVisitor):
    """Calls of ``<…>.session.commit()`` or ``session.commit()``, with the function they are in."""

    def __init__(self):
        self.found: list[tuple[int, str]] = []
        self._functions: list[str] = []

    def _visit_function(self, node):
        self._functions.append(node.name)
        self.generic_visit(node)
        self._functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def visit_Call(self, node):
        target = node.func
        if isinstance(target, ast.Attribute) and target.attr == "commit":
            receiver = target.value
            name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
            if name == "session":
                self.found.append((node.lineno, self._functions[-1] if self._functions else "<module>"))
        self.generic_visit(node)


def direct_commits() -> list[tuple[str, int, str]]:
    found = []
    for relative in _product_files():
        visitor = _DirectCommits()
        visitor.visit(ast.parse((ROOT / relative).read_text(encoding="utf-8"), filename=str(relative)))
        found += [(relative.as_posix(), line, function) for line, function in visitor.found]
    return found


def test_product_code_commits_only_through_core_database_commit():
    offending = [
        f"{path}:{line} in {function}()" for path, line, function in direct_commits() if (path, function) not in ALLOWED
    ]
    assert not offending, (
        "Commit through core.database.commit() so that after-commit events are not lost: " + ", ".join(offending)
    )


def test_the_allowlist_has_no_stale_entries():
    present = {(path, function) for path, _line, function in direct_commits()}
    assert set(ALLOWED) <= present


def test_the_scan_finds_a_direct_commit():
    visitor = _DirectCommits()
    visitor.visit(ast.parse("def save():\n    db.session.commit()\n\nsession.commit()\n"))
    assert visitor.found == [(2, "save"), (4, "<module>")]


def test_callbacks_run_after_commit_and_are_dropped_by_a_rollback(app):
    ran = []
    with app.app_context():
        after_commit(lambda: ran.append("kept"))
        commit()
        db.session.execute(db.text("SELECT 1"))
        after_commit(lambda: ran.append("dropped"))
        db.session.rollback()
        commit()
    assert ran == ["kept"]


def test_upgrading_a_read_to_a_write_keeps_the_callbacks_of_the_unit_of_work(app):
    ran = []
    with app.app_context(), read_only():
        db.session.execute(db.text("SELECT 1"))
        after_commit(lambda: ran.append("before the upgrade"))
        with write_intent():
            assert ran == ["before the upgrade"]
            after_commit(lambda: ran.append("after the write"))
            commit()
    assert ran == ["before the upgrade", "after the write"]


def test_callbacks_read_what_was_committed_without_a_refresh_and_it_expires_afterwards(app):
    from sqlalchemy import inspect

    from core.accounts.models import Site

    seen = []
    with app.app_context():
        site = db.session.execute(db.select(Site).filter_by(code="MAIN")).scalar_one()
        site.name = "Renamed"
        db.session.flush()
        after_commit(lambda: seen.append((inspect(site).expired_attributes.copy(), db.session().in_transaction())))
        commit()
        assert seen == [(set(), False)], "no attribute expired, no transaction begun for the callback"
        assert "name" in inspect(site).expired_attributes
        assert site.name == "Renamed"
