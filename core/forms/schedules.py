"""Recurring forms: who may schedule a form at a site, the days it falls due (in the site's time
zone), creating each day's due once however often the scheduler ticks, and closing the earliest
open one when the form is submitted at that site."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import String, cast
from sqlalchemy.exc import IntegrityError

from core.accounts.models import Department, Role, Site, User
from core.accounts.permissions import in_group_office, works_at
from core.clock import utcnow
from core.database import db
from core.errors import NotFound, Refusal, ValidationFailed, enforce
from core.forms.models import FormDue, FormSchedule, FormSubmission
from core.plugin_engine.manager import registry
from core.rhythm import CATCH_UP_DAYS, checked, days_due, may_schedule, may_schedule_at_all, site_today

OPEN, DONE = "open", "done"


# Who may ---------------------------------------------------------------------------------


def scheduler_refusal(user: User) -> Refusal | None:
    """Whether ``user`` may schedule forms at all: quality officers and department heads."""
    if may_schedule_at_all(user):
        return None
    return Refusal(_("Only a quality officer or the head of the department at the site may schedule its forms."))


def schedule_refusal(user: User, site_id: int, department_id: int) -> Refusal | None:
    """Why ``user`` may not schedule forms of ``department`` at ``site``: quality officers in
    their scope and the head of the department at that site may."""
    if may_schedule(user, site_id, department_id):
        return None
    return Refusal(_("Only a quality officer or the head of the department at the site may schedule its forms."))


def stop_refusal(user: User, schedule: FormSchedule) -> Refusal | None:
    """Who may stop a schedule: who may schedule for its site and department (404 for the others)."""
    if schedule_refusal(user, schedule.site_id, schedule.department_id) is not None:
        return Refusal(_("There is no form schedule %(number)s.", number=schedule.id), NotFound)
    return None


def visible_clause(user: User):
    """SQL: the dues ``user`` may see: theirs to fill in, quality officers', auditors' and
    administrators' in scope, and the department's head's at their site."""
    clauses = [_theirs(user)]
    if user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.ADMIN}:
        clauses.append(db.true() if in_group_office(user) else FormDue.site_id == user.site_id)
    if Role.DEPARTMENT_HEAD in user.roles:
        clauses.append(db.and_(FormDue.site_id == user.site_id, FormDue.department_id == user.department_id))
    return db.or_(*clauses)


def _theirs(user: User):
    return db.or_(
        FormDue.assignee_id == user.id,
        db.and_(
            FormDue.assignee_id.is_(None),
            FormDue.site_id == user.site_id,
            FormDue.department_id == user.department_id,
        ),
    )


def to_do_query(user: User):
    """The open dues that are ``user``'s to fill in, earliest first. Only those of active
    schedules: a stopped schedule's dues can no longer be closed, so they ask nothing of anyone."""
    return (
        db.select(FormDue)
        .join(FormSchedule, FormSchedule.id == FormDue.schedule_id)
        .where(FormDue.state == OPEN, FormSchedule.active.is_(True), _theirs(user))
        .order_by(FormDue.occurs_on, FormDue.id)
    )


def dues_query(user: User, *, open_only: bool = False):
    """The dues ``user`` may see, latest day first (open ones: earliest first, as tasks are)."""
    query = db.select(FormDue).where(visible_clause(user))
    if open_only:
        return query.where(FormDue.state == OPEN).order_by(FormDue.occurs_on, FormDue.id)
    return query.order_by(FormDue.occurs_on.desc(), FormDue.id.desc())


def _managed_clause(user: User):
    """SQL: the schedules whose trail ``user`` reads: quality officers and auditors in scope,
    heads those of their department at their site."""
    clauses = []
    if user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.ADMIN}:
        clauses.append(db.true() if in_group_office(user) else FormSchedule.site_id == user.site_id)
    if Role.DEPARTMENT_HEAD in user.roles:
        clauses.append(db.and_(FormSchedule.site_id == user.site_id, FormSchedule.department_id == user.department_id))
    return db.or_(*clauses) if clauses else db.false()


def trail_scope(user: User) -> dict:
    """The schedules and dues whose trail events ``user`` may read: those they may see."""
    return {
        "form_schedule": db.select(cast(FormSchedule.id, String)).where(_managed_clause(user)),
        "form_due": db.select(cast(FormDue.id, String)).where(visible_clause(user)),
    }


def sites_to_schedule_at(user: User) -> list[Site]:
    """The active sites ``user`` may schedule forms at: their own, or every one from the group office."""
    sites = db.session.execute(db.select(Site).where(Site.active.is_(True)).order_by(Site.code)).scalars()
    return [site for site in sites if works_at(user, site.id)]


def schedules_for(user: User) -> list[FormSchedule]:
    """The active schedules ``user`` manages: those of the sites and departments they may schedule for."""
    rows = db.session.execute(
        db.select(FormSchedule).where(FormSchedule.active.is_(True)).order_by(FormSchedule.site_id, FormSchedule.title)
    ).scalars()
    return [row for row in rows if schedule_refusal(user, row.site_id, row.department_id) is None]


# Scheduling ------------------------------------------------------------------------------


def _site_named(code: str | None) -> Site:
    """The site a request names: unknown is the field's error (422), not a missing page (404)."""
    if not code or not code.strip():
        raise ValidationFailed.required("site")
    site = db.session.execute(db.select(Site).filter_by(code=code.strip().upper())).scalar_one_or_none()
    if site is None:
        raise ValidationFailed.field("site", _("unknown site %(code)s", code=repr(code)))
    if not site.active:
        raise ValidationFailed.field("site", _("site %(site)s is not active", site=site.code))
    return site


def _department_named(code: str | None) -> Department:
    if not code or not code.strip():
        raise ValidationFailed.about("department", _("Choose the department: the form belongs to no department."))
    department = db.session.execute(db.select(Department).filter_by(code=code.strip().upper())).scalar_one_or_none()
    if department is None:
        raise ValidationFailed.field("department", _("unknown department %(code)s", code=repr(code)))
    return department


def _assignee_named(login: str | None, site: Site) -> User | None:
    if not login or not login.strip():
        return None
    user = db.session.execute(db.select(User).filter_by(login=login.strip().lower())).scalar_one_or_none()
    if user is None or not user.active:
        raise ValidationFailed.field("assignee", _("unknown or deactivated user %(login)s", login=repr(login.strip())))
    # Someone of another site cannot submit the form for this one.
    if user.site_id not in (None, site.id):
        raise ValidationFailed.field(
            "assignee", _("%(login)s does not work at %(site)s", login=user.login, site=site.code)
        )
    return user


def create_schedule(
    actor: User,
    *,
    site: str,
    form: str,
    frequency: str,
    starts_on: date | None = None,
    weekdays: list[int] | None = None,
    day_of_month: int | None = None,
    department: str | None = None,
    assignee: str | None = None,
    title: str | None = None,
) -> FormSchedule:
    """Schedule ``form`` at ``site`` for ``department`` (the form's area unless named)."""
    definition = registry().forms.get((form or "").strip())
    if definition is None:
        raise ValidationFailed.field("form", _("is not a form of an installed plugin"))
    site_row = _site_named(site)
    department_row = _department_named(department or definition.area)
    enforce(schedule_refusal(actor, site_row.id, department_row.id))
    rhythm = checked(frequency, weekdays, day_of_month)
    assignee_row = _assignee_named(assignee, site_row)
    schedule = FormSchedule(
        site=site_row,
        department=department_row,
        form_key=definition.key,
        title=(title or "").strip()[:300] or str(definition.title),
        assignee=assignee_row,
        starts_on=starts_on or site_today(site_row),
        created_by_id=actor.id,
        **rhythm,
    )
    db.session.add(schedule)
    db.session.flush()
    return schedule


def schedule_by_id(schedule_id: int) -> FormSchedule:
    found = db.session.get(FormSchedule, schedule_id)
    if found is None:
        raise NotFound(_("There is no form schedule %(schedule_id)s.", schedule_id=schedule_id))
    return found


def stop_schedule(actor: User, schedule: FormSchedule) -> FormSchedule:
    """No more dues from ``schedule``; those already created stay as they are."""
    enforce(stop_refusal(actor, schedule))
    schedule.active = False
    db.session.flush()
    return schedule


def _occurrence(schedule: FormSchedule, day: date) -> FormDue | None:
    """The due of ``schedule`` on ``day``, created unless it exists (or its form is gone)."""
    if schedule.form_key not in registry().forms:
        return None
    due = FormDue(
        schedule=schedule,
        site_id=schedule.site_id,
        department_id=schedule.department_id,
        form_key=schedule.form_key,
        occurs_on=day,
        assignee_id=schedule.assignee_id,
    )
    try:
        # A second tick at the same moment meets the unique (schedule, day): it adds nothing.
        with db.session.begin_nested():
            db.session.add(due)
            db.session.flush()
    except IntegrityError:
        return None
    return due


def create_due(now: datetime, *, catch_up: int = CATCH_UP_DAYS) -> int:
    """Create every form due up to ``now``'s date at each site; how many were new."""
    created = 0
    schedules = db.session.execute(db.select(FormSchedule).filter_by(active=True)).scalars().all()
    for schedule in schedules:
        days = days_due(schedule, site_today(schedule.site, now), catch_up=catch_up)
        if not days:
            continue
        existing = set(
            db.session.execute(
                db.select(FormDue.occurs_on).where(FormDue.schedule_id == schedule.id, FormDue.occurs_on >= days[0])
            ).scalars()
        )
        for day in days:
            if day not in existing and _occurrence(schedule, day) is not None:
                created += 1
    return created


# Filling one in --------------------------------------------------------------------------


def close_due(submission: FormSubmission) -> FormDue | None:
    """The earliest open due of an active schedule of the submission's form at its site, up to
    the day it was submitted there, is done with it (in the same unit of work as the submission)."""
    day = site_today(submission.site, submission.submitted_at)
    due = db.session.execute(
        db.select(FormDue)
        .join(FormSchedule, FormSchedule.id == FormDue.schedule_id)
        .where(
            FormDue.form_key == submission.form_key,
            FormDue.site_id == submission.site_id,
            FormDue.state == OPEN,
            FormDue.occurs_on <= day,
            FormSchedule.active.is_(True),
        )
        .order_by(FormDue.occurs_on, FormDue.id)
        .limit(1)
        # Two submissions at once on PostgreSQL close two dues, not one twice (SQLite
        # serialises writers anyway and has no FOR UPDATE).
        .with_for_update(of=FormDue, skip_locked=True)
    ).scalar_one_or_none()
    if due is None:
        return None
    due.state = DONE
    due.submission_id = submission.id
    due.done_at = utcnow()
    db.session.flush()
    return due


def month_counts(schedule: FormSchedule, day: date | None = None) -> tuple[int, int]:
    """How many of ``schedule``'s dues of the month (of ``day``, the site's today) were done, and were due."""
    day = day or site_today(schedule.site)
    first = day.replace(day=1)
    rows = db.session.execute(
        db.select(FormDue.state, db.func.count())
        .where(FormDue.schedule_id == schedule.id, FormDue.occurs_on.between(first, day))
        .group_by(FormDue.state)
    ).all()
    return sum(count for state, count in rows if state == DONE), sum(count for _state, count in rows)
