"""The recurring forms waiting for a user, for their task inbox: each open due of an active
schedule that is theirs — assigned to them, or, nobody named, of their department at the site."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.models import User
from core.database import db
from core.forms import schedules
from core.forms.models import FormDue
from core.paths import path_for
from core.plugin_engine.types import Task, TaskList

FILL = "core.forms.fill"
KIND_LABEL = _l("Form due")


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


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    # The engine may ask for nobody's tasks (its own tests do): nobody has any.
    if kind not in (None, FILL) or user is None:
        return TaskList()
    query = schedules.to_do_query(user)
    # Counted in the database: the navigation asks for the count alone on every page.
    total = db.session.execute(db.select(db.func.count()).select_from(query.order_by(None).subquery())).scalar()
    rows = db.session.execute(query.limit(limit)).scalars().all() if limit else []
    return TaskList([_task(user, due) for due in rows], total=total)
