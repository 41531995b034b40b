"""How management reviews read in the trail, in the words of the review's page. The compiled
inputs and the decisions per input read on the review's page and in its signed record, where
each has its section; the trail says who compiled, held and signed, and when."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.reviews.inputs import LABELS
from audits.reviews.models import ManagementReview, ReviewOutput
from audits.reviews.services import STATE_LABELS
from core.database import db
from core.plugins import TrailEntity

OUTPUT_KINDS = {kind: LABELS[kind] for kind in ("improvement", "objective", "nonconformity")}


def _get(model, entity_id: str):
    return db.session.get(model, int(entity_id)) if entity_id.isdigit() else None


def _review_name(entity_id: str) -> str | None:
    found = _get(ManagementReview, entity_id)
    return _("management review %(reference)s", reference=found.reference) if found else None


def _review_link(entity_id: str) -> str | None:
    found = _get(ManagementReview, entity_id)
    return url_for("audits.reviews.review", reference=found.reference) if found else None


def _output_name(entity_id: str) -> str | None:
    found = _get(ReviewOutput, entity_id)
    if found is None:
        return None
    return _(
        "output %(record)s of management review %(reference)s",
        record=found.record_reference,
        reference=found.review.reference,
    )


def _output_link(entity_id: str) -> str | None:
    found = _get(ReviewOutput, entity_id)
    return url_for("audits.reviews.review", reference=found.review.reference) if found else None


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
        name=_review_name,
        link=_review_link,
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
        values={"kind": OUTPUT_KINDS},
        hidden={"review_id", "record_id"},
        references={"owner_id": "user", "created_by_id": "user"},
        actions={"create": _l("%(who)s decided %(record)s")},
        name=_output_name,
        link=_output_link,
    ),
)
