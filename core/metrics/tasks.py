"""The monthly entry of the KPIs kept by hand, as tasks: the head of a metric's area at a site
is asked for last month's value until it is there (a quality officer for a metric of no area)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.models import Role, Site, User
from core.clock import last_complete_period, today
from core.database import db
from core.metrics import services
from core.metrics.models import Measurement
from core.paths import path_for
from core.plugin_engine.types import Task, TaskList

ENTER = "core.metrics.enter"
KIND_LABEL = _l("Enter a KPI")
# Last month's values are asked for by the fifth of this month.
DUE_DAY = 5


def _sites_of(user: User) -> list[Site]:
    if user.site_id is not None:
        return [user.site] if user.site.active else []
    return list(db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars())


def _asks(user: User, metric) -> bool:
    """Whose job the entry is: the head of the metric's area, a quality officer for one of no area."""
    if metric.area:
        return (
            Role.DEPARTMENT_HEAD in user.roles and user.department is not None and user.department.code == metric.area
        )
    return Role.QUALITY_OFFICER in user.roles


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    if kind not in (None, ENTER):
        return TaskList()
    metrics = [m for m in services.definitions() if not m.computed and m.period == "month" and _asks(user, m)]
    if not metrics:
        return TaskList()
    period = last_complete_period()
    first_of_month = today().replace(day=1)
    due = date(first_of_month.year, first_of_month.month, DUE_DAY)
    waiting = []
    for site in _sites_of(user):
        entered = set(
            db.session.execute(
                db.select(Measurement.metric_key).where(Measurement.site_id == site.id, Measurement.period == period)
            ).scalars()
        )
        for metric in metrics:
            if metric.key not in entered and services.entry_refusal(user, metric, site) is None:
                waiting.append((site, metric))
    return TaskList(
        [
            Task(
                kind=ENTER,
                kind_label=KIND_LABEL,
                title=_(
                    "Enter %(metric)s of %(period)s at %(site)s", metric=metric.name, period=period, site=site.code
                ),
                url=path_for("metrics.metric", key=metric.key, site=site.code),
                why=_("It is kept by hand, and %(area)s is yours.", area=metric.area or _("quality")),
                due=due,
                record=f"{metric.key} {site.code} {period}",
            )
            for site, metric in waiting[:limit]
        ],
        total=len(waiting),
        kind_totals={ENTER: len(waiting)},
    )
