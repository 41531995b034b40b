"""Form pages: fill in, list, view, export. Thin: the rules are in :mod:`core.forms.services`."""

from __future__ import annotations

from datetime import date

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from core.accounts.models import Department, Site
from core.accounts.permissions import Permission, can, require
from core.database import commit, db
from core.errors import DomainError, NotFound, authorize
from core.exports import download
from core.forms import follow_ups, schedules, services
from core.forms.forms import clean_data, form_class, prefill, start_with
from core.forms.routes import pages as bp
from core.rhythm import FREQUENCY_LABELS, WEEKDAY_LABELS
from core.tasks.views import after_done
from core.times import zone_of
from core.web.forms_support import refusal_status

PER_PAGE = 50


def _user():
    return current_user._get_current_object()


def _sites():
    return db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars().all()


@bp.route("/")
def index():
    area = request.args.get("area") or None
    text = (request.args.get("q") or "").strip()[:100]
    return render_template(
        "forms/index.html",
        groups=services.forms_by_area(area=area, text=text),
        areas=services.areas_with_forms(),
        area=area,
        text=text,
        may_read_all=services.may_read_all(_user()),
        may_schedule=schedules.scheduler_refusal(_user()) is None,
    )


@bp.route("/<key>/new", methods=["GET", "POST"])
def fill(key):
    require(_user(), Permission.SUBMIT_FORMS)
    definition = services.definition(key)
    form = form_class(definition)()
    sites = services.sites_to_submit_for(_user())
    # A task of a form due at a site opens the page on that site (?site=).
    chosen = (
        request.form.get("site")
        or request.args.get("site")
        or (current_user.site.code if current_user.site else (sites[0].code if sites else ""))
    )
    status = 200
    # A site named but not offered (another's) is the service's to refuse: forbidden, not a typo.
    site = next((s for s in _sites() if s.code == chosen), None)
    # Date-times are typed and shown on the wall clock of the site the form is about.
    zone = zone_of(site)
    if form.validate_on_submit():
        if site is None:
            form.form_errors.append(_("Choose the site this form is about."))
            status = 422
        else:
            try:
                submission = services.submit(_user(), definition, site, clean_data(form, zone))
                commit()
                flash(_("Thank you: %(title)s was submitted.", title=definition.title), "success")
                return redirect(after_done(url_for(".view", submission_id=submission.id)))
            except DomainError as error:
                status = refusal_status(form, error)
    elif form.is_submitted():
        status = 422
    else:
        start_with(form, request.args)
        prefill(form, zone, current_user.display_name)
    _pad_groups(form)
    return render_template("forms/fill.html", definition=definition, form=form, sites=sites, chosen=chosen), status


def _pad_groups(form) -> None:
    """One blank row after the filled ones (and up to the minimum), so that rows can be added without scripts."""
    for item in form.definition.fields:
        if item.type != "group":
            continue
        group = form[item.key]
        wanted = max(group.min_rows, len(group.entries) + 1)
        if group.max_rows is not None:
            wanted = min(wanted, group.max_rows)
        while len(group.entries) < wanted:
            group.append_entry()


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters():
    code = request.args.get("site") or ""
    site = db.session.execute(db.select(Site).filter_by(code=code)).scalar_one_or_none() if code else None
    return {"site": site, "date_from": _date_arg("from"), "date_to": _date_arg("to")}


@bp.route("/<key>/submissions")
def submissions(key):
    definition = services.definition(key)
    filters = _filters()
    query = services.list_query(_user(), form_key=key, **filters)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template(
        "forms/submissions.html",
        definition=definition,
        pagination=pagination,
        filters=filters,
        sites=_sites(),
        args=request.args,
    )


@bp.route("/<key>/submissions.csv", defaults={"kind": "csv"})
@bp.route("/<key>/submissions.xlsx", defaults={"kind": "xlsx"})
def export(key, kind):
    """The submissions the list's filters select and the reader may see, as CSV or XLSX."""
    definition = services.definition(key)
    query = services.list_query(_user(), form_key=key, **_filters())
    return download(kind, f"{key}-submissions", [services.export_sheet(query, definition)])


@bp.route("/submissions/<int:submission_id>")
def view(submission_id, outcome_errors=None, status=200):
    found = services.submission(_user(), submission_id)
    shown = services.shown_definition(found)
    # Who just logged one is offered the next, at the same site: a lead log is filled many times a day.
    log_another = found.submitted_by_id == _user().id and shown.current and can(_user(), Permission.SUBMIT_FORMS)
    follow_up = follow_ups.for_submission(found)
    return render_template(
        "forms/view.html",
        submission=found,
        shown=shown,
        display=services.page_value,
        log_another=log_another,
        follow_up=follow_up,
        follow_ups=follow_ups,
        may_record=follow_up is not None and follow_ups.outcome_refusal(_user(), follow_up) is None,
        outcome_errors=outcome_errors or {},
        values=request.form,
    ), status


@bp.route("/submissions/<int:submission_id>/follow-up", methods=["POST"])
def record_follow_up(submission_id):
    """The outcome of a low score's follow-up, recorded on the survey it follows up."""
    found = services.submission(_user(), submission_id)
    follow_up = follow_ups.for_submission(found)
    if follow_up is None:
        raise NotFound(_("Submission %(number)s has no follow-up.", number=submission_id))
    authorize(follow_ups.outcome_refusal(_user(), follow_up))
    try:
        follow_ups.record_outcome(_user(), follow_up, result=request.form.get("result"), note=request.form.get("note"))
        commit()
    except DomainError as error:
        db.session.rollback()
        if error.status in (403, 404):
            raise
        errors = {item.get("field", ""): [item["message"]] for item in error.errors} or {"": [error.detail]}
        return view(submission_id, outcome_errors=errors, status=error.status)
    flash(_("The outcome of the follow-up is recorded."), "success")
    return redirect(after_done(url_for(".view", submission_id=submission_id)))


# Recurring forms ------------------------------------------------------------------------


@bp.route("/schedules")
def schedules_index():
    current = _user()
    authorize(schedules.scheduler_refusal(current))
    return render_template(
        "forms/schedules.html",
        schedules=schedules.schedules_for(current),
        forms={form.key: form for form in services.definitions()},
        frequency_labels=FREQUENCY_LABELS,
        weekday_labels=WEEKDAY_LABELS,
        month_counts=schedules.month_counts,
    )


@bp.route("/schedules/new", methods=["GET", "POST"])
def new_schedule():
    current = _user()
    authorize(schedules.scheduler_refusal(current))
    values = request.form.to_dict() if request.method == "POST" else {"frequency": "weekly"}
    errors, status = {}, 200
    if request.method == "POST":
        starts = (request.form.get("starts_on") or "").strip()
        day_of_month = request.form.get("day_of_month", "").strip()
        try:
            starts_on = date.fromisoformat(starts) if starts else None
        except ValueError:
            errors, status = {"starts_on": [_("Write the date as YYYY-MM-DD.")]}, 422
        if not errors:
            try:
                schedule = schedules.create_schedule(
                    current,
                    site=request.form.get("site", ""),
                    form=request.form.get("form", ""),
                    frequency=request.form.get("frequency", ""),
                    weekdays=[int(day) for day in request.form.getlist("weekdays") if day.isdecimal()],
                    day_of_month=int(day_of_month) if day_of_month.isdecimal() else None,
                    department=request.form.get("department") or None,
                    assignee=request.form.get("assignee") or None,
                    starts_on=starts_on,
                    title=request.form.get("title") or None,
                )
                commit()
                flash(_("%(title)s is scheduled.", title=schedule.shown_title), "success")
                return redirect(url_for(".schedules_index"))
            except DomainError as error:
                db.session.rollback()
                if error.status == 403:
                    raise
                errors = {item.get("field", ""): [item["message"]] for item in error.errors} or {"": [error.detail]}
                status = error.status
    return render_template(
        "forms/schedule_new.html",
        values=values,
        weekdays=request.form.getlist("weekdays"),
        errors=errors,
        forms=services.definitions(),
        sites=schedules.sites_to_schedule_at(current),
        departments=db.session.execute(db.select(Department).order_by(Department.code)).scalars().all(),
        frequency_labels=FREQUENCY_LABELS,
        weekday_labels=WEEKDAY_LABELS,
    ), status


@bp.route("/schedules/<int:schedule_id>/stop", methods=["POST"])
def stop_schedule(schedule_id):
    schedule = schedules.schedule_by_id(schedule_id)
    authorize(schedules.stop_refusal(_user(), schedule))
    schedules.stop_schedule(_user(), schedule)
    commit()
    flash(_("%(title)s is stopped: it falls due no more.", title=schedule.shown_title), "success")
    return redirect(url_for(".schedules_index"))
