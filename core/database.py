"""The database layer: the declarative base, column types and the engine set-up
that keeps SQLite honest under concurrent writers.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
from contextlib import contextmanager
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Index, MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, aliased, registry
from sqlalchemy.orm import session as sqlalchemy_orm_session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores naive UTC with microseconds, hands back aware UTC datetimes.

    SQLite has no time zones and PostgreSQL's ``timestamptz`` would hand back
    the server's zone; one convention on both keeps hashes identical.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use core.clock.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


@functools.cache
def alias(model: type, name: str):
    """The alias of ``model`` called ``name``, made once a process: ``aliased()`` copies the
    mapper's columns, about 1 ms a call, as much as a small query, and a dashboard made a dozen
    (issue #20). ``name`` says what the alias is for, so that two in one query never clash."""
    return aliased(model, name=name)


def conflict_insert(model: type):
    """An INSERT into ``model``'s table that takes ``ON CONFLICT`` clauses (SQLite's and
    PostgreSQL's agree), for the database of the current session. The dialect is imported here,
    when first needed, not by every module that upserts: on SQLite that would load PostgreSQL's."""
    database = db.session.get_bind().dialect.name
    return importlib.import_module(f"sqlalchemy.dialects.{database}").insert(model)


def iso_utc(moment: datetime) -> str:
    """The one text form of a time: microsecond precision, ``Z`` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Model(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )

    # Every mapped class is recorded in the audit trail unless it opts out.
    __trailed__ = True
    # Columns whose values never go into the trail (only the fact they changed).
    __trail_secret__: frozenset[str] = frozenset()
    # Columns not worth an event (usage counters, texts derived from catalogs), nor a place in a creation's.
    __trail_ignore__: frozenset[str] = frozenset()
    # Where a record says its site, kept on each of its trail events (who may read them): a
    # column (the site's id) or a many-to-one relationship (the record whose site this one
    # has: an audit's item, a procedure's revision). A class without it has no site.
    __trail_site__: str = "site_id"


db = SQLAlchemy(model_class=Model)

# Read-only requests (GET/HEAD) begin deferred transactions so that readers do
# not queue behind writers; everything else begins IMMEDIATE.
_read_only = contextvars.ContextVar("dealerqms_read_only", default=False)


def set_read_only(value: bool) -> contextvars.Token:
    return _read_only.set(value)


def reset_read_only(token: contextvars.Token) -> None:
    _read_only.reset(token)


def is_read_only() -> bool:
    """Whether the current unit of work began as a read (a GET request, :func:`read_only`)."""
    return _read_only.get()


@contextmanager
def read_only():
    """Run long reads (trail verification, exports) without taking SQLite's write lock."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


@contextmanager
def write_intent():
    """Upgrade the current unit of work to a write transaction.

    For the rare write in a GET request (a scheduled change taking effect on
    first view): the read transaction ends and an IMMEDIATE one begins, so the
    write never fails on a stale SQLite snapshot.
    """
    if not _read_only.get():
        yield
        return
    commit()
    token = _read_only.set(False)
    try:
        yield
    finally:
        _read_only.reset(token)


class SQLiteNotInWAL(RuntimeError):
    pass


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows for which ``where`` holds, on SQLite and PostgreSQL alike.

    The condition reaches the index as the option of the database in use when its engine is
    set up (:func:`configure_engine`), not here: naming ``postgresql_where`` in the model makes
    SQLAlchemy import the PostgreSQL dialect to check the option, a thirtieth of a second of
    every start on SQLite (issue #20). The migrations name both options, as before.
    """
    index = Index(name, *columns, unique=unique, info={"where": where})
    for database in _databases_configured:  # a model defined after the engine (a plugin's)
        _give_condition(index, database)
    return index


_PARTIAL_INDEX_DATABASES = ("sqlite", "postgresql")
_databases_configured: set[str] = set()


def _give_condition(index: Index, database: str) -> None:
    if (where := index.info.get("where")) is not None:
        index.dialect_options[database]["where"] = text(where)


def _give_partial_conditions(database: str) -> None:
    if database not in _PARTIAL_INDEX_DATABASES or database in _databases_configured:
        return
    _databases_configured.add(database)
    for table in db.metadata.tables.values():
        for index in table.indexes:
            _give_condition(index, database)


def configure_engine(engine: Engine) -> None:
    _give_partial_conditions(engine.dialect.name)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from pysqlite: its implicit BEGIN is
        # DEFERRED, which lets concurrent writers read the same trail head.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise SQLiteNotInWAL(f"SQLite refused WAL mode (got {mode!r}) for {engine.url.database}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if _read_only.get() else "BEGIN IMMEDIATE")


def init_app(app) -> None:
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)


_PENDING = "dealerqms_after_commit"


def after_commit(callback) -> None:
    """Run ``callback()`` once the current transaction has committed through :func:`commit`.

    Events such as ``revision_effective`` must not reach plugins for a change
    that is later rolled back; a rollback drops the pending callbacks.
    """
    db.session.info.setdefault(_PENDING, []).append(callback)


def commit() -> None:
    """Commit the unit of work, then run what waited for it (plugin events).

    The callbacks run outside the committed transaction, so a plugin that
    writes (an NC raised from a complaint) does so in its own unit of work.
    While they run, the records keep the values just committed: an event
    reading the submission it reports would otherwise refresh it, and on
    SQLite open a write transaction to do so, once per plugin. Once the last
    callback has run they expire as after any commit, so that whatever comes
    next reads fresh rows.
    """
    session = db.session()
    if not session.info.get(_PENDING):
        session.commit()
        return
    outermost = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
        while callbacks := session.info.pop(_PENDING, None):
            for callback in callbacks:
                callback()
    finally:
        session.expire_on_commit = outermost
    if outermost:
        session.expire_all()


def has_work() -> bool:
    """Whether the session has begun a transaction or holds changes not yet flushed."""
    session = db.session()
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


@event.listens_for(sqlalchemy_orm_session.Session, "after_soft_rollback")
def _drop_after_commit(session, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)
