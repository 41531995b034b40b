"""The search index: one row per record found (``search_entry``) and the engine's own index.

On SQLite the segmented text goes into an FTS5 table (``search_fts``, its rowid the entry's
id); on PostgreSQL into the entry's ``tsv`` column (``tsvector`` with weights: title and
reference A, body D) under a GIN index. Both hold terms cut by :mod:`core.search.segment`.

The index follows the records: ``after_flush`` notes which records of each source a flush
touched (through the source's ``models`` and ``keys_of``), and ``before_commit`` rewrites their
entries in the same transaction, so a search never finds what a rolled-back change said, and
a committed change is found at once. ``reindex`` rebuilds a kind, or all (``dealerqms search
reindex``, and after ``init``), e.g. after rows were written around the ORM (scale data).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from itertools import chain, islice

from flask import current_app, has_app_context
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, bindparam, event, inspect, text
from sqlalchemy.orm import Session

from core.database import db
from core.plugin_engine import manager
from core.plugin_engine.errors import PluginError
from core.plugin_engine.types import SearchDocument, SearchSource
from core.search import segment

log = logging.getLogger("dealerqms.search")

# Not the models' metadata: the index is derived data, rebuilt at will, outside the trail
# and the backup.
metadata = MetaData()
entry = Table(
    "search_entry",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("key", String(100), nullable=False),
    Column("site_id", Integer),
    Column("reference", String(100), nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("body", Text, nullable=False, default=""),
    Column("url", String(500), nullable=False),
)
TABLES = ("search_entry", "search_fts")
# Text beyond this is neither indexed nor kept for snippets (a procedure's body may reach 512 KiB).
MAX_BODY = 100_000
# PostgreSQL keeps positions up to 16383 and at most 256 per lexeme.
_MAX_POSITION = 16383
_MAX_POSITIONS = 255
_BATCH = 500
_PENDING = "dealerqms_search_pending"
_ready: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def dialect() -> str:
    return db.session.get_bind().dialect.name


# Documents → rows ----------------------------------------------------------------------


def _parts(document: SearchDocument) -> tuple[str, str, str]:
    return str(document.title or ""), str(document.reference or ""), str(document.body or "")[:MAX_BODY]


def tsvector_literal(title: str, reference: str, body: str) -> str:
    """The ``tsvector`` of a document, written out: each term with its positions and weight."""
    positions: dict[str, list[str]] = {}
    position = 0
    for weight, value in (("A", title), ("A", reference), ("D", body)):
        for term in segment.terms(value):
            position = min(position + 1, _MAX_POSITION)
            kept = positions.setdefault(term, [])
            if len(kept) < _MAX_POSITIONS:
                kept.append(f"{position}{weight}")
        # No phrase runs from the title into the reference or the body.
        position = min(position + 1, _MAX_POSITION)
    return " ".join(f"'{_quoted(term)}':{','.join(places)}" for term, places in positions.items())


def _quoted(term: str) -> str:
    return term.replace("\\", "\\\\").replace("'", "''")


def _delete(connection, kind: str, keys: list[str] | None) -> None:
    condition = "kind = :kind" + ("" if keys is None else " AND key IN :keys")
    params = {"kind": kind} | ({} if keys is None else {"keys": keys})
    expanding = [bindparam("keys", expanding=True)] if keys is not None else []
    if connection.dialect.name == "sqlite":
        connection.execute(
            text(f"DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_entry WHERE {condition})").bindparams(
                *expanding
            ),
            params,
        )
    connection.execute(text(f"DELETE FROM search_entry WHERE {condition}").bindparams(*expanding), params)


_INSERT_WITH_TERMS = text(
    "INSERT INTO search_entry (kind, key, site_id, reference, title, body, url, tsv) "
    "VALUES (:kind, :key, :site_id, :reference, :title, :body, :url, CAST(:tsv AS tsvector))"
)


def _insert(connection, kind: str, documents: list[SearchDocument]) -> None:
    if not documents:
        return
    rows = []
    for document in documents:
        title, reference, body = _parts(document)
        rows.append(
            {
                "kind": kind,
                "key": document.key,
                "site_id": document.site_id,
                "reference": reference[:100],
                "title": title,
                "body": body,
                "url": document.url,
            }
        )
    if connection.dialect.name == "postgresql":
        # The terms go in with the row: inserting and then updating each entry wrote every
        # row and its GIN entries twice.
        for row in rows:
            row["tsv"] = tsvector_literal(row["title"], row["reference"], row["body"])
        connection.execute(_INSERT_WITH_TERMS, rows)
        return
    ids = connection.execute(entry.insert().returning(entry.c.id, sort_by_parameter_order=True), rows).scalars().all()
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("INSERT INTO search_fts (rowid, title, reference, body) VALUES (:id, :title, :reference, :body)"),
            [
                {
                    "id": row_id,
                    "title": segment.segmented(row["title"]),
                    "reference": segment.segmented(row["reference"]),
                    "body": segment.segmented(row["body"]),
                }
                for row_id, row in zip(ids, rows, strict=True)
            ],
        )


def _batches(items: Iterable, size: int = _BATCH):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def refresh(source: SearchSource, keys: Iterable[str] | None) -> int:
    """Rewrite the entries of ``keys`` (every record of the source when None); how many are indexed."""
    connection = db.session.connection()
    count = 0
    if keys is None:
        _delete(connection, source.kind, None)
        for batch in _batches(source.documents(None)):
            _insert(connection, source.kind, batch)
            count += len(batch)
        return count
    for batch in _batches(sorted(set(keys))):
        documents = list(source.documents(batch))
        _delete(connection, source.kind, batch)
        _insert(connection, source.kind, documents)
        count += len(documents)
    return count


def reindex(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the index of ``kinds`` (every kind when None): kind → records indexed.

    Entries of kinds no plugin provides any more are dropped. The caller commits.
    """
    sources = manager.search_sources()
    wanted = list(sources) if kinds is None else list(kinds)
    unknown = [kind for kind in wanted if kind not in sources]
    if unknown:
        raise KeyError(", ".join(unknown))
    counts = {kind: refresh(sources[kind], None) for kind in wanted}
    if kinds is None:
        connection = db.session.connection()
        stale = [
            kind
            for (kind,) in connection.execute(text("SELECT DISTINCT kind FROM search_entry"))
            if kind not in sources
        ]
        for kind in stale:
            _delete(connection, kind, None)
    if dialect() == "sqlite":
        # One segment after a rebuild: FTS5 otherwise keeps the deleted terms until it merges.
        db.session.connection().execute(text("INSERT INTO search_fts (search_fts) VALUES ('optimize')"))
    db.session.info.pop(_PENDING, None)
    return counts


# Following the records -----------------------------------------------------------------


def _watched() -> dict[type, list[SearchSource]]:
    try:
        sources = manager.search_sources()
    except PluginError:
        # A broken plugin must not stop every write: its records wait for a reindex.
        log.exception("search: the sources could not be collected; the index does not follow this change")
        return {}
    by_class: dict[type, list[SearchSource]] = {}
    for source in sources.values():
        for model in source.models:
            by_class.setdefault(model, []).append(source)
    return by_class


def _sources_of(by_class: dict, cls: type) -> list[SearchSource]:
    return [source for klass in cls.__mro__ for source in by_class.get(klass, ())]


def _after_flush(session: Session, _flush_context) -> None:
    if not has_app_context() or manager.EXTENSION not in current_app.extensions:
        return
    by_class = _watched()
    if not by_class:
        return
    pending = session.info.setdefault(_PENDING, {})
    for obj in chain(session.new, session.dirty, session.deleted):
        for source in _sources_of(by_class, type(obj)):
            keys = source.keys_of(obj)
            pending.setdefault(source.kind, set()).update(str(key) for key in keys if key is not None)


def _index_ready(session: Session) -> bool:
    """Whether the schema has the index yet (not while older migrations run)."""
    engine = session.get_bind()
    if _ready.get(engine):
        return True
    present = inspect(session.connection()).has_table("search_entry")
    if present:
        _ready[engine] = True
    return present


def _before_commit(session: Session) -> None:
    if not has_app_context():
        return
    # before_commit comes before the commit's own flush: flush here to note its changes.
    if session.new or session.dirty or session.deleted:
        session.flush()
    if not session.info.get(_PENDING):
        return
    if not _index_ready(session):
        session.info.pop(_PENDING, None)
        return
    sources = manager.search_sources()
    # Building documents may load (and flush) more: go on until nothing is waiting.
    while pending := session.info.pop(_PENDING, None):
        for kind, keys in pending.items():
            if kind in sources and keys:
                refresh(sources[kind], keys)
        session.flush()


def _forget(session: Session, *_args) -> None:
    session.info.pop(_PENDING, None)


_LISTENERS = (
    (Session, "after_flush", _after_flush),
    (Session, "before_commit", _before_commit),
    (Session, "after_soft_rollback", _forget),
)


def install() -> None:
    for target, name, listener in _LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
