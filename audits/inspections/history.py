"""How recurring checks read in the trail: the schedule, each check by its title in the
reader's language and its points by number, in the words of the checks' pages."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.inspections.models import Inspection, InspectionItem, InspectionSchedule
from core.plugins import TrailEntity
from core.rhythm import FREQUENCY_LABELS, WEEKDAY_WORDS
from core.trail.readable import of_record

RESULT_LABELS = {"ok": _l("OK"), "not_ok": _l("Not OK"), "na": _l("Not applicable")}
STATE_LABELS = {"open": _l("open"), "done": _l("done")}


_WHERE = {"site_id": _l("Site"), "department_id": _l("Department"), "assignee_id": _l("Assignee")}
_REFERENCES = {"site_id": "site", "department_id": "department", "assignee_id": "user"}

ENTITIES = (
    TrailEntity(
        entity_type="inspection_schedule",
        label=_l("check schedule"),
        fields={
            **_WHERE,
            "title": _l("Title"),
            "frequency": _l("Frequency"),
            "weekdays": _l("Weekdays"),
            "day_of_month": _l("Day of the month"),
            "starts_on": _l("Starts on"),
            "active": _l("Active"),
            "created_by_id": _l("Created by"),
        },
        values={"frequency": FREQUENCY_LABELS, "weekdays": WEEKDAY_WORDS},
        # The title and checklist are kept in every language (translations): the name says them in the reader's.
        hidden={"checklist_key", "checklist_version", "translations"},
        references={**_REFERENCES, "created_by_id": "user"},
        name=of_record(InspectionSchedule, lambda found: _("schedule %(title)s", title=found.shown("title"))),
    ),
    TrailEntity(
        entity_type="inspection",
        label=_l("check"),
        fields={
            **_WHERE,
            "title": _l("Title"),
            "occurs_on": _l("Due on"),
            "state": _l("State"),
            "completed_at": _l("Completed"),
            "completed_by_id": _l("Completed by"),
        },
        values={"state": STATE_LABELS},
        hidden={"checklist_key", "checklist_version", "schedule_id", "translations"},
        references={**_REFERENCES, "completed_by_id": "user"},
        transitions={"done": _l("%(who)s completed %(record)s")},
        name=of_record(
            Inspection,
            lambda found: _("check %(reference)s %(title)s", reference=found.reference, title=found.shown("title")),
        ),
        link=of_record(Inspection, lambda found: url_for("audits.inspections.inspection", inspection_id=found.id)),
    ),
    TrailEntity(
        entity_type="inspection_item",
        label=_l("check point"),
        fields={"result": _l("Result"), "note": _l("Note")},
        values={"result": RESULT_LABELS},
        # The question is the checklist's, kept in every language; the point's number names it.
        hidden={"inspection_id", "position", "question_key", "text", "guidance", "translations"},
        name=of_record(
            InspectionItem,
            lambda found: _(
                "point %(number)s of check %(reference)s", number=found.position, reference=found.inspection.reference
            ),
        ),
    ),
)
