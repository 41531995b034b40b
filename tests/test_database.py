"""The engine set-up that keeps the trail from forking: SQLite in WAL with
busy_timeout, foreign keys and synchronous=NORMAL, every write transaction
begun IMMEDIATE; PostgreSQL appends serialised by an advisory lock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateIndex

from core import create_app
from core.accounts import services
from core.accounts.models import Site, User
from core.clock import utcnow
from core.database import SQLiteNotInWAL, configure_engine, db, partial_index, read_only, write_intent
from core.migration import upgrade


@pytest.fixture
def sqlite_app(tmp_path):
    """A SQLite instance whatever database the rest of the suite runs on."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'engine.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    with application.app_context():
        upgrade()
        services.ensure_defaults()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


class Statements:
    """Every statement an engine sends, in order."""

    def __init__(self, engine):
        self.engine, self.sent = engine, []

    def _record(self, _conn, _cursor, statement, _params, _context, _many):
        self.sent.append(" ".join(statement.split()))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self.sent

    def __exit__(self, *_exc):
        event.remove(self.engine, "before_cursor_execute", self._record)


def pragma(connection, name: str):
    return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_connections_are_in_wal_with_busy_timeout_foreign_keys_and_normal_sync(sqlite_app):
    with sqlite_app.app_context(), db.engine.connect() as connection:
        assert pragma(connection, "journal_mode") == "wal"
        assert pragma(connection, "busy_timeout") >= 5000
        assert pragma(connection, "foreign_keys") == 1
        assert pragma(connection, "synchronous") == 1  # NORMAL


def test_sqlite_that_cannot_use_wal_is_refused_rather_than_silently_used():
    # An in-memory database answers "memory" to the WAL request: the check must see it.
    engine = create_engine("sqlite:///file:dqms-nowal?mode=memory&cache=shared&uri=true", poolclass=NullPool)
    configure_engine(engine)
    with pytest.raises(SQLiteNotInWAL, match="refused WAL"):
        engine.connect()
    engine.dispose()


def test_sqlite_writes_begin_immediate_and_reads_marked_read_only_begin_deferred(sqlite_app):
    with sqlite_app.app_context():
        with Statements(db.engine) as sent:
            services.create_site(None, "IMM", "Immediate")
            db.session.commit()
        assert sent[0] == "BEGIN IMMEDIATE"
        assert any(s.startswith("INSERT INTO site") for s in sent)
        assert any(s.startswith("INSERT INTO trail_event") for s in sent)

        with Statements(db.engine) as sent, read_only():
            db.session.execute(db.select(Site)).all()
            db.session.commit()
        assert sent[0] == "BEGIN"

        with Statements(db.engine) as sent, read_only():
            db.session.execute(db.select(Site)).all()
            with write_intent():
                services.create_site(None, "LATE", "Written from a read")
                db.session.commit()
        assert sent.count("BEGIN") == 1
        immediate = sent.index("BEGIN IMMEDIATE")
        assert any(s.startswith("INSERT INTO site") for s in sent[immediate:])


def test_every_transaction_of_concurrent_sessions_starts_immediate(sqlite_app):
    with sqlite_app.app_context():
        with Statements(db.engine) as sent:
            for n in range(3):
                site = services.site_by_code("MAIN")
                site.name = f"Main {n}"
                db.session.commit()
        begins = [s for s in sent if s.startswith("BEGIN")]
        assert begins == ["BEGIN IMMEDIATE"] * 3


def test_appending_to_the_trail_is_serialised(app):
    with app.app_context():
        with Statements(db.engine) as sent:
            services.create_site(None, "LOCK", "Locked")
            db.session.commit()
        if db.engine.dialect.name == "postgresql":
            lock = next(i for i, s in enumerate(sent) if "pg_advisory_xact_lock" in s)
            head = next(i for i, s in enumerate(sent) if s.startswith("SELECT trail_event.seq"))
            assert lock < head
        else:
            assert sent[0] == "BEGIN IMMEDIATE"


def test_foreign_keys_are_enforced(app):
    with app.app_context():
        db.session.add(User(login="ghost", display_name="Ghost", department_id=9999, locale="en"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_times_are_stored_as_utc_and_naive_times_are_refused(app):
    with app.app_context():
        site = services.site_by_code("MAIN")
        moment = datetime(2026, 3, 1, 20, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
        user = User(login="tz", display_name="Tz", site=site, locale="en", created_at=moment)
        db.session.add(user)
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(User, user.id).created_at
        assert stored == moment
        assert stored.tzinfo == UTC and stored.hour == 12 and stored.microsecond == 123456

        db.session.add(User(login="naive", display_name="Naive", locale="en", created_at=datetime(2026, 1, 1)))
        with pytest.raises(StatementError, match="naive datetime"):
            db.session.commit()
        db.session.rollback()
        assert utcnow().tzinfo is UTC


def test_the_database_url_of_the_suite_is_the_one_in_use(app):
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1
        assert str(db.engine.url.render_as_string(hide_password=False)) == app.config["SQLALCHEMY_DATABASE_URI"]


def created_index(name: str) -> str:
    """How the database itself states the index ``name`` that the migrations created."""
    if db.engine.dialect.name == "sqlite":
        query = text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")
    else:
        query = text("SELECT indexdef FROM pg_indexes WHERE indexname = :name")
    return db.session.execute(query, {"name": name}).scalar_one()


def test_the_partial_indexes_are_partial_in_the_models_and_in_the_database(app):
    """A model's partial index (``core.database.partial_index``) carries its condition for the
    database in use, given when its engine was set up, and the migrations made it partial there
    too; Alembic's comparison of models and migrations does not look at conditions."""
    with app.app_context():
        partial = [index for table in db.metadata.tables.values() for index in table.indexes if "where" in index.info]
        assert {index.name for index in partial} >= {
            "uq_department_head_group",
            "uq_nonconformity_audit_item",
            "uq_procedure_revision_one_effective",
            "uq_improvement_audit_item",
            "uq_improvement_watched",
        }
        for index in partial:
            condition = index.info["where"]
            assert f"WHERE {condition}" in str(CreateIndex(index).compile(dialect=db.engine.dialect))
            in_database = created_index(index.name)
            assert "WHERE" in in_database
            if db.engine.dialect.name == "sqlite":  # PostgreSQL states the condition in its own words
                assert in_database.endswith(f"WHERE {condition}")
        # A model defined once the engine is set up (a plugin's) has its condition at once.
        late = partial_index("ix_late_partial", "late_id", where="late_id IS NOT NULL")
        assert str(late.dialect_options[db.engine.dialect.name]["where"]) == "late_id IS NOT NULL"
