"""Telling a department's head that a customer's low score waits for their call: the follow-up
is in their tasks too, but a customer called the same day is a customer kept."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.accounts.organisation import head_of
from core.forms.models import SurveyFollowUp
from core.notifications.services import notify
from core.paths import path_for
from core.plugin_engine.types import NotificationKind
from core.times import site_today

FOLLOW_UP_OPENED = "core.forms.follow_up"
KINDS = [
    NotificationKind(
        key=FOLLOW_UP_OPENED,
        title=_l("A customer gave a low score on a survey"),
        # Parameters read the same in every language: the recipient's words come from here.
        subject=_l("Survey follow-up %(reference)s at %(site)s: call the customer by %(due)s"),
        message=_l("A customer gave a low score. Call them, then record the outcome on the survey."),
    )
]


def tell_the_head(found: SurveyFollowUp) -> None:
    """Tell the head acting at the site, in the transaction that opened ``found``. An answer
    typed in after its follow-up was already due (a paper survey, the demo's history) waits in
    their tasks, overdue, without a notification each."""
    if found.due_on < site_today(found.site):
        return
    notify(
        [head_of(found.department, found.site)],
        FOLLOW_UP_OPENED,
        {"reference": found.reference, "site": found.site.code, "due": found.due_on.isoformat()},
        url=path_for("forms.view", submission_id=found.submission_id),
        event=f"follow-up:{found.id}",
    )
