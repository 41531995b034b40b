"""The words users read for the codes the improvement register stores."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STAGE_LABELS = {
    "plan": _l("Plan"),
    "do": _l("Do"),
    "check": _l("Check"),
    "act": _l("Act"),
    "closed": _l("Completed"),
    "rejected": _l("Not taken up"),
}
SOURCE_LABELS = {
    "audit_observation": _l("Audit observation"),
    "audit_ofi": _l("Audit OFI"),
    "suggestion": _l("Suggestion"),
    "servqual_gap": _l("SERVQUAL gap"),
    "red_kpi": _l("Red KPI"),
    "review": _l("Management review"),
    "manual": _l("Raised by hand"),
}
ACTION_TYPE_LABELS = {
    "corrective": _l("Corrective"),
    "preventive": _l("Preventive"),
    "improvement": _l("Improvement"),
}
METHOD_LABELS = {"pdca": _l("PDCA"), "dmaic": _l("Six Sigma DMAIC")}
# With their letters, as DMAIC is drawn on a project board.
PHASE_LABELS = {
    "define": _l("D — Define"),
    "measure": _l("M — Measure"),
    "analyse": _l("A — Analyse"),
    "improve": _l("I — Improve"),
    "control": _l("C — Control"),
}
# What moving to a stage means, on its button.
STAGE_ACTIONS = {
    "plan": _l("Back to plan"),
    "do": _l("Start doing"),
    "check": _l("Check the result"),
    "act": _l("Act on the result"),
    "closed": _l("Complete it"),
    "rejected": _l("Do not take it up"),
}
