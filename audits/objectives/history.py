"""How quality objectives and their monthly updates read in the trail, in the words of the
objective's page."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.objectives.models import Objective, ObjectiveUpdate
from core.database import db
from core.plugins import TrailEntity

DIRECTIONS = {"higher": _l("higher is better"), "lower": _l("lower is better")}
STATES = {"active": _l("active"), "withdrawn": _l("withdrawn")}


def _get(model, entity_id: str):
    return db.session.get(model, int(entity_id)) if entity_id.isdigit() else None


def _objective_name(entity_id: str) -> str | None:
    found = _get(Objective, entity_id)
    return f"{found.reference} {found.title}" if found else None


def _objective_link(entity_id: str) -> str | None:
    return url_for("audits.objectives.objective", objective_id=int(entity_id)) if _get(Objective, entity_id) else None


def _update_name(entity_id: str) -> str | None:
    found = _get(ObjectiveUpdate, entity_id)
    if found is None:
        return None
    return _("%(period)s update of %(objective)s", period=found.period, objective=found.objective.reference)


def _update_link(entity_id: str) -> str | None:
    found = _get(ObjectiveUpdate, entity_id)
    return url_for("audits.objectives.objective", objective_id=found.objective_id) if found else None


ENTITIES = (
    TrailEntity(
        entity_type="objective",
        label=_l("quality objective"),
        fields={
            "title": _l("Title"),
            "why": _l("Why"),
            "site_id": _l("Site"),
            "department_id": _l("Department"),
            "metric_key": _l("KPI"),
            "measure": _l("Measure"),
            "unit": _l("Unit"),
            "direction": _l("Direction"),
            "baseline": _l("Baseline"),
            "target": _l("Target"),
            "starts_on": _l("Starts on"),
            "due_date": _l("Due date"),
            "owner_id": _l("Owner"),
            "plan_what": _l("What will be done"),
            "plan_resources": _l("Resources"),
            "plan_who": _l("Who"),
            "plan_when": _l("When"),
            "state": _l("State"),
            "created_by_id": _l("Set by"),
        },
        values={"direction": DIRECTIONS, "state": STATES},
        references={"site_id": "site", "department_id": "department", "owner_id": "user", "created_by_id": "user"}
        | {"metric_key": "metric"},
        transitions={"withdrawn": _l("%(who)s withdrew %(record)s")},
        name=_objective_name,
        link=_objective_link,
    ),
    TrailEntity(
        entity_type="objective_update",
        label=_l("objective update"),
        fields={
            "period": _l("Month"),
            "value": _l("Value"),
            "comment": _l("Comment"),
            "by_id": _l("By"),
            "at": _l("On"),
        },
        hidden={"objective_id"},
        references={"by_id": "user"},
        name=_update_name,
        link=_update_link,
    ),
)
