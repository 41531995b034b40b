"""Answering a query: the records the caller may read whose text has every part of it, best first.

Ranking is the engine's: FTS5's ``bm25`` with the title weighted 10, the reference 5 and
the body 1; PostgreSQL's ``ts_rank`` over the weights A (title, reference) and D (body). A
title that has the words ranks above a body that has them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Integer, and_, case, cast, exists, false, func, literal_column, or_, select, text
from sqlalchemy.sql.elements import Cast

from core.accounts.models import Site, User
from core.database import db
from core.errors import ValidationFailed
from core.plugin_engine import manager
from core.search import segment
from core.search.index import dialect, entry

MAX_QUERY = 200
# Counting stops here: "1,000+" says enough.
COUNT_CAP = 1000
SNIPPET = 160
_SPACES = re.compile(r"\s+")
_MARKUP = re.compile(r"[#*_`>|]+")


@dataclass(frozen=True)
class Hit:
    kind: str
    kind_label: str
    key: str
    reference: str
    title: str
    snippet: str
    url: str
    site: str | None


@dataclass(frozen=True)
class Results:
    query: str
    hits: list[Hit]
    total: int
    capped: bool
    # What to highlight: the parts of the query as typed.
    words: list[str] = field(default_factory=list)
    # (kind, label, how many) of every kind found, whichever kind the page shows.
    kinds: list[tuple[str, str, int]] = field(default_factory=list)
    kind: str | None = None


def check_query(q: str | None) -> list[segment.QueryPart]:
    """The parts of a query, or :class:`ValidationFailed` saying what is wrong with it."""
    q = (q or "").strip()
    if not q:
        raise ValidationFailed.field("q", str(_l("Type a word to search for.")))
    if len(q) > MAX_QUERY:
        raise ValidationFailed.field("q", str(_l("A search is at most %(limit)s characters long.", limit=MAX_QUERY)))
    parts = segment.parse(q)
    if not parts:
        raise ValidationFailed.field("q", str(_l("Type letters or digits to search for.")))
    return parts


def _readable(user: User):
    """SQL: the entries ``user`` may read: per kind, the keys its source selects."""
    conditions = []
    for kind, source in manager.search_sources().items():
        keys = source.readable(user)
        if keys is not None:
            conditions.append(and_(entry.c.kind == kind, _has_key(kind, keys)))
    return or_(*conditions) if conditions else false()


def _has_key(kind: str, keys):
    """SQL: the entry (of ``kind``) has one of the keys the select ``keys`` gives.

    ``key IN (keys)`` makes the database list every key the reader may read before looking at a
    match — every corrective action, NC, audit and form submission of the reader's site, which
    grows with the data (issue #20: 6.6 ms at ``large`` against 0.5 at ``small`` for the same 14
    matches). A select of ``CAST(model.id AS text)`` (how the sources write it) is asked instead,
    for each match, whether its record is one of them: a look-up by primary key, whatever the size
    of the tables. The key is made a number only for an entry of ``kind`` (other kinds' keys need
    not be numbers, and the database may test this before the kind).
    """
    column = keys.selected_columns[0] if len(keys.selected_columns) == 1 else None
    record_id = getattr(column, "clause", None) if isinstance(column, Cast) else None
    if (
        not isinstance(record_id, Column)
        or not isinstance(record_id.type, Integer)
        or not record_id.primary_key
        or keys._group_by_clauses
        or keys._limit_clause is not None
        or len(keys.get_final_froms()) != 1
    ):
        return entry.c.key.in_(keys)
    key = case((entry.c.kind == kind, cast(entry.c.key, Integer)))
    probe = select(literal_column("1")).select_from(record_id.table).where(record_id == key)
    if keys.whereclause is not None:
        probe = probe.where(keys.whereclause)
    return exists(probe)


def fts5_match(parts: list[segment.QueryPart]) -> str:
    """An FTS5 query: every part, a phrase of terms or a prefix. Terms are letters and digits only."""
    return " AND ".join(f'"{" ".join(p.terms)}"' + ("*" if p.prefix else "") for p in parts)


def tsquery(parts: list[segment.QueryPart]) -> str:
    """A PostgreSQL ``tsquery``, written out: ``('客户' <-> '户满') & 'complain':*``."""
    written = []
    for part in parts:
        terms = [f"'{term}'" for term in part.terms]
        if part.prefix:
            terms[-1] += ":*"
        written.append("(" + " <-> ".join(terms) + ")")
    return " & ".join(written)


def _ranked(parts: list[segment.QueryPart]):
    """The matching entries with their rank (smaller is better), before visibility."""
    if dialect() == "sqlite":
        rank = literal_column("bm25(search_fts, 10.0, 5.0, 1.0)")
        query = (
            select(entry, rank.label("rank"))
            .select_from(entry.join(text("search_fts"), text("search_fts.rowid = search_entry.id")))
            .where(text("search_fts MATCH :match").bindparams(match=fts5_match(parts)))
        )
    else:
        matched = text("CAST(:tsquery AS tsquery)").bindparams(tsquery=tsquery(parts))
        tsv = literal_column("search_entry.tsv")
        rank = -func.ts_rank(tsv, matched, 1)
        query = select(entry, rank.label("rank")).where(tsv.op("@@")(matched))
    return query, rank


def search(user: User, q: str | None, *, limit: int = 20, offset: int = 0, kind: str | None = None) -> Results:
    """The records ``user`` may read that match ``q``, best first, a page of them (of ``kind`` only when given)."""
    parts = check_query(q)
    sources = manager.search_sources()
    if kind is not None and kind not in sources:
        raise ValidationFailed.field("kind", _("one of %(known)s", known=", ".join(sorted(sources))))
    query, rank = _ranked(parts)
    query = query.where(_readable(user))
    found = query.with_only_columns(entry.c.kind).limit(COUNT_CAP * len(sources) + 1).subquery()
    by_kind = dict(db.session.execute(select(found.c.kind, func.count()).group_by(found.c.kind)).all())
    kinds = [(k, str(source.label), by_kind[k]) for k, source in sources.items() if by_kind.get(k)]
    if kind is not None:
        query = query.where(entry.c.kind == kind)
    counted = db.session.execute(
        select(func.count()).select_from(query.with_only_columns(entry.c.id).limit(COUNT_CAP + 1).subquery())
    ).scalar_one()
    rows = db.session.execute(query.order_by(rank, entry.c.id).limit(limit).offset(offset)).all()
    site_codes = _site_codes({row.site_id for row in rows if row.site_id is not None})
    words = [part.text for part in parts]
    hits = [
        Hit(
            kind=row.kind,
            kind_label=str(sources[row.kind].label) if row.kind in sources else row.kind,
            key=row.key,
            reference=row.reference,
            title=row.title,
            snippet=snippet(row.body, words),
            url=row.url,
            site=site_codes.get(row.site_id),
        )
        for row in rows
    ]
    return Results(
        query=(q or "").strip(),
        hits=hits,
        total=min(counted, COUNT_CAP),
        capped=counted > COUNT_CAP,
        words=words,
        kinds=kinds,
        kind=kind,
    )


def _site_codes(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(Site.id, Site.code).where(Site.id.in_(ids))).all())


def snippet(body: str, words: list[str]) -> str:
    """The stretch of ``body`` around the first of ``words`` it has (its start when none)."""
    plain = _SPACES.sub(" ", _MARKUP.sub(" ", body or "")).strip()
    lowered = plain.lower()
    found = [at for at in (lowered.find(word) for word in words) if at >= 0]
    start = max(min(found) - SNIPPET // 4, 0) if found else 0
    piece = plain[start : start + SNIPPET]
    return ("…" if start > 0 else "") + piece + ("…" if start + SNIPPET < len(plain) else "")


def highlighted(piece: str, words: list[str]) -> list[tuple[str, bool]]:
    """``piece`` cut into (text, is a searched word) pieces, for a page to mark the words."""
    if not words or not piece:
        return [(piece, False)]
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    pieces, at = [], 0
    for match in pattern.finditer(piece):
        if match.start() > at:
            pieces.append((piece[at : match.start()], False))
        pieces.append((match.group(0), True))
        at = match.end()
    if at < len(piece):
        pieces.append((piece[at:], False))
    return pieces
