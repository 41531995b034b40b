"""What a session has found of the revisions a person owes, kept until its next write.

Its listeners are registered when the plugin's hooks are imported, at start-up: registered on the
first dashboard instead, inside the end of a transaction, they changed the listener list
SQLAlchemy was walking."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

FIRST_TO_READ = "dealerqms_first_to_read"


def first_to_read(session: Session) -> dict:
    """``{user id: (limit, revisions)}``: the windows of revisions to read found since the session's
    last write; empty while it holds changes not yet flushed."""
    if session.new or session.dirty or session.deleted:
        session.info.pop(FIRST_TO_READ, None)
    return session.info.setdefault(FIRST_TO_READ, {})


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session, *_context) -> None:
    # An acknowledgement, a publication or another transaction's rows change what is owed.
    session.info.pop(FIRST_TO_READ, None)
