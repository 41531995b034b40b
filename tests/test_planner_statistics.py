"""SQLite plans by the statistics only ANALYZE writes: ``init`` and ``tick`` keep them, so an
instance that grows from nothing to a dealer group's data stops planning as for empty tables."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from core import create_app, planner_statistics
from core.accounts import services
from core.accounts.models import Department
from core.database import db
from core.maintenance import initialise
from core.scheduler import run_tick


@pytest.fixture
def sqlite_app(tmp_path):
    """A SQLite instance whatever database the rest of the suite runs on: the statistics are SQLite's."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'stats.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def rows_known(table: str) -> int | None:
    """The rows the statistics say ``table`` has (None: never analysed)."""
    stat = db.session.execute(
        text("SELECT stat FROM sqlite_stat1 WHERE tbl = :table AND idx IS NOT NULL LIMIT 1"), {"table": table}
    ).scalar()
    return None if stat is None else int(stat.split()[0])


def add_departments(count: int) -> None:
    start = db.session.execute(db.select(db.func.count(Department.id))).scalar()
    for n in range(start, start + count):
        services.create_department(None, f"D{n}", f"Department {n}")
    db.session.commit()


def test_init_leaves_every_table_with_rows_analysed(sqlite_app):
    with sqlite_app.app_context():
        initialise(admin_password="a-long-enough-password-1")
        assert planner_statistics.stale_tables() == []
        assert rows_known("department") == db.session.execute(db.select(db.func.count(Department.id))).scalar()
        assert rows_known("user_account") >= 1


def test_tick_analyses_a_table_without_statistics_and_again_once_it_has_doubled(sqlite_app):
    from core.migration import upgrade

    with sqlite_app.app_context():
        upgrade()
        services.ensure_defaults()
        db.session.commit()
        departments = db.session.execute(db.select(db.func.count(Department.id))).scalar()
        assert "department" in planner_statistics.stale_tables()

        run_tick()
        assert rows_known("department") == departments
        assert "department" not in planner_statistics.stale_tables()
        # Nothing to do when nothing grew: a tick every few minutes costs a look, not an ANALYZE.
        assert planner_statistics.refresh() == []

        add_departments(departments - 1)
        assert "department" not in planner_statistics.stale_tables()
        add_departments(1)
        assert "department" in planner_statistics.stale_tables()
        run_tick()
        assert rows_known("department") == 2 * departments


def test_other_databases_keep_their_own_statistics(app):
    """PostgreSQL's autovacuum analyses; on the suite's database a tick runs and refreshes only on SQLite."""
    with app.app_context():
        refreshed = planner_statistics.refresh()
        if db.engine.dialect.name != "sqlite":
            assert refreshed == []
        assert planner_statistics.refresh() == []
