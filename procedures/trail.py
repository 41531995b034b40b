"""How procedures and their revisions read in the trail: the labels of their forms, the
words of a revision's states, and what each step of the approval says."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.plugins import TrailEntity
from core.trail.readable import record
from procedures.forms import KIND_LABELS
from procedures.models import Procedure, Revision, RevisionState

STATE_LABELS = {
    RevisionState.DRAFT.value: _l("draft"),
    RevisionState.IN_REVIEW.value: _l("in review"),
    RevisionState.APPROVED.value: _l("approved"),
    RevisionState.EFFECTIVE.value: _l("effective"),
    RevisionState.SUPERSEDED.value: _l("superseded"),
}


def _procedure_name(entity_id: str) -> str | None:
    procedure = record(Procedure, entity_id)
    return f"{procedure.code} {procedure.title}" if procedure else None


def _procedure_link(entity_id: str) -> str | None:
    procedure = record(Procedure, entity_id)
    return url_for("procedures.view", code=procedure.code) if procedure else None


def _revision_name(entity_id: str) -> str | None:
    revision = record(Revision, entity_id)
    if revision is None:
        return None
    return _("revision %(number)s of %(code)s", number=revision.number, code=revision.procedure.code)


def _revision_link(entity_id: str) -> str | None:
    revision = record(Revision, entity_id)
    if revision is None:
        return None
    return url_for("procedures.view", code=revision.procedure.code, rev=revision.number)


def _revision_diff(entity_id: str) -> str | None:
    revision = record(Revision, entity_id)
    if revision is None or revision.number < 2:
        return None
    return url_for(
        "procedures.diff", code=revision.procedure.code, **{"from": revision.number - 1, "to": revision.number}
    )


ENTITIES = (
    TrailEntity(
        entity_type="procedure",
        label=_l("procedure"),
        fields={
            "code": _l("Code"),
            "title": _l("Title"),
            "kind": _l("Kind"),
            "department_id": _l("Owning department"),
            "site_id": _l("Site"),
            "review_interval_months": _l("Review interval (months)"),
            "distribution": _l("Who must read it"),
            "distribution.departments": _l("Departments who must read it"),
            "distribution.roles": _l("Roles who must read it"),
            "next_review_due": _l("Next review"),
            "withdrawn_at": _l("Withdrawn on"),
            "withdrawal_reason": _l("Reason for withdrawal"),
        },
        values={"kind": KIND_LABELS},
        hidden={"origin_plugin"},
        references={"department_id": "department", "site_id": "site"},
        name=_procedure_name,
        link=_procedure_link,
    ),
    TrailEntity(
        entity_type="procedure_revision",
        label=_l("revision"),
        fields={
            "number": _l("Revision"),
            "title": _l("Title"),
            "body": _l("Text"),
            "change_summary": _l("Change summary"),
            "author_id": _l("Author"),
            "state": _l("State"),
            "effective_date": _l("Effective date"),
            "submitted_at": _l("Submitted on"),
            "approved_at": _l("Approved on"),
            "effective_at": _l("In force since"),
            "superseded_at": _l("Superseded on"),
            "rejection_comment": _l("Returned by a reviewer:"),
            "approved_by_system": _l("Approved by the system at installation"),
        },
        values={"state": STATE_LABELS},
        hidden={"procedure_id", "body_sha256"},
        long_text={"body"},
        references={"author_id": "user"},
        transitions={
            RevisionState.IN_REVIEW.value: _l("%(who)s submitted %(record)s for approval"),
            RevisionState.APPROVED.value: _l("%(record)s has all its approvals"),
            RevisionState.EFFECTIVE.value: _l("%(record)s became effective"),
            RevisionState.SUPERSEDED.value: _l("%(record)s was superseded"),
            RevisionState.DRAFT.value: _l("%(who)s returned %(record)s to draft"),
        },
        name=_revision_name,
        link=_revision_link,
        compare=_revision_diff,
    ),
)
