"""Form submissions: the rules shared by the web pages, the API and plugins."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import String, cast
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from core.accounts.models import Department, Role, Site, User, department_label
from core.accounts.permissions import AreaDepartment, Permission, can, require, scope_clause, scope_sites
from core.clock import period_of, utcnow
from core.database import db
from core.errors import NotFound, ValidationFailed
from core.exports import Sheet
from core.forms import notices
from core.forms.forms import clean_data, field_errors, form_class, formdata_from_json
from core.forms.models import FormSubmission, FormVersion, SurveyFollowUp
from core.forms.schedules import close_due
from core.forms.schema import definition_sha256, describe
from core.metrics import services as metrics
from core.metrics.services import months_of
from core.plugin_engine import manager
from core.plugin_engine.settings import PLUGIN_CONFIG, plugin_config
from core.plugin_engine.types import Form, TrailSites
from core.times import parse_stored, when, zone_of

log = logging.getLogger(__name__)

READ_ALL_ROLES = (Role.ADMIN, Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD, Role.AUDITOR)


# Definitions ------------------------------------------------------------------------


def definitions() -> list[Form]:
    return sorted(manager.registry().forms.values(), key=lambda form: form.key)


@dataclass(frozen=True)
class AreaForms:
    """The forms of one area (a department's code; "" for forms of no area) under its name."""

    area: str
    label: str
    forms: tuple[Form, ...]


def _matches(form: Form, words: list[str]) -> bool:
    text = f"{form.key} {form.title} {form.description}".casefold()
    return all(word in text for word in words)


def forms_by_area(*, area: str | None = None, text: str | None = None) -> list[AreaForms]:
    """The forms grouped by area, areas by their name and forms by title, in the reader's
    language; narrowed to one area and to forms whose title, description or key hold every word
    of ``text``."""
    words = (text or "").casefold().split()
    chosen = [
        form for form in definitions() if (area is None or form.area == area) and (not words or _matches(form, words))
    ]
    codes = {form.area for form in chosen if form.area}
    names = (
        dict(db.session.execute(db.select(Department.code, Department.name).where(Department.code.in_(codes))).all())
        if codes
        else {}
    )
    groups: dict[str, list[Form]] = {}
    for form in chosen:
        groups.setdefault(form.area, []).append(form)
    labelled = [
        AreaForms(code, department_label(code, names[code]) if code in names else (code or _("Other")), ())
        for code in groups
    ]
    return [
        AreaForms(group.area, group.label, tuple(sorted(groups[group.area], key=lambda form: str(form.title))))
        for group in sorted(labelled, key=lambda group: (not group.area, group.label))
    ]


def areas_with_forms() -> list[tuple[str, str]]:
    """Every area that has forms (code, name), for the filter."""
    return [(group.area, group.label) for group in forms_by_area()]


def definition(key: str) -> Form:
    found = manager.registry().forms.get(key)
    if found is None:
        raise NotFound(_("There is no form '%(key)s'.", key=key))
    return found


def _version_row(form: Form) -> FormVersion:
    """The stored copy of this version of the definition, recorded on first use."""
    query = db.select(FormVersion).filter_by(form_key=form.key, version=form.version)
    row = db.session.execute(query).scalar_one_or_none()
    if row is not None:
        return row
    # The stored copy is language-neutral: the texts as the plugin wrote them.
    with force_locale("en"):
        described = describe(form)
    row = FormVersion(
        form_key=form.key,
        version=form.version,
        title=described["title"],
        definition=described,
        definition_sha256=definition_sha256(described),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # Another first submission of this version recorded it a moment ago.
        return db.session.execute(query).scalar_one()
    return row


# Submitting -------------------------------------------------------------------------


def sites_to_submit_for(user: User) -> list[Site]:
    """The active sites ``user`` may submit forms for: the site picker offers no other."""
    sites = db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars()
    return [site for site in sites if can(user, Permission.SUBMIT_FORMS, site_id=site.id)]


def submit(
    user: User, form: Form, site: Site, data: dict, *, submitted_at: datetime | None = None, recompute: bool = True
) -> FormSubmission:
    """Store validated ``data`` (as :func:`core.forms.forms.clean_data` made it).

    Computed metrics of the site whose month, quarter or year holds the
    submission are marked for recomputation in the same unit of work (computed
    by the next read that shows them, or by tick: see
    :func:`core.metrics.services.mark_site_period`); ``form_submitted``
    fires once it commits. The earliest open due of a schedule of the form
    at the site (:mod:`core.forms.schedules`) is done with it, in the same
    unit of work. ``submitted_at`` (UTC, not in the future) dates
    a record taken earlier, e.g. a paper survey typed in later or a
    plugin's demo data; the web pages and the API do not offer it.
    ``recompute=False`` leaves the marking to the caller, who submits
    many at once and then calls ``mark_site_period`` once per site and month.
    """
    # A submission feeds its site's KPIs: one submits only for a site in one's scope.
    require(user, Permission.SUBMIT_FORMS, site_id=site.id)
    return _record(user, form, site, data, submitted_at=submitted_at, recompute=recompute)


# Who public submissions are recorded as: a customer on a public page has no account.
PUBLIC_LOGIN = "public-intake"


def public_account() -> User:
    """The account a customer's answer on a public page (:mod:`core.intake`) is recorded
    under, made on first use: it has no password and is inactive, so nobody logs in as it."""
    user = db.session.execute(db.select(User).filter_by(login=PUBLIC_LOGIN)).scalar_one_or_none()
    if user is None:
        from core.i18n import default_language
        from core.trail.readable import SYSTEM_ACTORS

        # Named as the trail names a customer, in the instance's language (lists show this name).
        with default_language():
            name = str(SYSTEM_ACTORS["public"])
        try:
            with db.session.begin_nested():
                user = User(login=PUBLIC_LOGIN, display_name=name, active=False, password_hash=None)
                db.session.add(user)
        except IntegrityError:
            # Another customer's first answer made it a moment ago (two first posts at once).
            user = db.session.execute(db.select(User).filter_by(login=PUBLIC_LOGIN)).scalar_one()
    return user


def submit_public(form: Form, site: Site, data: dict) -> FormSubmission:
    """Store a customer's answer from a public page: ``data`` cleaned by the same form class
    (:func:`core.forms.forms.form_class`) as the staff page, so it is validated alike; the caller
    (:mod:`core.intake`) decides which forms are public and at which site. Recorded as the
    :func:`public_account`; metrics and ``form_submitted`` as for :func:`submit`."""
    return _record(public_account(), form, site, data, submitted_at=None, recompute=True)


def _record(
    user: User, form: Form, site: Site, data: dict, *, submitted_at: datetime | None, recompute: bool
) -> FormSubmission:
    if not site.active:
        raise ValidationFailed.field("site", _("site %(site)s is not active", site=site.code))
    now = utcnow()
    if submitted_at is not None:
        if submitted_at.tzinfo is None or submitted_at > now:
            raise ValidationFailed.field("submitted_at", _("must be a UTC time that is not in the future"))
        now = submitted_at.astimezone(UTC)
    version = _version_row(form)
    submission = FormSubmission(
        form_key=form.key,
        form_version=form.version,
        definition=version,
        site=site,
        # The site's month: a lead logged at 00:30 on 1 January in Shanghai counts for January.
        period=period_of(now, site.zone),
        data=data,
        submitted_by=user,
        submitted_at=now,
    )
    db.session.add(submission)
    db.session.flush()
    # A form scheduled at the site is due until a submission there: this one closes the earliest.
    close_due(submission)
    # The customer's low score becomes the head's task in the same unit of work, whatever the route.
    open_follow_up(submission, form)

    if recompute:
        metrics.mark_site_period(site, submission.period, forms={form.key})
    manager.notify_after_commit("form_submitted", submission=submission)
    return submission


def follow_up_threshold(form: Form) -> int:
    """The highest score still followed up: the instance's ``follow_up_at_most`` for the form's
    plugin (:func:`core.plugin_engine.settings.plugin_config`), else the form's own."""
    registry = manager.registry()
    try:
        plugin = registry.plugin_of("forms", form.key)
    except KeyError:
        return form.follow_up.at_most
    configured = plugin_config(plugin).get("follow_up_at_most")
    if configured is None:
        return form.follow_up.at_most
    if not isinstance(configured, int) or isinstance(configured, bool):
        log.warning(
            "%s['%s']['follow_up_at_most'] is not a whole number; using %s",
            PLUGIN_CONFIG,
            plugin,
            form.follow_up.at_most,
        )
        return form.follow_up.at_most
    return configured


def low_ratings(form: Form, data: dict) -> dict[str, int]:
    """The watched ratings of ``data`` at or below the threshold, by field key."""
    if form.follow_up is None:
        return {}
    at_most = follow_up_threshold(form)
    return {
        item.key: data[item.key]
        for item in form.watched_ratings
        if isinstance(data.get(item.key), int) and not isinstance(data[item.key], bool) and data[item.key] <= at_most
    }


def open_follow_up(submission: FormSubmission, form: Form) -> SurveyFollowUp | None:
    """The follow-up a low score on ``submission`` calls for (``Form.follow_up``), added to the
    session; None when no watched rating is low. Due ``within_days`` after the site's day of
    the answer: a survey answered at 23:30 in Shanghai is followed up from that Shanghai day."""
    low = low_ratings(form, submission.data)
    if not low:
        return None
    department = db.session.execute(
        db.select(Department).filter_by(code=form.follow_up.department)
    ).scalar_one_or_none()
    if department is None:
        # Logged at start-up too (an unknown department); nobody could follow it up.
        log.warning("form %s follows up with department %s, which does not exist", form.key, form.follow_up.department)
        return None
    answered_on = submission.submitted_at.replace(tzinfo=UTC).astimezone(zone_of(submission.site)).date()
    follow_up = SurveyFollowUp(
        submission=submission,
        form_key=form.key,
        site=submission.site,
        department=department,
        low_ratings=low,
        due_on=answered_on + timedelta(days=form.follow_up.within_days),
    )
    db.session.add(follow_up)
    db.session.flush()
    notices.tell_the_head(follow_up)
    return follow_up


def validate_json(form: Form, data) -> dict:
    """The cleaned data of an API body, or :class:`ValidationFailed` naming every bad field."""
    formdata, errors = formdata_from_json(form, data)
    wtf = form_class(form, csrf=False)(formdata=formdata)
    wtf.validate()
    bad = {entry["field"] for entry in errors}
    # A field already refused for its JSON type is not reported twice.
    errors += [entry for entry in field_errors(wtf) if entry["field"] not in bad]
    if errors:
        labels = {field.key: str(field.label) for field in form.fields}
        # A group row's field (attendees.0.name) is named after its group.
        names = ", ".join(sorted({labels.get(entry["field"].split(".")[0], entry["field"]) for entry in errors}))
        raise ValidationFailed(_("Check these fields: %(names)s.", names=names), errors=errors)
    return clean_data(wtf)


# Reading ----------------------------------------------------------------------------


def may_read_all(user: User) -> bool:
    """Whether ``user`` reads others' submissions at all (which ones: :func:`visible_clause`)."""
    return user.has_role(*READ_ALL_ROLES)


def form_department_id(form_key: str) -> int | None:
    """The department a form belongs to: its plugin's ``area`` (None for a form of no area)."""
    form = manager.registry().forms.get(form_key)
    if form is None or not form.area:
        return None
    return db.session.execute(db.select(Department.id).filter_by(code=form.area)).scalar_one_or_none()


def is_visible(user: User, found: FormSubmission) -> bool:
    """Whether ``user`` may read ``found`` (READ_RECORDS): their own, quality officers and
    auditors in their scope, heads their department's forms at their site."""
    if found.submitted_by_id == user.id:
        return can(user, Permission.READ_RECORDS)
    # A form of no department is no head's: 0 is no department's id.
    return can(
        user,
        Permission.READ_RECORDS,
        site_id=found.site_id,
        department_id=form_department_id(found.form_key) or 0,
        people=(found.submitted_by_id,),
    )


def visible_clause(user: User):
    """:func:`is_visible` as a SQL condition on :class:`FormSubmission`."""
    return db.or_(
        scope_clause(
            user,
            Permission.READ_RECORDS,
            site_column=FormSubmission.site_id,
            department_column=AreaDepartment(FormSubmission.form_key, lambda: manager.registry().forms.values()),
            people_columns=(FormSubmission.submitted_by_id,),
        ),
        FormSubmission.submitted_by_id == user.id,
    )


def list_query(
    user: User,
    *,
    form_key: str | None = None,
    site: Site | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """Submissions the user may read, newest first; staff see their own."""
    query = db.select(FormSubmission).options(
        selectinload(FormSubmission.site), selectinload(FormSubmission.submitted_by)
    )
    query = query.where(visible_clause(user))
    if form_key:
        query = query.where(FormSubmission.form_key == form_key)
    if site is not None:
        query = query.where(FormSubmission.site_id == site.id)
    # The days of the site asked for, else the reader's: "to 31 December" includes the evening of the 31st in China.
    zone = zone_of(site if site is not None else user.site)
    if date_from is not None:
        query = query.where(FormSubmission.submitted_at >= _start_of(date_from, zone))
    if date_to is not None:
        query = query.where(FormSubmission.submitted_at < _start_of(date_to + timedelta(days=1), zone))
    return query.order_by(FormSubmission.submitted_at.desc(), FormSubmission.id.desc())


def _start_of(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def submission(user: User, submission_id: int) -> FormSubmission:
    found = db.session.get(FormSubmission, submission_id)
    # Someone else's submission is as unknown to staff as a missing one.
    if found is None or not is_visible(user, found):
        raise NotFound(_("There is no form submission %(submission_id)s.", submission_id=submission_id))
    return found


@dataclass(frozen=True)
class Shown:
    """A submission's definition, as it shows: the live one (translated) when it
    is still the current version, else the copy stored with the submission."""

    title: str
    version: int
    fields: list[dict]
    current: bool


def shown_definition(found: FormSubmission) -> Shown:
    live = manager.registry().forms.get(found.form_key)
    if live is not None and live.version == found.form_version:
        described = describe(live)
        return Shown(described["title"], live.version, described["fields"], True)
    stored = found.definition.definition
    return Shown(stored["title"], found.form_version, stored["fields"], False)


def display_value(field: dict, value) -> str:
    """A stored value as text for a page or a CSV cell."""
    if value is None:
        return ""
    labels = {choice["value"]: choice["label"] for choice in field.get("choices", [])}
    if field["type"] == "boolean":
        from flask_babel import gettext

        return gettext("Yes") if value else gettext("No")
    if field["type"] == "multiselect":
        return "; ".join(labels.get(item, item) for item in value)
    if field["type"] == "select":
        return labels.get(value, value)
    if field["type"] == "group":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def page_value(field: dict, value) -> str:
    """A stored value as a page shows it: a date-time on the reader's clock, the rest as :func:`display_value`."""
    if field["type"] == "datetime" and isinstance(value, str):
        moment = parse_stored(value)
        if moment is not None:
            return when(moment)
    return display_value(field, value)


def export_sheet(query, form: Form) -> Sheet:
    """The submissions of a query as a table of the reader's words: the current definition's
    fields by their labels, then any field only older versions had (by its key); date-times on
    the reader's clock. :mod:`core.exports` writes it as CSV or XLSX and neutralises formulas."""
    fields = describe(form)["fields"]
    known = {field["key"] for field in fields}
    rows = db.session.execute(query).scalars().all()
    extra = sorted({key for row in rows for key in row.data} - known)
    columns = [*fields, *({"key": key, "label": key, "type": "text"} for key in extra)]
    header = [_("Number"), _("Form"), _("Version"), _("Site"), _("Submitted at"), _("Submitted by")]
    header += [field["label"] or field["key"] for field in columns]

    def lines():
        for row in rows:
            yield [
                row.id,
                row.form_key,
                row.form_version,
                row.site.code,
                row.submitted_at,
                row.submitted_by.display_name,
                *(_export_value(field, row.data.get(field["key"])) for field in columns),
            ]

    return Sheet(str(form.title), header, lines())


def _export_value(field: dict, value):
    """A number stays a number (a spreadsheet sums it); the rest as the page shows it."""
    if field["type"] in NUMBER_TYPES and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return page_value(field, value)


NUMBER_TYPES = ("integer", "decimal", "rating")


# For plugins computing metrics ------------------------------------------------------


def period_data(form_key: str, site: Site, period: str, span: str = "month") -> list[dict]:
    """The data of every submission of ``form_key`` at ``site`` in ``period``
    (``YYYY-MM``; with ``span`` ``"quarter"`` or ``"year"`` the months of the
    quarter or year that starts there).

    For ``compute_metric`` implementations::

        answers = period_data("aftersales.survey", site, period, metric.period)
    """
    # Sorted here, not in SQL: an ORDER BY submitted_at lets SQLite's planner
    # (without fresh statistics) prefer the (form_key, submitted_at) index and
    # read the form's whole history instead of this site's month.
    rows = db.session.execute(
        db.select(FormSubmission.submitted_at, FormSubmission.id, FormSubmission.data).where(
            FormSubmission.form_key == form_key,
            FormSubmission.site_id == site.id,
            FormSubmission.period.in_(months_of(span, period)),
        )
    ).all()
    return [data for _submitted_at, _id, data in sorted(rows, key=lambda row: (row[0], row[1]))]


def trail_scope(user: User) -> dict:
    """The submissions whose trail events ``user`` may read: those they may read."""
    # By the site each event keeps: the rule of visible_clause, with the site taken out.
    sites, whole = scope_sites(user, Permission.READ_RECORDS, by_department=True, by_people=True)
    return {
        "form_submission": TrailSites(
            sites,
            within=None
            if whole
            # At the sites only: the site's index finds them, not a read of every site's.
            else db.select(cast(FormSubmission.id, String)).where(
                *([] if sites is None else [FormSubmission.site_id.in_(sites)]), visible_clause(user)
            ),
            plus=db.select(cast(FormSubmission.id, String)).where(FormSubmission.submitted_by_id == user.id),
        )
    }
