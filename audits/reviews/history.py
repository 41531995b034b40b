"""How management reviews read in the trail, in the words of the review's page. The compiled
inputs and the decisions per input read on the review's page and in its signed record, where
each has its section; the trail says who compiled, held and signed, and when."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.reviews.labels import OUTPUT_KIND_LABELS, STATE_LABELS
from audits.reviews.models import ManagementReview, ReviewOutput
from core.plugins import TrailEntity
from core.trail.readable import of_record


def _review_page(review: ManagementReview) -> str:
    return url_for("audits.reviews.review", reference=review.reference)


ENTITIES = (
    TrailEntity(
        entity_type="management_review",
        label=_l("management review"),
        fields={
            "reference": _l("Reference"),
            "site_id": _l("Site"),
            "period_from": _l("Period from"),
            "period_to": _l("Period to"),
            "planned_date": _l("Planned date"),
            "chair_id": _l("Chair"),
            "participants": _l("Participants"),
            "state": _l("State"),
            "compiled_at": _l("Inputs compiled"),
            "compiled_by_id": _l("Compiled by"),
            "context_changes": _l("Changes in external and internal issues"),
            "resources": _l("Adequacy of resources"),
            "external_providers": _l("Performance of external providers"),
            "present": _l("Present"),
            "guests": _l("Guests"),
            "held_at": _l("Held"),
            "held_by_id": _l("Recorded by"),
            "created_by_id": _l("Planned by"),
        },
        values={"state": STATE_LABELS},
        hidden={"year", "sequence", "inputs", "inputs_sha256", "decisions"},
        long_text={"context_changes", "resources", "external_providers"},
        references={"site_id": "site", "chair_id": "user", "compiled_by_id": "user", "held_by_id": "user"}
        | {"created_by_id": "user"},
        transitions={
            "compiled": _l("%(who)s compiled the inputs of %(record)s"),
            "held": _l("%(who)s recorded the meeting of %(record)s"),
            "signed": _l("%(who)s signed the minutes of %(record)s"),
        },
        name=of_record(ManagementReview, lambda found: _("management review %(reference)s", reference=found.reference)),
        link=of_record(ManagementReview, _review_page),
    ),
    TrailEntity(
        entity_type="review_output",
        label=_l("review output"),
        fields={
            "kind": _l("Kind of output"),
            "record_reference": _l("Record"),
            "title": _l("Title"),
            "description": _l("Description"),
            "owner_id": _l("Owner"),
            "due_date": _l("Due date"),
            "created_by_id": _l("Decided by"),
        },
        values={"kind": OUTPUT_KIND_LABELS},
        hidden={"review_id", "record_id"},
        references={"owner_id": "user", "created_by_id": "user"},
        actions={"create": _l("%(who)s decided %(record)s")},
        name=of_record(
            ReviewOutput,
            lambda found: _(
                "output %(record)s of management review %(reference)s",
                record=found.record_reference,
                reference=found.review.reference,
            ),
        ),
        link=of_record(ReviewOutput, lambda found: _review_page(found.review)),
    ),
)
