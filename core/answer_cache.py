"""Answers kept from one request to the next until a table they were read from changes.

The dashboard's counts and registers grow with a site's history (a site's 400 nonconformities
walked to say how many are overdue, two years of a register read to find what is still open),
and between two looks at a dashboard nothing they are read from has usually changed. An answer
is kept with the tokens of its tables (:mod:`core.generations`) and given again while they are
the same; any committed write to one of them, on any node, makes the next asker compute it
afresh. The first look after a change still pays the full read.

A transaction that has written (or holds changes not yet flushed) sees rows the tokens do not
know of yet: it neither uses nor keeps answers. The tokens are read before the answer is
computed, so an answer is never kept under tokens newer than the rows it was computed from.

Kept per application (each app has one database) and per process, at most ``KEPT`` answers,
the least recently used dropped first. An answer must be plain data that nobody changes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import Table, event
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import TextClause

from core.clock import utcnow
from core.database import db
from core.generations import _WRITTEN, EVERY_TABLE, read_tokens
from core.generations import TABLE as TOKENS_TABLE
from core.plugin_engine.types import TaskList
from core.session_memory import since_last_write

KEPT = 4096
T = TypeVar("T")
_tables_by_shape: dict = {}


class _Answers:
    def __init__(self, size: int):
        self.size = size
        self.lock = threading.Lock()
        self.answers: OrderedDict = OrderedDict()

    def get(self, key, tokens):
        with self.lock:
            kept = self.answers.get(key)
            if kept is None or kept[0] != tokens:
                return None
            self.answers.move_to_end(key)
            return kept

    def put(self, key, tokens, value) -> None:
        with self.lock:
            self.answers[key] = (tokens, value)
            self.answers.move_to_end(key)
            while len(self.answers) > self.size:
                self.answers.popitem(last=False)


def kept(key: Hashable, tables: Iterable[str], compute: Callable[[], T]) -> T:
    """``compute()``, or the answer it gave last time under ``key`` if none of ``tables`` has
    been written since."""
    session = db.session()
    if _has_written(session):
        return compute()
    tokens = _current_tokens(session)
    token_key = (tokens.get(EVERY_TABLE), *(tokens.get(name) for name in sorted(set(tables))))
    answers = _answers()
    found = answers.get(key, token_key)
    if found is not None:
        return found[1]
    value = _checked(compute, tables, key) if current_app.testing else compute()
    answers.put(key, token_key, value)
    return value


def _checked(compute: Callable[[], T], tables: Iterable[str], key: Hashable) -> T:
    """``compute()``, failing when it reads a table it is not kept under: under test, every
    answer computed is checked so (a missed table would keep an answer past a change)."""
    read: set[str] = set()
    me = threading.get_ident()

    def note(_connection, statement, *_args) -> None:
        if threading.get_ident() == me and not isinstance(statement, str):
            read.update(tables_read_by(statement) or ())

    engine = db.engine
    event.listen(engine, "before_execute", note)
    try:
        value = compute()
    finally:
        event.remove(engine, "before_execute", note)
    unknown = read - set(tables) - {TOKENS_TABLE}
    if unknown:
        raise AssertionError(f"the answer {key!r} read {sorted(unknown)}, which it is not kept under")
    return value


def kept_rows(statement) -> list:
    """The rows of ``statement``, a select of columns, kept like :func:`kept` until one of the
    tables it reads is written. Not for a select of ORM entities: they belong to one session
    (select their keys, then load those)."""
    session = db.session()
    for column in statement.column_descriptions:
        if getattr(column.get("type"), "__mapper__", None) is not None and column.get("expr") is column.get("type"):
            raise ValueError(f"kept_rows: {column['name']} is an ORM entity; select its key instead")
    key = statement_key(statement, session)
    tables = tables_of(statement, key)
    if not tables:  # text SQL in it: any table may be read
        return session.execute(statement).all()
    return list(kept(("rows", key), tables, lambda: session.execute(statement).all()))


def kept_records(query, entity, *options, first: int | None = None) -> list:
    """The records of ``query`` (a select of the ORM ``entity``, with its order and limit), which
    ones kept like :func:`kept_rows` — their keys — and those loaded into the session by key
    alone, with the loader ``options`` (``joinedload``, ``selectinload``: the load has none of
    the query's joins), in the query's order; only the ``first`` of them when given (pages that
    show different numbers share one window kept)."""
    ids = [record_id for (record_id,) in kept_rows(query.with_only_columns(entity.id, maintain_column_froms=True))]
    ids = ids if first is None else ids[:first]
    if not ids:
        return []
    loading = db.select(entity).where(entity.id.in_(ids)).options(*options)
    loaded = {record.id: record for record in db.session.execute(loading).unique().scalars()}
    return [loaded[record_id] for record_id in ids if record_id in loaded]


def statement_key(statement, session) -> tuple:
    """What identifies ``statement`` with its parameter values: SQLAlchemy's own cache key (the
    statement's structure) and the values bound. Compiling the statement to its SQL for this cost
    more than running some of the counts (2 ms for the actions waiting for verification)."""
    cache_key = statement._generate_cache_key()
    if cache_key is None:  # a construct SQLAlchemy does not cache: its SQL, as it would run
        compiled = statement.compile(bind=session.get_bind())
        return (str(compiled), repr(sorted(compiled.params.items())))
    return (cache_key.key, repr([parameter.effective_value for parameter in cache_key.bindparams]))


def tables_of(statement, key: tuple) -> frozenset[str]:
    """:func:`tables_read_by`, found once for each shape of statement (its key without the
    values): as many as the code has. Empty when text SQL in it could read any table."""
    tables = _tables_by_shape.get(key[0])
    if tables is None:
        tables = _tables_by_shape.setdefault(key[0], tables_read_by(statement) or frozenset())
    return tables


def kept_tasks(source: str, tables: Iterable[str], find: Callable, user, kind: str | None, limit: int) -> TaskList:
    """``find(user, kind, limit)`` (a ``user_tasks`` source), kept whole — refusal checks done —
    under ``tables``, the reader's language and the quarter hour (:func:`reader_moment`): every
    page's menu counts the tasks, and the dashboard and the inbox list them."""
    found = kept((source, user.id, kind, limit, *reader_moment()), tables, lambda: find(user, kind, limit))
    return TaskList(found, total=found.total, kind_totals=found.kind_totals)


def reader_moment() -> tuple[str, str]:
    """What an answer made for the person reading depends on besides the tables (their
    translated words, their dates): their language and the quarter hour now — a day begins on
    a quarter hour in every time zone, so no answer is kept past the reader's midnight or a
    site's."""
    now = utcnow()
    return str(get_locale()), f"{now:%Y-%m-%dT%H}:{now.minute // 15}"


def tables_read_by(statement) -> frozenset[str] | None:
    """The tables a select reads (in its joins, subqueries and EXISTS), or ``None`` when it holds
    text SQL that could read any."""
    names = set()
    for element in visitors.iterate(statement):
        if isinstance(element, Table):
            names.add(element.name)
        elif isinstance(element, TextClause):
            return None
    return frozenset(names)


def _has_written(session) -> bool:
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    return bool(session.connection().info.get(_WRITTEN))


def _current_tokens(session) -> dict[str, str]:
    remembered = since_last_write(session, "table_tokens")
    if "tokens" not in remembered:
        remembered["tokens"] = read_tokens(session)
    return remembered["tokens"]


def _answers() -> _Answers:
    answers = current_app.extensions.get("dealerqms_answers")
    if answers is None:
        answers = current_app.extensions.setdefault("dealerqms_answers", _Answers(KEPT))
    return answers


def forget_kept_answers() -> None:
    """Forget every answer the application keeps: what a page costs when nothing is kept (the
    first look after a write) is measured so."""
    answers = current_app.extensions.get("dealerqms_answers")
    if answers is not None:
        with answers.lock:
            answers.answers.clear()
