"""The words users read for the states procedures store: one table for the pages and the controlled copy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import label_fields
from procedures.models import RevisionState

# The procedure fields services name in their errors, as the forms label them.
label_fields(
    {
        "body": _l("Text"),
        "change_summary": _l("Change summary"),
        "distribution": _l("Distribution"),
        "effective_date": _l("Effective date"),
        "review_interval_months": _l("Review interval (months)"),
        "body_sha256": _l("Text"),
        "number": _l("Revision number"),
        "procedure_id": _l("Procedure"),
        "state": _l("State"),
    }
)

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
