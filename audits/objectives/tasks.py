"""An objective's owner is asked each month for a word on the last one, in their task inbox."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.objectives import services
from core.accounts.models import User
from core.clock import last_complete_period, today
from core.counts import capped_count
from core.database import db
from core.paths import path_for
from core.plugins import Task, TaskList

UPDATE = "audits.objective_update"
KIND_LABEL = _l("Update an objective")
# The word on last month is asked for by the fifth of this month, like the KPIs kept by hand.
DUE_DAY = 5


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    if kind not in (None, UPDATE):
        return TaskList()
    query = services.updates_owed_query(user)
    total = capped_count(query)
    rows = db.session.execute(query.limit(limit)).scalars() if limit else []
    period = last_complete_period()
    due = today().replace(day=DUE_DAY)
    return TaskList(
        [
            Task(
                kind=UPDATE,
                kind_label=KIND_LABEL,
                title=_(
                    "Update %(reference)s for %(period)s — %(title)s",
                    reference=o.reference,
                    period=period,
                    title=o.title,
                ),
                url=path_for("audits.objectives.objective", objective_id=o.id),
                why=_("You own this objective."),
                due=due,
                record=o.reference,
            )
            for o in rows
        ],
        total=total,
        kind_totals={UPDATE: total},
    )
