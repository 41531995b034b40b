"""How form records read in the trail: a submission by its form's title in the reader's
language, with its answers on its own page (where the form's labels show them), and the
schedules and dues of recurring forms in the words of their pages."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.forms.labels import RESULTS
from core.forms.models import FormDue, FormSchedule, FormSubmission, FormVersion, SurveyFollowUp
from core.plugin_engine import manager
from core.plugin_engine.types import TrailEntity
from core.rhythm import FREQUENCY_LABELS, WEEKDAY_WORDS
from core.trail.readable import of_record

DUE_STATES = {"open": _l("open"), "done": _l("done")}


def form_title(form_key: str, stored: str | None = None) -> str:
    """The form's title in the reader's language while the form is installed; else the title it was stored with."""
    form = manager.registry().forms.get(form_key)
    return str(form.title) if form else (stored or form_key)


_WHERE = {"site_id": _l("Site"), "department_id": _l("Department")}
_REFERENCES = {"site_id": "site", "department_id": "department"}

ENTITIES = (
    TrailEntity(
        entity_type="form_submission",
        label=_l("form submission"),
        fields={
            **_WHERE,
            "period": _l("Period"),
            "submitted_by_id": _l("Submitted by"),
            "submitted_at": _l("Submitted"),
        },
        # The answers read on the submission's page, under the labels of the form they were given in.
        hidden={"data", "form_key", "form_version", "form_version_id"},
        references={**_REFERENCES, "submitted_by_id": "user"},
        name=of_record(
            FormSubmission,
            lambda found: _("submission %(number)s of %(form)s", number=found.id, form=form_title(found.form_key)),
        ),
        link=of_record(FormSubmission, lambda found: url_for("forms.view", submission_id=found.id)),
    ),
    TrailEntity(
        entity_type="form_version",
        label=_l("form version"),
        fields={"title": _l("Title"), "version": _l("Version"), "recorded_at": _l("Recorded")},
        hidden={"definition", "definition_sha256", "form_key"},
        actions={"create": _l("%(who)s recorded %(record)s")},
        name=of_record(
            FormVersion,
            lambda found: _(
                "version %(version)s of %(form)s", version=found.version, form=form_title(found.form_key, found.title)
            ),
        ),
    ),
    TrailEntity(
        entity_type="form_schedule",
        label=_l("form schedule"),
        fields={
            **_WHERE,
            "title": _l("Title"),
            "assignee_id": _l("Assignee"),
            "frequency": _l("Frequency"),
            "weekdays": _l("Weekdays"),
            "day_of_month": _l("Day of the month"),
            "starts_on": _l("Starts on"),
            "active": _l("Active"),
            "created_by_id": _l("Created by"),
        },
        values={"frequency": FREQUENCY_LABELS, "weekdays": WEEKDAY_WORDS},
        hidden={"form_key"},
        references={**_REFERENCES, "assignee_id": "user", "created_by_id": "user"},
        name=of_record(FormSchedule, lambda found: _("schedule of %(form)s", form=found.shown_title)),
    ),
    TrailEntity(
        entity_type="form_due",
        label=_l("form due"),
        fields={
            **_WHERE,
            "assignee_id": _l("Assignee"),
            "occurs_on": _l("Due on"),
            "state": _l("State"),
            "done_at": _l("Done"),
            "submission_id": _l("Submission"),
        },
        values={"state": DUE_STATES},
        hidden={"form_key", "schedule_id"},
        references={**_REFERENCES, "assignee_id": "user", "submission_id": "form_submission"},
        name=of_record(
            FormDue,
            lambda found: _(
                "%(form)s due on %(day)s", form=form_title(found.form_key), day=found.occurs_on.isoformat()
            ),
        ),
    ),
    TrailEntity(
        entity_type="survey_follow_up",
        label=_l("survey follow-up"),
        fields={
            **_WHERE,
            "submission_id": _l("Survey"),
            "low_ratings": _l("Low scores"),
            "due_on": _l("Due on"),
            "result": _l("Outcome"),
            "note": _l("Note"),
            "recorded_by_id": _l("Recorded by"),
            "recorded_at": _l("Recorded"),
        },
        values={"result": RESULTS},
        hidden={"form_key", "created_at"},
        references={**_REFERENCES, "submission_id": "form_submission", "recorded_by_id": "user"},
        name=of_record(
            SurveyFollowUp,
            lambda found: _(
                "follow-up of submission %(number)s of %(form)s",
                number=found.submission_id,
                form=form_title(found.form_key),
            ),
        ),
        link=of_record(SurveyFollowUp, lambda found: url_for("forms.view", submission_id=found.submission_id)),
    ),
)
