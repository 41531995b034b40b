"""How the intake's records read in the trail: a survey link by its transaction, its use by
the customer ("A customer (public page)") with the answer it produced."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.forms.history import form_title
from core.intake.models import ComplaintNumber, SurveyToken
from core.plugin_engine.types import TrailEntity
from core.trail.readable import of_record

ENTITIES = (
    TrailEntity(
        entity_type="survey_token",
        label=_l("survey link"),
        fields={
            "site_id": _l("Site"),
            "source_submission_id": _l("Transaction"),
            "answer_id": _l("Answer"),
            "expires_at": _l("Valid until"),
            "used_at": _l("Answered at"),
        },
        hidden={"token", "form_key"},
        references={"site_id": "site", "source_submission_id": "form_submission", "answer_id": "form_submission"},
        name=of_record(
            SurveyToken,
            lambda found: _(
                "survey link of %(form)s for submission %(number)s",
                form=form_title(found.form_key),
                number=found.source_submission_id,
            ),
        ),
        link=of_record(SurveyToken, lambda found: url_for("forms.view", submission_id=found.source_submission_id)),
    ),
    TrailEntity(
        entity_type="complaint_number",
        label=_l("complaint numbering"),
        fields={"site_id": _l("Site"), "year": _l("Year"), "last": _l("Last number")},
        references={"site_id": "site"},
        name=of_record(ComplaintNumber, lambda found: _("complaint numbering of %(year)s", year=found.year)),
    ),
)
