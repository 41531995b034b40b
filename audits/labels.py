"""The words users read for the codes audits store (results, states, sources,
root-cause categories, 8D steps): one table for the pages and the evidence pack."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from audits.models import Result

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
    "manual": _l("Manual"),
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
