"""Counting the SQL statements a request or a service call sends: the tests that hold a page or a
write to a fixed number of statements, whatever the data, share this one listener."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from core.database import db


@contextmanager
def statements(app):
    """The statements sent to ``app``'s engine inside the block, in order."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def statements_of_page(app, client, path: str) -> int:
    """How many statements the page at ``path`` takes (it must answer 200) when no answer is
    kept from an earlier request: the first look after a write."""
    from core.answer_cache import forget_kept_answers

    with app.app_context():
        forget_kept_answers()
    with statements(app) as seen:
        assert client.get(path).status_code == 200
    return len(seen)


@contextmanager
def loaded(*models):
    """The rows of ``models`` made into objects inside the block (a count that reads no record
    loads none, however many there are)."""
    seen: list = []

    def note(target, _context):
        seen.append(target)

    for model in models:
        event.listen(model, "load", note)
    try:
        yield seen
    finally:
        for model in models:
            event.remove(model, "load", note)
