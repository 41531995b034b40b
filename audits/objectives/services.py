"""Quality objectives: who sets and reads them, their monthly updates, and their status, derived
from the data — a KPI's values at the site (the mean of the sites for a group objective) or the
values the owner records for a measure kept by hand."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.objectives.models import Objective, ObjectiveUpdate
from audits.services.common import department_named, optional_text, required_text, site_named, user_named
from core.accounts import organisation
from core.accounts.models import Role, Site, User
from core.accounts.permissions import in_group_office, works_at
from core.clock import last_complete_period, today
from core.database import db
from core.errors import NotFound, Refusal, ValidationFailed, conflict, enforce, require_row_version
from core.metrics import services as metrics
from core.metrics.models import Measurement
from core.trail import reason as trail_reason

ACTIVE, WITHDRAWN = "active", "withdrawn"
STATUS_LABELS = {
    "on_track": _l("on track"),
    "at_risk": _l("at risk"),
    "achieved": _l("achieved"),
    "missed": _l("missed"),
    "no_data": _l("no data yet"),
    "withdrawn": _l("withdrawn"),
}


# Who may -------------------------------------------------------------------------------------


def setter_refusal(user: User) -> Refusal | None:
    """Whether ``user`` sets objectives at all: quality officers and department heads."""
    if user.roles & {Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD}:
        return None
    return Refusal(_("Only a quality officer, or the head of the department at the site, sets the objectives there."))


def manage_refusal(user: User, site_id: int | None, department_id: int | None) -> Refusal | None:
    """Who sets objectives: a quality officer for their site (the group office for the group's),
    the head of a department for their department at their site."""
    if Role.QUALITY_OFFICER in user.roles and (works_at(user, site_id)):
        return None
    if department_id is not None and site_id is not None and organisation.is_head_of(user, department_id, site_id):
        return None
    return Refusal(_("Only a quality officer, or the head of the department at the site, sets the objectives there."))


def is_visible(user: User, objective: Objective) -> bool:
    """Objectives are meant to be known (ISO 9001 6.2.1 f): everyone reads the group's, their
    site's and their department's; quality officers, auditors and administrators all in their scope."""
    if objective.owner_id == user.id or objective.site_id is None:
        return True
    if user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.ADMIN} and (
        in_group_office(user) or user.site_id == objective.site_id
    ):
        return True
    if in_group_office(user):
        return objective.department_id in (None, user.department_id)
    return user.site_id == objective.site_id and objective.department_id in (None, user.department_id)


def visible_clause(user: User):
    """SQL: the objectives ``user`` may read (the rule of :func:`is_visible`)."""
    clauses = [Objective.owner_id == user.id, Objective.site_id.is_(None)]
    overseer = bool(user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.ADMIN})
    if overseer and in_group_office(user):
        return db.true()
    if overseer:
        clauses.append(Objective.site_id == user.site_id)
    own_department = db.or_(Objective.department_id.is_(None), Objective.department_id == user.department_id)
    if in_group_office(user):
        clauses.append(own_department)
    else:
        clauses.append(db.and_(Objective.site_id == user.site_id, own_department))
    return db.or_(*clauses)


def _invisible(user: User, objective: Objective) -> Refusal | None:
    if not is_visible(user, objective):
        return Refusal(_("There is no objective %(reference)s.", reference=objective.reference), NotFound)
    return None


def update_refusal(user: User, objective: Objective) -> Refusal | None:
    """Why ``user`` may not record a month of ``objective``: its owner does, or who sets it."""
    refusal = _invisible(user, objective)
    if refusal:
        return refusal
    if user.id != objective.owner_id and manage_refusal(user, objective.site_id, objective.department_id):
        return Refusal(_("Only the owner of %(reference)s, or who sets it, updates it.", reference=objective.reference))
    if objective.state != ACTIVE:
        return conflict(_("%(reference)s is withdrawn.", reference=objective.reference))
    return None


def withdraw_refusal(user: User, objective: Objective) -> Refusal | None:
    refusal = _invisible(user, objective) or manage_refusal(user, objective.site_id, objective.department_id)
    if refusal:
        return refusal
    if objective.state != ACTIVE:
        return conflict(_("%(reference)s is withdrawn.", reference=objective.reference))
    return None


def sites_to_set_at(user: User) -> list[Site]:
    sites = db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars()
    return [site for site in sites if in_group_office(user) or site.id == user.site_id]


# Setting ---------------------------------------------------------------------------------------


def _number(value, field: str, *, required: bool) -> float | None:
    if value in (None, ""):
        if required:
            raise ValidationFailed.required(field)
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field(field, _("must be a number")) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationFailed.field(field, _("must be a number"))
    return number


def create(
    actor: User,
    *,
    title: str,
    target,
    due_date: date | None,
    owner: str | None,
    plan_what: str | None,
    site: str | None = None,
    department: str | None = None,
    why: str | None = None,
    metric: str | None = None,
    measure: str | None = None,
    unit: str | None = None,
    direction: str | None = None,
    baseline=None,
    starts_on: date | None = None,
    plan_resources: str | None = None,
    plan_who: str | None = None,
    plan_when: str | None = None,
) -> Objective:
    # Whose objective it is depends on the site and department named: an objective with no
    # title is refused as such before anyone is told they may not set it there.
    title = required_text(title, "title", 300)
    site_row = site_named(site) if site else None
    department_row = department_named(department) if department else None
    if department_row is not None and site_row is None:
        raise ValidationFailed.field("site", _("a department's objective belongs to a site"))
    enforce(manage_refusal(actor, site_row.id if site_row else None, department_row.id if department_row else None))
    if metric:
        definition = metrics.definitions_by_key().get(metric)
        if definition is None:
            raise ValidationFailed.field("metric", _("unknown KPI %(metric)s", metric=repr(metric)))
        unit, direction, measure = str(definition.unit), definition.direction, None
    else:
        measure = required_text(measure, "measure", 300)
        if direction not in ("higher", "lower"):
            raise ValidationFailed.field("direction", _("higher or lower: which way is better"))
    starts_on = starts_on or today()
    if due_date is None:
        raise ValidationFailed.required("due_date")
    if due_date <= starts_on:
        raise ValidationFailed.field("due_date", _("must be after the start"))
    owner_row = user_named(owner, "owner")
    if site_row is not None and owner_row.site_id not in (None, site_row.id):
        raise ValidationFailed.field(
            "owner", _("%(login)s does not work at %(site)s", login=owner_row.login, site=site_row.code)
        )
    objective = Objective(
        site=site_row,
        department=department_row,
        title=title,
        why=optional_text(why) or "",
        metric_key=metric or None,
        measure=measure,
        unit=(unit or "").strip()[:32],
        direction=direction,
        baseline=_number(baseline, "baseline", required=False),
        target=_number(target, "target", required=True),
        starts_on=starts_on,
        due_date=due_date,
        owner=owner_row,
        plan_what=required_text(plan_what, "plan_what"),
        plan_resources=optional_text(plan_resources) or "",
        plan_who=optional_text(plan_who) or "",
        plan_when=optional_text(plan_when) or "",
        created_by_id=actor.id,
    )
    db.session.add(objective)
    db.session.flush()
    return objective


def record_update(
    actor: User, objective: Objective, *, comment: str | None, value=None, period: str | None = None
) -> ObjectiveUpdate:
    """The owner's word on a month (the last complete one unless named): for a measure kept by
    hand its value too. A second word on the same month replaces the first."""
    enforce(update_refusal(actor, objective))
    period = metrics.check_period(period) if period else last_complete_period()
    number = _number(value, "value", required=objective.metric_key is None)
    comment = required_text(comment, "comment")
    update = db.session.execute(
        db.select(ObjectiveUpdate).filter_by(objective_id=objective.id, period=period)
    ).scalar_one_or_none()
    if update is None:
        update = ObjectiveUpdate(objective=objective, period=period, by_id=actor.id)
        db.session.add(update)
    update.value = number if objective.metric_key is None else None
    update.comment, update.by_id = comment, actor.id
    db.session.flush()
    db.session.expire(objective, ["updates"])
    return update


def withdraw(actor: User, objective: Objective, *, reason: str, row_version) -> Objective:
    enforce(withdraw_refusal(actor, objective))
    require_row_version(objective, row_version)
    with trail_reason(required_text(reason, "reason")):
        objective.state = WITHDRAWN
        db.session.flush()
    return objective


# Reading ----------------------------------------------------------------------------------------


def objective_by_id(objective_id: int) -> Objective:
    found = db.session.get(Objective, objective_id)
    if found is None:
        raise NotFound(_("There is no objective OBJ-%(objective_id)s.", objective_id=objective_id))
    return found


def require_visible(user: User, objective: Objective) -> None:
    enforce(_invisible(user, objective))


def list_query(user: User, *, site: str | None = None, department: str | None = None, active_only: bool = False):
    query = db.select(Objective).where(visible_clause(user))
    if site:
        query = query.where(Objective.site_id == site_named(site).id)
    if department:
        query = query.where(Objective.department_id == department_named(department).id)
    if active_only:
        query = query.where(Objective.state == ACTIVE)
    return query.order_by(Objective.due_date, Objective.id)


@dataclass(frozen=True)
class Progress:
    status: str
    value: float | None
    period: str | None
    # Where the line from the start value to the target stands today (None without a start value).
    expected: float | None


def _metric_values(objective: Objective, up_to: str) -> list[tuple[str, float]]:
    """(period, value) of the objective's KPI from its start to ``up_to``: the site's, or the
    mean of the sites measured that month for a group objective."""
    first = f"{objective.starts_on:%Y-%m}"
    metric = metrics.definitions_by_key().get(objective.metric_key)
    if metric is not None:
        metrics.refresh(sites=None if objective.site_id is None else [objective.site_id], metrics=[metric])
    query = db.select(Measurement.period, db.func.avg(Measurement.value)).where(
        Measurement.metric_key == objective.metric_key, Measurement.period.between(first, up_to)
    )
    if objective.site_id is not None:
        query = query.where(Measurement.site_id == objective.site_id)
    rows = db.session.execute(query.group_by(Measurement.period).order_by(Measurement.period)).all()
    return [(period, float(value)) for period, value in rows if value is not None]


def values(objective: Objective) -> list[tuple[str, float]]:
    """The objective's values, month by month, oldest first, up to the last complete month."""
    up_to = last_complete_period()
    if objective.metric_key:
        return _metric_values(objective, up_to)
    return sorted(
        (update.period, update.value)
        for update in objective.updates
        if update.value is not None and update.period <= up_to
    )


def _met(objective: Objective, value: float) -> bool:
    return value >= objective.target if objective.direction == "higher" else value <= objective.target


def _period_end(period: str) -> date:
    year, month = int(period[:4]), int(period[5:])
    return date(year, month, calendar.monthrange(year, month)[1])


def progress(objective: Objective, on: date | None = None) -> Progress:
    """Achieved once the latest value meets the target; missed when the due date has passed
    without; else on track or at risk: whether the latest value is at least where a straight
    line from the start value (the baseline, else the first value) to the target would be."""
    on = on or today()
    series = values(objective)
    latest_period, latest = series[-1] if series else (None, None)
    if objective.state == WITHDRAWN:
        return Progress("withdrawn", latest, latest_period, None)
    if latest is not None and _met(objective, latest):
        return Progress("achieved", latest, latest_period, None)
    if on > objective.due_date:
        return Progress("missed", latest, latest_period, None)
    if latest is None:
        return Progress("no_data", None, None, None)
    start = objective.baseline if objective.baseline is not None else series[0][1]
    span = (objective.due_date - objective.starts_on).days
    elapsed = (min(_period_end(latest_period), objective.due_date) - objective.starts_on).days
    expected = start + (objective.target - start) * max(0.0, min(1.0, elapsed / span))
    behind = latest < expected if objective.direction == "higher" else latest > expected
    return Progress("at_risk" if behind else "on_track", latest, latest_period, round(expected, 2))


def update_due_period(objective: Objective, on: date | None = None) -> str | None:
    """The month the owner owes a word on (the last complete one), if the objective ran in it."""
    period = last_complete_period()
    on = on or today()
    if objective.state != ACTIVE or objective.starts_on > _period_end(period):
        return None
    if objective.due_date < date(int(period[:4]), int(period[5:]), 1) and on > objective.due_date:
        return None
    if any(update.period == period for update in objective.updates):
        return None
    return period


def updates_owed_query(user: User):
    """SQL: the active objectives ``user`` owns that still owe a word on the last complete month."""
    period = last_complete_period()
    first_day = date(int(period[:4]), int(period[5:]), 1)
    answered = db.select(ObjectiveUpdate.id).where(
        ObjectiveUpdate.objective_id == Objective.id, ObjectiveUpdate.period == period
    )
    return (
        db.select(Objective)
        .where(
            Objective.owner_id == user.id,
            Objective.state == ACTIVE,
            Objective.starts_on <= _period_end(period),
            Objective.due_date >= first_day,
            ~answered.exists(),
        )
        .order_by(Objective.due_date, Objective.id)
    )
