"""The recurring-check pages: what is to be checked, scheduling a check, doing one on a tablet."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.inspections import services
from audits.inspections.history import RESULT_LABELS
from audits.routes import inspection_pages as bp
from core.checklists import catalog
from core.clock import today
from core.database import commit, db
from core.errors import DomainError, authorize
from core.rhythm import FREQUENCY_LABELS, WEEKDAY_LABELS
from core.tasks.views import after_done


def user():
    return current_user._get_current_object()


@bp.route("/")
def index():
    current = user()
    to_do = db.session.execute(services.inspections_query(current, open_only=True).limit(100)).scalars()
    visible_schedules = services.schedules_for(current)
    return render_template(
        "audits/inspections.html",
        to_do=list(to_do),
        schedules=visible_schedules,
        frequency_labels=FREQUENCY_LABELS,
        weekday_labels=WEEKDAY_LABELS,
        today=today(),
        month_counts=services.month_counts,
    )


@bp.route("/schedules/new", methods=["GET", "POST"])
def new_schedule():
    current = user()
    authorize(services.scheduler_refusal(current))
    values = request.form.to_dict() if request.method == "POST" else {"frequency": "daily"}
    errors, status = {}, 200
    if request.method == "POST":
        try:
            starts = request.form.get("starts_on") or None
            day_of_month = request.form.get("day_of_month", "")
            schedule = services.create_schedule(
                current,
                site=request.form.get("site", ""),
                checklist=request.form.get("checklist", ""),
                frequency=request.form.get("frequency", ""),
                weekdays=[int(day) for day in request.form.getlist("weekdays") if day.isdigit()],
                day_of_month=int(day_of_month) if day_of_month.isdigit() else None,
                assignee=request.form.get("assignee") or None,
                starts_on=date.fromisoformat(starts) if starts else None,
                title=request.form.get("title") or None,
            )
            commit()
            flash(_("%(title)s is scheduled.", title=schedule.shown("title")), "success")
            return redirect(url_for(".index"))
        except ValueError:
            db.session.rollback()
            errors, status = {"starts_on": [_("Write the date as YYYY-MM-DD.")]}, 422
        except DomainError as error:
            db.session.rollback()
            if error.status == 403:
                raise
            errors = {item.get("field", ""): [item["message"]] for item in error.errors} or {"": [error.detail]}
            status = error.status
    return render_template(
        "audits/schedule_new.html",
        values=values,
        weekdays=request.form.getlist("weekdays"),
        errors=errors,
        checklists=catalog.checklists(),
        sites=services.sites_to_schedule_at(current),
        frequency_labels=FREQUENCY_LABELS,
        weekday_labels=WEEKDAY_LABELS,
    ), status


@bp.route("/schedules/<int:schedule_id>/stop", methods=["POST"])
def stop_schedule(schedule_id):
    schedule = services.schedule_by_id(schedule_id)
    authorize(services.stop_refusal(user(), schedule))
    services.stop_schedule(user(), schedule)
    commit()
    flash(_("%(title)s is stopped: no more checks from it.", title=schedule.shown("title")), "success")
    return redirect(url_for(".index"))


@bp.route("/<int:inspection_id>", methods=["GET", "POST"])
def inspection(inspection_id):
    found = services.inspection_by_id(inspection_id)
    current = user()
    services.require_visible(current, found)
    errors, status = {}, 200
    if request.method == "POST":
        authorize(services.perform_refusal(current, found))
        answers = {
            item.id: (request.form.get(f"item-{item.id}"), request.form.get(f"note-{item.id}")) for item in found.items
        }
        photos = {
            item.id: [
                (upload.stream, upload.filename, upload.mimetype)
                for upload in request.files.getlist(f"photo-{item.id}")
                if upload.filename
            ]
            for item in found.items
        }
        try:
            services.record(current, found, answers, row_version=request.form.get("row_version"), photos=photos)
            commit()
            flash(
                _("%(title)s of %(date)s is recorded.", title=found.shown("title"), date=found.occurs_on.isoformat()),
                "success",
            )
            return redirect(after_done(url_for(".index")))
        except DomainError as error:
            db.session.rollback()
            found = services.inspection_by_id(inspection_id)
            errors = {item.get("field", ""): item["message"] for item in error.errors} or {"": error.detail}
            status = error.status
    return render_template(
        "audits/inspection.html",
        inspection=found,
        may_record=found.state == "open" and services.perform_refusal(current, found) is None,
        errors=errors,
        values=request.form,
        result_labels=RESULT_LABELS,
    ), status
