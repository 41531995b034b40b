"""The forms waiting for a user, for their task inbox: each open due of an active schedule that
is theirs — assigned to them, or, nobody named, of their department at the site — and, for a
department's head, the customers' low survey scores to follow up."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.models import User
from core.counts import capped_count
from core.database import db
from core.forms import follow_ups, schedules
from core.forms.history import form_title
from core.forms.models import FormDue, SurveyFollowUp
from core.paths import path_for
from core.plugin_engine.types import Task, TaskList

FILL = "core.forms.fill"
KIND_LABEL = _l("Form due")
FOLLOW_UP = "core.forms.follow_up"
FOLLOW_UP_LABEL = _l("Survey follow-up")


def _task(user: User, due: FormDue) -> Task:
    return Task(
        kind=FILL,
        kind_label=KIND_LABEL,
        title=_("%(title)s — %(site)s", title=due.schedule.shown_title, site=due.site.code),
        # The fill page opens on the due's site: the submission there is what closes it.
        url=path_for("forms.fill", key=due.form_key, site=due.site.code),
        why=_("It is assigned to you.")
        if due.assignee_id == user.id
        else _("It is for the people of %(department)s at your site.", department=due.department.code),
        due=due.occurs_on,
        record=due.reference,
    )


def _follow_up_task(found: SurveyFollowUp) -> Task:
    return Task(
        kind=FOLLOW_UP,
        kind_label=FOLLOW_UP_LABEL,
        title=_(
            "Call the customer of %(form)s — %(site)s (low scores: %(scores)s)",
            form=form_title(found.form_key),
            site=found.site.code,
            scores=follow_ups.low_scores_in_words(found),
        ),
        url=path_for("forms.view", submission_id=found.submission_id),
        # Said of the head's place, not the person: a deputy or a group-level head acts in it.
        why=_(
            "It is for the head of %(department)s at %(site)s.",
            department=follow_ups.department_name(found),
            site=found.site.code,
        ),
        due=found.due_on,
        record=found.reference,
    )


def _counted(query) -> int:
    # Counted in the database: the navigation asks for the count alone on every page.
    return capped_count(query)


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    # The engine may ask for nobody's tasks (its own tests do): nobody has any.
    if kind not in (None, FILL, FOLLOW_UP) or user is None:
        return TaskList()
    parts = {}
    if kind in (None, FILL):
        query = schedules.to_do_query(user)
        rows = db.session.execute(query.limit(limit)).scalars().all() if limit else []
        parts[FILL] = TaskList([_task(user, due) for due in rows], total=_counted(query))
    if kind in (None, FOLLOW_UP):
        query = follow_ups.to_do_query(user)
        rows = db.session.execute(query.limit(limit)).scalars().all() if limit else []
        parts[FOLLOW_UP] = TaskList([_follow_up_task(found) for found in rows], total=_counted(query))
    # The first of each kind: the inbox shows the first few of each kind under its count.
    return TaskList.joined(parts)
