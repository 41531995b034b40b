"""Recurring checks: who may schedule them and do them, the days they fall on (in the site's
time zone), creating each day's inspections once however often the scheduler ticks, and
recording one, which raises a nonconformity for the points that failed."""

from __future__ import annotations

import calendar
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy.exc import IntegrityError

# Pages, API and tasks ask the rules of this module; they live in access.py so that the
# evidence module, which this one uses to store photos, can ask them without a cycle.
from audits.inspections import COMPLETION_METRIC
from audits.inspections.access import in_scope, is_visible, perform_refusal, to_do_clause, visible_clause  # noqa: F401
from audits.inspections.models import Inspection, InspectionItem, InspectionSchedule
from audits.services import evidence, nonconformities, rechecks
from audits.services.common import department_named, site_named, user_named
from core.accounts.models import Site, User
from core.checklists import catalog
from core.clock import today, utcnow
from core.database import db
from core.errors import NotFound, Refusal, ValidationFailed, enforce, require_row_version
from core.i18n import default_language, in_every_language
from core.metrics import services as metrics
from core.rhythm import checked, days_due, may_schedule, may_schedule_at_all, site_today

RESULTS = ("ok", "not_ok", "na")


# Who may ---------------------------------------------------------------------------------


def scheduler_refusal(user: User) -> Refusal | None:
    """Whether ``user`` may schedule checks at all: quality officers and department heads."""
    if may_schedule_at_all(user):
        return None
    return Refusal(_("Only a quality officer or the head of the department at the site may schedule its checks."))


def schedule_refusal(user: User, site_id: int, department_id: int) -> Refusal | None:
    """Why ``user`` may not schedule checks for ``department`` at ``site``: quality officers in
    their scope and the head of the department at that site may."""
    if may_schedule(user, site_id, department_id):
        return None
    return Refusal(_("Only a quality officer or the head of the department at the site may schedule its checks."))


def inspections_query(user: User, *, open_only: bool = False):
    """The inspections ``user`` may see, latest day first (to do ones: earliest first)."""
    query = db.select(Inspection).where(visible_clause(user))
    if open_only:
        return query.where(Inspection.state == "open").order_by(Inspection.occurs_on, Inspection.id)
    return query.order_by(Inspection.occurs_on.desc(), Inspection.id.desc())


def sites_to_schedule_at(user: User) -> list[Site]:
    """The active sites ``user`` may schedule checks at: their own, or every one from the group office."""
    return [site for site in nonconformities.sites() if in_scope(user, site.id)]


def schedules_for(user: User) -> list[InspectionSchedule]:
    """The active schedules ``user`` manages: those of the sites and departments they may schedule for."""
    rows = db.session.execute(
        db.select(InspectionSchedule)
        .where(InspectionSchedule.active.is_(True))
        .order_by(InspectionSchedule.site_id, InspectionSchedule.title)
    ).scalars()
    return [row for row in rows if schedule_refusal(user, row.site_id, row.department_id) is None]


# Scheduling ------------------------------------------------------------------------------


def create_schedule(
    actor: User,
    *,
    site: str,
    checklist: str,
    frequency: str,
    starts_on: date | None = None,
    weekdays: list[int] | None = None,
    day_of_month: int | None = None,
    department: str | None = None,
    assignee: str | None = None,
    title: str | None = None,
) -> InspectionSchedule:
    definition = catalog.checklist(checklist or "")
    if definition is None:
        raise ValidationFailed.field("checklist", _("is not a checklist of an installed plugin"))
    site_row = site_named(site)
    department_row = department_named(department or definition.area)
    enforce(schedule_refusal(actor, site_row.id, department_row.id))
    rhythm = checked(frequency, weekdays, day_of_month)
    assignee_row = user_named(assignee, "assignee", required=False)
    if assignee_row is not None and assignee_row.site_id not in (None, site_row.id):
        raise ValidationFailed.field(
            "assignee", _("%(login)s does not work at %(site)s", login=assignee_row.login, site=site_row.code)
        )
    # Titled after the checklist unless somebody wrote a title: then in every language, as the checklist is.
    written = (title or "").strip()[:300]
    titles = None if written else in_every_language(lambda: {"title": str(definition.title)[:300]})
    with default_language():
        default_title = str(definition.title)[:300]
    schedule = InspectionSchedule(
        site=site_row,
        department=department_row,
        checklist_key=definition.key,
        title=written or default_title,
        translations=titles,
        assignee=assignee_row,
        starts_on=starts_on or site_today(site_row),
        created_by_id=actor.id,
        **rhythm,
    )
    db.session.add(schedule)
    db.session.flush()
    return schedule


def schedule_by_id(schedule_id: int) -> InspectionSchedule:
    found = db.session.get(InspectionSchedule, schedule_id)
    if found is None:
        raise NotFound(_("There is no schedule %(schedule_id)s.", schedule_id=schedule_id))
    return found


def stop_refusal(user: User, schedule: InspectionSchedule) -> Refusal | None:
    """Who may stop a schedule: who may schedule for its site and department (404 for the others)."""
    if schedule_refusal(user, schedule.site_id, schedule.department_id) is not None:
        return Refusal(_("There is no schedule %(number)s.", number=schedule.id), NotFound)
    return None


def stop_schedule(actor: User, schedule: InspectionSchedule) -> InspectionSchedule:
    """No more checks from ``schedule``; those already created stay, done or to do."""
    enforce(stop_refusal(actor, schedule))
    schedule.active = False
    db.session.flush()
    return schedule


def _occurrence(schedule: InspectionSchedule, day: date) -> Inspection | None:
    """The inspection of ``schedule`` on ``day``, created with its checklist snapshot unless it exists."""
    definition = catalog.checklist(schedule.checklist_key)
    if definition is None:
        return None
    # The default language in the text columns, whoever's request makes the check, as audits do.
    with default_language():
        inspection = Inspection(
            schedule=schedule,
            site_id=schedule.site_id,
            department_id=schedule.department_id,
            title=schedule.title,
            translations=schedule.translations,
            checklist_key=definition.key,
            checklist_version=definition.version,
            occurs_on=day,
            assignee_id=schedule.assignee_id,
            items=[
                InspectionItem(
                    position=position,
                    question_key=question.key,
                    text=str(question.text),
                    guidance=str(question.guidance or ""),
                    translations=in_every_language(
                        lambda question=question: {"text": str(question.text), "guidance": str(question.guidance or "")}
                    ),
                )
                for position, question in enumerate(definition.questions, start=1)
            ],
        )
        due = rechecks.due(schedule.site_id, [schedule.department_id], definition.key)
        for position, recheck in enumerate(due, start=len(definition.questions) + 1):
            inspection.items.append(
                InspectionItem(
                    position=position,
                    question_key=rechecks.point_key(recheck),
                    text=rechecks.point_text(recheck),
                    guidance=rechecks.point_guidance(recheck),
                    translations=in_every_language(lambda recheck=recheck: rechecks.point_texts(recheck)),
                )
            )
    try:
        # A second tick at the same moment meets the unique (schedule, day): it adds nothing.
        with db.session.begin_nested():
            db.session.add(inspection)
            db.session.flush()
    except IntegrityError:
        return None
    return inspection


def create_due(now: datetime) -> int:
    """Create every inspection due up to ``now``'s date at each site; how many were new."""
    created = 0
    schedules = db.session.execute(db.select(InspectionSchedule).filter_by(active=True)).scalars().all()
    for schedule in schedules:
        days = days_due(schedule, site_today(schedule.site, now))
        if not days:
            continue
        existing = set(
            db.session.execute(
                db.select(Inspection.occurs_on).where(
                    Inspection.schedule_id == schedule.id, Inspection.occurs_on >= days[0]
                )
            ).scalars()
        )
        for day in days:
            if day not in existing and _occurrence(schedule, day) is not None:
                created += 1
                refresh_completion(schedule.site, day)
    return created


def refresh_completion(site: Site, day: date) -> None:
    """Recompute the site's completion rate of ``day``'s month (a new check due, or one done)."""
    metric = metrics.definitions_by_key().get(COMPLETION_METRIC)
    if metric is not None:
        metrics.recompute(metric, site, f"{day.year:04d}-{day.month:02d}")


# Doing one ------------------------------------------------------------------------------


def inspection_by_id(inspection_id: int) -> Inspection:
    found = db.session.get(Inspection, inspection_id)
    if found is None:
        raise NotFound(_("There is no inspection %(inspection_id)s.", inspection_id=inspection_id))
    return found


def item_of(inspection: Inspection, item_id: int) -> InspectionItem:
    for item in inspection.items:
        if item.id == item_id:
            return item
    raise NotFound(_("Inspection %(number)s has no point %(item_id)s.", number=inspection.id, item_id=item_id))


def require_visible(user: User, inspection: Inspection) -> None:
    if not is_visible(user, inspection):
        raise NotFound(_("There is no inspection %(number)s.", number=inspection.id))


def record(
    actor: User, inspection: Inspection, answers: dict, *, row_version, photos: dict | None = None
) -> Inspection:
    """Record every point (``{item_id: (result, note)}``) with its photos (``{item_id: [(stream,
    name, media type)]}``) and close the inspection; the points that are not OK raise one
    nonconformity of the department at the site, owned by its head, with their photos."""
    enforce(perform_refusal(actor, inspection))
    require_row_version(inspection, row_version)
    if inspection.state != "open":
        enforce(Refusal(_("This check is already recorded."), ValidationFailed))
    errors = []
    for item in inspection.items:
        result, note = answers.get(item.id, (None, None))
        if result not in RESULTS:
            errors.append({"field": f"item-{item.id}", "message": _("choose OK, not OK or not applicable")})
        elif result == "not_ok" and not (note or "").strip():
            errors.append({"field": f"item-{item.id}", "message": _("say what was wrong")})
    if errors:
        raise ValidationFailed(_("Some points are not recorded."), errors=errors)
    for item in inspection.items:
        item.result, note = answers[item.id][0], answers[item.id][1]
        item.note = (note or "").strip() or None
    _attach_photos(actor, inspection, photos or {})
    inspection.state = "done"
    inspection.completed_by_id = actor.id
    inspection.completed_at = utcnow()
    db.session.flush()
    refresh_completion(inspection.site, inspection.occurs_on)
    for item in inspection.items:
        recheck = rechecks.recheck_of_point(item.question_key)
        if recheck is not None:
            rechecks.decide_from_inspection(recheck, item, item.result, actor, where=inspection.reference)
    # A failed re-check reopens the NC it re-checks: it raises no new one.
    failed = [item for item in inspection.items if item.result == "not_ok" and not rechecks.is_key(item.question_key)]
    if failed:
        nc = nonconformities.raise_nonconformity(
            None,
            # Lazy: the NC keeps its title in every language.
            title=_l(
                "%(title)s: %(count)s point(s) not OK on %(date)s",
                title=LazyString(lambda: inspection.shown("title")),
                count=len(failed),
                date=inspection.occurs_on.isoformat(),
            ),
            description="\n".join(f"- {item.text}: {item.note}" for item in failed),
            severity="minor",
            site=inspection.site,
            department=inspection.department,
            source="inspection",
            source_ref=f"inspection:{inspection.id}",
            raised_by=actor,
        )
        for item in failed:
            for photo in item.evidence:
                evidence.copy_to_nonconformity(photo, nc)
        db.session.flush()
    return inspection


def _attach_photos(actor: User, inspection: Inspection, photos: dict) -> None:
    """Store each point's photos; a file that is refused names its point, and nothing is kept."""
    errors = []
    for item in inspection.items:
        for stream, name, media_type in photos.get(item.id, []):
            try:
                evidence.attach_to_inspection_item(actor, item, stream, name, media_type)
            except ValidationFailed as error:
                reason = error.errors[0]["message"] if error.errors else error.detail
                errors.append(
                    {"field": f"photo-{item.id}", "message": _("%(name)s: %(reason)s", name=name, reason=reason)}
                )
        # The photos just filed are read back below (to go with the NC) and on the page.
        db.session.expire(item, ["evidence"])
    if errors:
        raise ValidationFailed(_("Some photos could not be added."), errors=errors)


def month_counts(schedule: InspectionSchedule, day: date | None = None) -> tuple[int, int]:
    """How many of ``schedule``'s checks of the month (of ``day``, the site's today) were done, and were due."""
    day = day or site_today(schedule.site)
    first = day.replace(day=1)
    rows = db.session.execute(
        db.select(Inspection.state, db.func.count())
        .where(Inspection.schedule_id == schedule.id, Inspection.occurs_on.between(first, day))
        .group_by(Inspection.state)
    ).all()
    return sum(count for state, count in rows if state == "done"), sum(count for _state, count in rows)


def schedule_completion(schedule: InspectionSchedule, day: date | None = None) -> float | None:
    """Percent of ``schedule``'s checks of the month so far that were done; None before the first."""
    done, due = month_counts(schedule, day)
    return round(100.0 * done / due, 1) if due else None


def completion_rate(site: Site, period: str) -> float | None:
    """Share of the month's inspections at ``site`` that were done (percent), None without any."""
    year, month = (int(part) for part in period.split("-"))
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    rows = db.session.execute(
        db.select(Inspection.state, db.func.count())
        .where(Inspection.site_id == site.id, Inspection.occurs_on.between(first, min(last, today())))
        .group_by(Inspection.state)
    ).all()
    total = sum(count for _state, count in rows)
    if not total:
        return None
    return 100.0 * sum(count for state, count in rows if state == "done") / total
