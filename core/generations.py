"""A token per table that changes with every committed write to it.

An answer computed from some tables stays right for as long as none of them changed; the tokens
say whether one did, in one small read, on any node of a group (they are in the database, not
in a process). :mod:`core.answer_cache` keeps answers by them.

Every statement that writes is seen where SQLAlchemy runs it (``after_execute`` on every
engine): the ORM's flushes and bulk statements, Core statements on a bare connection, text SQL.
The tables it wrote are collected on the database connection and given new tokens in the same
transaction, just before it commits — all at once and in the order of their names, so that two
transactions never wait for each other's tokens (they take no other lock after them). A
rollback forgets them with the writes. Text SQL whose table cannot be read from it changes the
token of every table (``*``).

The tokens are random, not counters: a restored backup or a cloned database brings back old
rows, and a counter could come back to a number that an answer computed from other rows was
kept under.
"""

import functools
import re
import uuid

from sqlalchemy import String, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import TextClause

from core.database import Model

TABLE = "table_generation"
EVERY_TABLE = "*"
_WRITTEN = "dealerqms_tables_written"
_TEXT_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)"
    r"\s+\"?(\w+)\"?",
    re.IGNORECASE,
)
_TEXT_SCHEMA_OR_OTHER_WRITE = re.compile(r"^\s*(?:CREATE|DROP|ALTER|WITH|MERGE|COPY)\b", re.IGNORECASE)


class TableGeneration(Model):
    __tablename__ = TABLE

    table_name: Mapped[str] = mapped_column(String(128), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def written_tables(statement) -> frozenset[str]:
    """The tables ``statement`` (as SQLAlchemy runs it: a construct, or text) may write."""
    if isinstance(statement, UpdateBase):
        name = getattr(statement.table, "name", None)
        return frozenset({name or EVERY_TABLE})
    if isinstance(statement, TextClause):
        statement = statement.text
    if not isinstance(statement, str):
        return frozenset()
    match = _TEXT_WRITE.match(statement)
    if match:
        return frozenset({match.group(1).lower()})
    if _TEXT_SCHEMA_OR_OTHER_WRITE.match(statement):
        return frozenset({EVERY_TABLE})
    return frozenset()


@event.listens_for(Engine, "after_execute")
def _note_written(connection, statement, _multiparams, _params, _options, _result) -> None:
    # (Alembic's copies of a table being altered on SQLite are gone by the commit.)
    tables = {name for name in written_tables(statement) if not name.startswith("_alembic_tmp")}
    if tables and TABLE not in tables:
        written = connection.info.setdefault(_WRITTEN, set())
        for name in tables:
            written.update(_changed_with(name))


def _changed_with(name: str) -> frozenset[str]:
    """``name`` and the tables the database changes with it: those whose foreign keys to it
    cascade or set null (a deleted audit takes its items with it; the ORM does not say so)."""
    cascades = _cascades()
    changed, waiting = {name}, [name]
    while waiting:
        for referring in cascades.get(waiting.pop(), ()):
            if referring not in changed:
                changed.add(referring)
                waiting.append(referring)
    return frozenset(changed)


def _cascades() -> dict[str, frozenset[str]]:
    """Table → the tables whose rows the database changes when one of its rows goes, from the
    models' foreign keys (made again when more models have been imported)."""
    return _cascades_among(len(Model.metadata.tables))


@functools.lru_cache(maxsize=1)
def _cascades_among(_table_count: int) -> dict[str, frozenset[str]]:
    cascades: dict[str, set[str]] = {}
    for table in Model.metadata.tables.values():
        for key in table.foreign_keys:
            deleting = (key.ondelete or "").upper() in ("CASCADE", "SET NULL", "SET DEFAULT")
            if deleting or (key.onupdate or "").upper() == "CASCADE":
                cascades.setdefault(key.column.table.name, set()).add(table.name)
    return {name: frozenset(referring) for name, referring in cascades.items()}


@event.listens_for(Engine, "commit")
def _renew_tokens(connection) -> None:
    written = connection.info.pop(_WRITTEN, None)
    if not written or not _has_table(connection):
        return
    # The DB-API cursor, not a SQLAlchemy statement: the transaction is being committed.
    dbapi_connection = connection.connection.driver_connection
    placeholder = "%s" if connection.dialect.paramstyle in ("format", "pyformat") else "?"
    upsert = (
        f"INSERT INTO {TABLE} (table_name, token) VALUES ({placeholder}, {placeholder}) "
        "ON CONFLICT (table_name) DO UPDATE SET token = excluded.token"
    )
    cursor = dbapi_connection.cursor()
    try:
        for name in sorted(written):
            cursor.execute(upsert, (name, uuid.uuid4().hex))
    finally:
        cursor.close()


@event.listens_for(Engine, "rollback")
def _forget_written(connection) -> None:
    connection.info.pop(_WRITTEN, None)


def _has_table(connection) -> bool:
    """Whether the database has the tokens' table: a migration before the one that makes it
    writes too, and a downgrade drops it. Asked at each commit that wrote (one look in the
    catalogue), not remembered per connection."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        if connection.dialect.name == "sqlite":
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,))
            found = cursor.fetchone() is not None
        else:
            cursor.execute("SELECT to_regclass(%s)", (TABLE,))
            found = cursor.fetchone()[0] is not None
    finally:
        cursor.close()
    return found


def read_tokens(session) -> dict[str, str]:
    """Every table's token as ``session`` sees it now (a table never written since the tokens'
    table was made has none)."""
    return dict(session.execute(_ALL_TOKENS).all())


_ALL_TOKENS = select(TableGeneration.table_name, TableGeneration.token)
