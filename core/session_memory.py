"""What a session has read since its last write, for a page that asks the same thing twice.

The dashboard asks some questions twice in one request (its inbox and an area's panel both count
the revisions to read, both list the first of them), each as long to answer as a whole small page.
A session keeps the answers until it writes: a flush, the end of the transaction, or changes not
yet flushed make it forget them all, so another transaction's rows or the session's own writes are
never answered from before.

Its listeners are registered when this module is imported, at start-up: registered inside the end
of a transaction instead, they would change the listener list SQLAlchemy is walking.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

_KEPT = "dealerqms_since_last_write"


def since_last_write(session: Session, name: str) -> dict:
    """The session's answers called ``name`` found since its last write (a dict the caller fills);
    empty while it holds changes not yet flushed."""
    if session.new or session.dirty or session.deleted:
        session.info.pop(_KEPT, None)
    return session.info.setdefault(_KEPT, {}).setdefault(name, {})


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget(session, *_context) -> None:
    session.info.pop(_KEPT, None)
