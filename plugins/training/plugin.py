"""The training plugin's hook implementations (entry point ``training``)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_gettext as _l

from core.plugins import CapabilityMissing, DashboardPanel, hookimpl
from plugins.training import computations
from plugins.training.definitions import CHECKLISTS, FORMS, METRICS, PROCEDURE_TEMPLATES, ROSTER

HERE = Path(__file__).parent

# Metric key → how to compute it from the period's training records.
_COMPUTED = {
    "training.mandatory_completion": computations.mandatory_completion,
    "training.reaction_score": computations.reaction_score,
    "training.test_pass_rate": computations.pass_rate,
}


@hookimpl
def register_checklists():
    return list(CHECKLISTS)


@hookimpl
def register_metrics():
    return list(METRICS)


@hookimpl
def register_forms():
    return list(FORMS)


@hookimpl
def register_procedure_templates():
    return list(PROCEDURE_TEMPLATES)


@hookimpl
def register_translations():
    return [HERE / "translations"]


@hookimpl
def compute_metric(metric, site, period):
    from core.plugins import procedure_acknowledgements, submissions_in_period

    if metric.key == "training.procedure_acknowledgement":
        try:
            due, given = procedure_acknowledgements(site, period)
        except CapabilityMissing:  # document control is not installed: no records to compute from
            return None
        return computations.acknowledgement_completion(due, given)
    if metric.key == "training.certified_technicians":
        value = computations.certified_ratio(submissions_in_period(ROSTER, site, period))
        return None if value is None else round(value, 1)
    compute = _COMPUTED.get(metric.key)
    if compute is None:
        return None
    records = submissions_in_period("training.record", site, period)
    return compute(records) if records else None


@hookimpl
def dashboard_panels(site, user):
    return [DashboardPanel(title=_l("Mandatory training completion"), chart="training.mandatory_completion")]


@hookimpl
def populate_instance(demo):
    from plugins.training import demo as demo_records

    if demo:
        demo_records.populate()
