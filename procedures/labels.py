"""The words users read for the states procedures store: one table for the pages and the controlled copy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from procedures.models import RevisionState

REVISION_STATE_LABELS = {
    RevisionState.DRAFT.value: _l("draft"),
    RevisionState.IN_REVIEW.value: _l("in review"),
    RevisionState.APPROVED.value: _l("approved"),
    RevisionState.EFFECTIVE.value: _l("effective"),
    RevisionState.SUPERSEDED.value: _l("superseded"),
    "withdrawn": _l("withdrawn"),
}


def revision_state(state: str) -> str:
    """A revision's state in the reader's language (an unknown one as stored)."""
    return str(REVISION_STATE_LABELS.get(state, state.replace("_", " ")))
