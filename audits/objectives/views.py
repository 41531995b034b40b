"""The objectives register, setting an objective, and an objective's page with its monthly words."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.objectives import services
from audits.routes import objective_pages as bp
from audits.services import nonconformities
from core.database import commit, db
from core.errors import DomainError, ValidationFailed, authorize
from core.metrics import services as metrics
from core.tasks.views import after_done


def user():
    return current_user._get_current_object()


def _field_errors(error: DomainError) -> dict:
    return {item.get("field", ""): item["message"] for item in error.errors} or {"": error.detail}


@bp.route("/")
def index():
    current = user()
    rows = db.session.execute(services.list_query(current, site=request.args.get("site") or None)).scalars().all()
    may_set = services.setter_refusal(current) is None
    return render_template(
        "audits/objectives.html",
        objectives=[(objective, services.progress(objective)) for objective in rows],
        status_labels=services.STATUS_LABELS,
        may_set=may_set,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    current = user()
    authorize(services.setter_refusal(current))
    values = request.form.to_dict() if request.method == "POST" else {"site": current.site.code if current.site else ""}
    errors, status = {}, 200
    if request.method == "POST":
        try:
            objective = services.create(
                current,
                site=request.form.get("site") or None,
                department=request.form.get("department") or None,
                title=request.form.get("title", ""),
                why=request.form.get("why"),
                metric=request.form.get("metric") or None,
                measure=request.form.get("measure"),
                unit=request.form.get("unit"),
                direction=request.form.get("direction") or None,
                baseline=request.form.get("baseline"),
                target=request.form.get("target"),
                starts_on=_date(request.form.get("starts_on"), "starts_on"),
                due_date=_date(request.form.get("due_date"), "due_date"),
                owner=request.form.get("owner") or None,
                plan_what=request.form.get("plan_what"),
                plan_resources=request.form.get("plan_resources"),
                plan_who=request.form.get("plan_who"),
                plan_when=request.form.get("plan_when"),
            )
            commit()
            flash(_("%(reference)s is set.", reference=objective.reference), "success")
            return redirect(url_for(".objective", objective_id=objective.id))
        except DomainError as error:
            db.session.rollback()
            if error.status == 403:
                raise
            errors, status = _field_errors(error), error.status
    return render_template(
        "audits/objective_new.html",
        values=values,
        errors=errors,
        sites=services.sites_to_set_at(current),
        departments=nonconformities.departments(),
        metrics=metrics.definitions(),
    ), status


def _date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.field(field, _("write the date as YYYY-MM-DD")) from None


@bp.route("/<int:objective_id>", methods=["GET", "POST"])
def objective(objective_id):
    found = services.objective_by_id(objective_id)
    current = user()
    services.require_visible(current, found)
    errors, status = {}, 200
    if request.method == "POST":
        authorize(services.update_refusal(current, found))
        try:
            services.record_update(
                current,
                found,
                comment=request.form.get("comment"),
                value=request.form.get("value"),
                period=request.form.get("period") or None,
            )
            commit()
            flash(_("%(reference)s is updated.", reference=found.reference), "success")
            return redirect(after_done(url_for(".objective", objective_id=found.id)))
        except DomainError as error:
            db.session.rollback()
            found = services.objective_by_id(objective_id)
            errors, status = _field_errors(error), error.status
    return render_template(
        "audits/objective.html",
        objective=found,
        progress=services.progress(found),
        values=services.values(found),
        status_labels=services.STATUS_LABELS,
        update_owed=services.update_due_period(found),
        may_update=services.update_refusal(current, found) is None,
        may_withdraw=services.withdraw_refusal(current, found) is None,
        metric=metrics.definitions_by_key().get(found.metric_key) if found.metric_key else None,
        errors=errors,
        form=request.form,
    ), status


@bp.route("/<int:objective_id>/withdraw", methods=["POST"])
def withdraw(objective_id):
    found = services.objective_by_id(objective_id)
    authorize(services.withdraw_refusal(user(), found))
    try:
        services.withdraw(
            user(), found, reason=request.form.get("reason", ""), row_version=request.form.get("row_version")
        )
        commit()
        flash(_("%(reference)s is withdrawn.", reference=found.reference), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 422):
            raise
        flash(error.detail, "error")
    return redirect(url_for(".objective", objective_id=objective_id))
