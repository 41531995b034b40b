"""How audits, nonconformities and their actions read in the trail: the labels of their
forms and the words of their states, so a history says "Due date: … → …", not ``due_date``."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.improvements.labels import ACTION_TYPE_LABELS, METHOD_LABELS, PHASE_LABELS, STAGE_LABELS
from audits.improvements.labels import SOURCE_LABELS as IMPROVEMENT_SOURCES
from audits.improvements.models import Improvement
from audits.labels import EIGHT_D_LABELS, FISHBONE_LABELS, RESULT_LABELS, SOURCE_LABELS, STATE_LABELS
from audits.models import (
    Audit,
    AuditChecklist,
    AuditItem,
    CorrectiveAction,
    Evidence,
    Nonconformity,
    ProgrammeEntry,
    Recheck,
)
from core.plugins import TrailEntity
from core.trail.readable import of_record, record, record_name

SEVERITY_LABELS = {"minor": _l("Minor NC"), "major": _l("Major NC")}
ANALYSIS_METHODS = {"5why": _l("5 Why"), "fishbone": _l("Fishbone diagram"), "8d": _l("8D")}
# The root cause is one JSON value: each part under the words of the NC's page.
ROOT_CAUSE_FIELDS = {
    "root_cause.method": _l("Method"),
    "root_cause.chain": _l("5 Why"),
    "root_cause.chain.why": _l("Why?"),
    "root_cause.chain.because": _l("Because"),
    "root_cause.causes": _l("Causes"),
    **{f"root_cause.causes.{key}": label for key, label in FISHBONE_LABELS.items()},
    **{f"root_cause.{key}": label for key, label in EIGHT_D_LABELS.items()},
}
RECHECK_STATES = {"due": _l("due"), "passed": _l("passed"), "failed": _l("not passed")}
SCALE_LABELS = {
    "grades": _l("ISO grades, not scored"),
    "yes_no": _l("yes / no"),
    "points_0_2": _l("points 0–2"),
    "points_0_3": _l("points 0–3"),
    "percent": _l("percent"),
}


def _nc_page(nc: Nonconformity) -> str:
    return url_for("audits.nonconformity", reference=nc.reference)


_nc_name = of_record(Nonconformity, lambda nc: _("nonconformity %(reference)s", reference=nc.reference))
_nc_link = of_record(Nonconformity, _nc_page)
_action_name = of_record(CorrectiveAction, lambda action: _("corrective action %(label)s", label=action.label))
_action_link = of_record(CorrectiveAction, lambda action: _nc_page(action.nonconformity))
_audit_name = of_record(Audit, lambda audit: _("audit %(reference)s", reference=audit.reference))
_audit_link = of_record(Audit, lambda audit: url_for("audits.audit", reference=audit.reference))
_improvement_name = of_record(Improvement, lambda item: f"{item.reference} {item.title}")
_improvement_link = of_record(
    Improvement, lambda item: url_for("audits.improvements.improvement", reference=item.reference)
)
_checklist_name = of_record(
    AuditChecklist,
    lambda checklist: _(
        "checklist %(title)s of audit %(reference)s",
        title=checklist.shown("title"),
        reference=checklist.audit.reference,
    ),
)
_item_name = of_record(
    AuditItem,
    lambda item: _("point %(number)s of audit %(reference)s", number=item.position, reference=item.audit.reference),
)
_evidence_name = of_record(Evidence, lambda evidence: _("evidence file %(name)s", name=evidence.name))
_programme_name = of_record(
    ProgrammeEntry,
    lambda entry: _(
        "audit programme %(year)s: %(department)s in month %(month)s",
        year=entry.year,
        department=entry.department.label,
        month=entry.month,
    ),
)
_recheck_name = of_record(
    Recheck, lambda found: _("re-check of %(reference)s", reference=found.nonconformity.reference)
)
_recheck_link = of_record(Recheck, lambda found: _nc_page(found.nonconformity))


def _part_name(entity_id: str, kind: str) -> str | None:
    """``<audit id>/<user or department id>``: who or what, and of which audit."""
    audit_id, _slash, part_id = entity_id.partition("/")
    audit = record(Audit, audit_id)
    if audit is None:
        return None
    return _("%(part)s (audit %(reference)s)", part=record_name(kind, part_id), reference=audit.reference)


ENTITIES = (
    TrailEntity(
        entity_type="programme_entry",
        label=_l("audit programme entry"),
        fields={
            "year": _l("Year"),
            "month": _l("Month"),
            "site_id": _l("Site"),
            "department_id": _l("Department"),
            "area": _l("Area"),
            "note": _l("Note"),
        },
        references={"site_id": "site", "department_id": "department"},
        name=_programme_name,
    ),
    TrailEntity(
        entity_type="recheck",
        label=_l("re-check"),
        fields={
            "state": _l("State"),
            "site_id": _l("Site"),
            "department_id": _l("Department"),
            "checked_at": _l("Checked"),
            "checked_by_id": _l("Checked by"),
            "nonconformity_id": _l("Nonconformity"),
        },
        values={"state": RECHECK_STATES},
        # The point is the checklist's, kept in every language; the NC it re-checks names it.
        hidden={"checklist_key", "question_key", "text", "reference", "audit_item_id", "inspection_item_id"}
        | {"translations"},
        references={"site_id": "site", "department_id": "department", "checked_by_id": "user"}
        | {"nonconformity_id": "nonconformity"},
        transitions={
            "passed": _l("%(who)s found %(record)s passed"),
            "failed": _l("%(who)s found %(record)s failed: the NC is reopened"),
        },
        name=_recheck_name,
        link=_recheck_link,
    ),
    TrailEntity(
        entity_type="nonconformity",
        label=_l("nonconformity"),
        fields={
            "reference": _l("Reference"),
            "title": _l("Title"),
            "description": _l("Description"),
            "severity": _l("Severity"),
            "source": _l("Source"),
            "site_id": _l("Site"),
            "department_id": _l("Department"),
            "owner_id": _l("Owner"),
            "due_date": _l("Due date"),
            "state": _l("State"),
            "containment": _l("Immediate containment"),
            "root_cause": _l("Root cause"),
            "raised_by_id": _l("Raised by"),
            "contained_at": _l("Contained on"),
            "root_cause_at": _l("Root cause identified"),
            "closed_at": _l("Closed"),
            **ROOT_CAUSE_FIELDS,
        },
        values={
            "state": STATE_LABELS,
            "severity": SEVERITY_LABELS,
            "source": SOURCE_LABELS,
            "root_cause.method": ANALYSIS_METHODS,
        },
        hidden={"year", "sequence", "audit_id", "audit_item_id", "source_ref", "raised_at"},
        references={"site_id": "site", "department_id": "department", "owner_id": "user", "raised_by_id": "user"},
        transitions={
            "contained": _l("%(who)s recorded the containment of %(record)s"),
            "root_cause_identified": _l("%(who)s recorded the root cause of %(record)s"),
            "closed": _l("%(who)s closed %(record)s"),
        },
        name=_nc_name,
        link=_nc_link,
    ),
    TrailEntity(
        entity_type="corrective_action",
        label=_l("corrective action"),
        fields={
            "number": _l("Action"),
            "description": _l("Description"),
            "owner_id": _l("Owner"),
            "due_date": _l("Due date"),
            "state": _l("State"),
            "completion_note": _l("What was done"),
            "completed_at": _l("Completed"),
            "completed_by_id": _l("Completed by"),
            "verification_note": _l("Verification"),
            "verified_at": _l("Verified on"),
            "verified_by_id": _l("Verified by"),
        },
        values={"state": STATE_LABELS},
        hidden={"nonconformity_id"},
        references={"owner_id": "user", "completed_by_id": "user", "verified_by_id": "user"},
        transitions={
            "done": _l("%(who)s completed %(record)s"),
            "verified_effective": _l("%(who)s verified %(record)s effective"),
            "ineffective": _l("%(who)s found %(record)s ineffective"),
        },
        name=_action_name,
        link=_action_link,
    ),
    TrailEntity(
        entity_type="audit",
        label=_l("audit"),
        fields={
            "reference": _l("Reference"),
            "title": _l("Title"),
            "state": _l("State"),
            "site_id": _l("Site"),
            "lead_auditor_id": _l("Lead auditor"),
            "planned_date": _l("Planned date"),
            "scope": _l("Scope"),
            "criteria": _l("Criteria"),
            "checklist_keys": _l("Checklists"),
            "summary": _l("Summary"),
            "conclusion": _l("Conclusion"),
            "cancel_reason": _l("Reason for cancelling"),
            "created_by_id": _l("Planned by"),
            "started_at": _l("Started"),
            "reported_at": _l("Reported"),
            "closed_at": _l("Closed"),
            "cancelled_at": _l("Cancelled on"),
        },
        values={"state": STATE_LABELS},
        hidden={"year", "sequence", "criteria_revisions", "programme_entry_id"},
        references={"site_id": "site", "lead_auditor_id": "user", "created_by_id": "user"},
        transitions={"reported": _l("%(who)s issued the report of %(record)s")},
        name=_audit_name,
        link=_audit_link,
    ),
    TrailEntity(
        entity_type="audit_auditor",
        label=_l("auditor"),
        fields={"user_id": _l("Auditor")},
        hidden={"audit_id"},
        references={"user_id": "user"},
        actions={
            "create": _l("%(who)s added %(record)s to the audit team"),
            "delete": _l("%(who)s took %(record)s off the audit team"),
        },
        name=lambda entity_id: _part_name(entity_id, "user"),
    ),
    TrailEntity(
        entity_type="audit_department",
        label=_l("audited department"),
        fields={"department_id": _l("Department")},
        hidden={"audit_id"},
        references={"department_id": "department"},
        actions={
            "create": _l("%(who)s added %(record)s to the audit's scope"),
            "delete": _l("%(who)s took %(record)s out of the audit's scope"),
        },
        name=lambda entity_id: _part_name(entity_id, "department"),
    ),
    TrailEntity(
        entity_type="audit_checklist",
        label=_l("checklist"),
        fields={
            "title": _l("Title"),
            "area": _l("Department"),
            "version": _l("Version"),
            "scale": _l("Scale"),
            "pass_threshold": _l("Pass mark (%)"),
        },
        # The grade points and sections are shown with the score; as JSON they read as nothing in a history.
        hidden={"audit_id", "position", "plugin", "key", "grade_points", "sections"},
        values={"scale": SCALE_LABELS},
        name=_checklist_name,
    ),
    TrailEntity(
        entity_type="audit_item",
        label=_l("checklist point"),
        fields={
            "text": _l("Question"),
            "reference": _l("Reference"),
            "result": _l("Result"),
            "note": _l("Note"),
            "answered_by_id": _l("Answered by"),
            "answered_at": _l("Answered on"),
            "points": _l("Points"),
            "weight": _l("Weight"),
            "must_pass": _l("Must pass"),
        },
        values={"result": RESULT_LABELS},
        hidden={"audit_id", "checklist_id", "position", "question_key", "guidance", "section"},
        references={"answered_by_id": "user"},
        name=_item_name,
    ),
    TrailEntity(
        entity_type="evidence",
        label=_l("evidence"),
        fields={
            "name": _l("File"),
            "media_type": _l("Type"),
            "size": _l("Size (bytes)"),
            "uploaded_by_id": _l("Uploaded by"),
        },
        hidden={"sha256", "uploaded_at", "audit_id", "audit_item_id", "nonconformity_id", "action_id"}
        | {"inspection_item_id", "improvement_id"},
        references={"uploaded_by_id": "user"},
        name=_evidence_name,
    ),
    TrailEntity(
        entity_type="improvement",
        label=_l("improvement"),
        fields={
            "title": _l("Title"),
            "description": _l("Description"),
            "stage": _l("PDCA stage"),
            "stage_reason": _l("Comment or reason"),
            "method": _l("Run as"),
            "phase": _l("Phase"),
            "expected_benefit": _l("Expected benefit"),
            "actions": _l("Actions"),
            "result": _l("Result"),
            "due_date": _l("Due date"),
            "owner_id": _l("Owner"),
            "site_id": _l("Site"),
            "department_id": _l("Department"),
            "defect_metric": _l("Defect metric"),
            "opportunities": _l("Opportunities per unit"),
            "baseline_defects": _l("Baseline defects"),
            "baseline_units": _l("Baseline units"),
            "current_defects": _l("Defects now"),
            "current_units": _l("Units now"),
            "action_type": _l("Kind of action"),
            "reference": _l("Reference"),
            "source": _l("Source"),
            "closed_at": _l("Closed"),
        },
        values={
            "stage": STAGE_LABELS,
            "method": METHOD_LABELS,
            "phase": PHASE_LABELS,
            "source": IMPROVEMENT_SOURCES,
            "action_type": ACTION_TYPE_LABELS,
        },
        hidden={"year", "sequence", "audit_item_id", "source_ref", "raised_at", "raised_by_id"},
        references={"site_id": "site", "department_id": "department", "owner_id": "user"},
        name=_improvement_name,
        link=_improvement_link,
    ),
)
