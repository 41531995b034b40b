"""How quality objectives and their monthly updates read in the trail, in the words of the
objective's page."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.objectives.models import Objective, ObjectiveUpdate
from core.plugins import TrailEntity
from core.trail.readable import of_record

DIRECTIONS = {"higher": _l("higher is better"), "lower": _l("lower is better")}
STATES = {"active": _l("ongoing"), "withdrawn": _l("withdrawn")}


def _objective_page(objective_id: int) -> str:
    return url_for("audits.objectives.objective", objective_id=objective_id)


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
        name=of_record(Objective, lambda found: f"{found.reference} {found.title}"),
        link=of_record(Objective, lambda found: _objective_page(found.id)),
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
        name=of_record(
            ObjectiveUpdate,
            lambda found: _(
                "%(period)s update of %(objective)s", period=found.period, objective=found.objective.reference
            ),
        ),
        link=of_record(ObjectiveUpdate, lambda found: _objective_page(found.objective_id)),
    ),
)
