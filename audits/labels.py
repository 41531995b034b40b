"""The words users read for the codes audits store (results, states, sources,
root-cause categories, 8D steps): one table for the pages and the evidence pack."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.models import Result
from core.errors import label_fields
from core.plugin_engine.manager import registry

# The audit-area fields services name in their errors, as the pages label them.
label_fields(
    {
        "actions": _l("Corrective actions"),
        "auditors": _l("Auditors"),
        "audits_a_year": _l("Audits a year"),
        "chair": _l("Chair"),
        "checklist": _l("Checklist"),
        "checklists": _l("Checklists"),
        "comment": _l("Comment"),
        "conclusion": _l("Conclusion"),
        "containment": _l("Immediate containment"),
        "criteria": _l("Criteria (procedure codes)"),
        "current_defects": _l("Defects now"),
        "decisions": _l("Decisions"),
        "defect_metric": _l("Defect metric"),
        "departments": _l("Departments"),
        "direction": _l("Direction"),
        "entry": _l("Programme entry"),
        "items": _l("Checklist items"),
        "lead_auditor": _l("Lead auditor"),
        "measure": _l("Measure"),
        "metric": _l("KPI"),
        "month": _l("Month"),
        "participants": _l("Participants"),
        "period_from": _l("Review period from"),
        "period_to": _l("Review period to"),
        "phase": _l("Phase"),
        "plan_what": _l("What will be done"),
        "plan_resources": _l("Resources"),
        "plan_who": _l("Who"),
        "plan_when": _l("When"),
        "scope": _l("Scope"),
        "why": _l("Why (the policy, risk or finding it answers)"),
        "expected_benefit": _l("Expected benefit"),
        "baseline_defects": _l("Baseline defects"),
        "baseline_units": _l("Baseline units"),
        "current_units": _l("Units now"),
        "opportunities": _l("Opportunities per unit"),
        "verification_note": _l("Evidence of effectiveness"),
        "present": _l("Present"),
        "programme_entry": _l("Programme entry"),
        "raised_by": _l("Raised by"),
        "reference": _l("Reference"),
        "result": _l("Result"),
        "root_cause": _l("Root cause"),
        "root_cause.causes": _l("Causes"),
        "root_cause.chain": _l("Why-why chain"),
        "root_cause.method": _l("Root-cause method"),
        "severity": _l("Severity"),
        "source": _l("Source"),
        "stage": _l("Stage"),
        "state": _l("State"),
        "summary": _l("Summary"),
        "to": _l("Next state"),
        "year": _l("Year"),
    }
)

RESULT_LABELS = {
    Result.CONFORMING.value: _l("Conforming"),
    Result.MINOR_NC.value: _l("Minor NC"),
    Result.MAJOR_NC.value: _l("Major NC"),
    Result.OBSERVATION.value: _l("Observation"),
    Result.OFI.value: _l("Opportunity for improvement"),
    Result.NOT_APPLICABLE.value: _l("Not applicable"),
}
STATE_LABELS = {
    "planned": _l("planned"),
    "in_progress": _l("in progress"),
    "reported": _l("reported"),
    "closed": _l("closed"),
    "cancelled": _l("cancelled"),
    "open": _l("open"),
    "contained": _l("contained"),
    "root_cause_identified": _l("root cause identified"),
    "actions_planned": _l("actions planned"),
    "verifying": _l("verifying"),
    "done": _l("done"),
    "verified_effective": _l("verified effective"),
    "ineffective": _l("ineffective"),
    "scheduled": _l("scheduled"),
    "overdue": _l("overdue"),
    # A re-check of a fixed finding.
    "due": _l("due"),
    "passed": _l("passed"),
    "failed": _l("failed: reopened"),
}


def state_label(state: str) -> str:
    """A state in the reader's words (an unknown one as stored, underscores as spaces)."""
    return str(STATE_LABELS.get(state, state.replace("_", " ")))


SEVERITY_LABELS = {
    "minor": _l("minor"),
    "major": _l("major"),
}
SOURCE_LABELS = {
    "audit": _l("Audit"),
    "inspection": _l("Inspection"),
    "complaint": _l("Complaint"),
    "metric": _l("Metric"),
    "manual": _l("Entered by hand"),
    "review": _l("Management review"),
}
FISHBONE_LABELS = {
    "man": _l("Man (people)"),
    "machine": _l("Machine"),
    "method": _l("Method"),
    "material": _l("Material"),
    "measurement": _l("Measurement"),
    "environment": _l("Environment"),
}
EIGHT_D_LABELS = {
    "d0": _l("D0 Prepare"),
    "d1": _l("D1 Team"),
    "d2": _l("D2 Problem description"),
    "d3": _l("D3 Containment"),
    "d4": _l("D4 Root cause"),
    "d5": _l("D5 Permanent corrective actions"),
    "d6": _l("D6 Implementation"),
    "d7": _l("D7 Prevent recurrence"),
    "d8": _l("D8 Recognise the team"),
}


def source_reference(source_ref: str | None) -> tuple[str, str | None]:
    """Where an NC came from, as its page names and links it: ``inspection:14`` is check IN-14,
    ``form-submission:2668`` a form's submission, ``metric:sales.ssi`` the KPI by its name."""
    kind, _colon, key = (source_ref or "").partition(":")
    if kind == "inspection" and key.isdigit():
        return f"IN-{key}", url_for("audits.inspections.inspection", inspection_id=int(key))
    if kind == "form-submission" and key.isdigit():
        return _("form submission %(number)s", number=key), url_for("forms.view", submission_id=int(key))
    if kind == "metric" and key in registry().metrics:
        return str(registry().metrics[key].name), url_for("metrics.metric", key=key)
    return (key if kind == "complaint" else source_ref or ""), None
