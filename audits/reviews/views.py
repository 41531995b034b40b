"""Management reviews: the list, planning one, and a review's page with its compiled inputs."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.reviews import charts, inputs, pdf, services
from audits.routes import review_pages as bp
from audits.services import nonconformities as nc_services
from core.accounts import organisation
from core.database import commit, db
from core.errors import DomainError, ValidationFailed, authorize, in_words
from core.metrics import services as metrics
from core.signatures import manifestation


def user():
    return current_user._get_current_object()


def _field_errors(error: DomainError) -> dict:
    return {item.get("field", ""): item["message"] for item in error.errors} or {"": error.detail}


def _date(text: str | None, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed.field(field, _("write the date as YYYY-MM-DD")) from None


@bp.route("/")
def index():
    current = user()
    rows = db.session.execute(services.list_query(current)).scalars().all()
    return render_template(
        "audits/reviews.html",
        reviews=rows,
        state_labels=services.STATE_LABELS,
        may_plan=services.planner_refusal(current) is None,
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    current = user()
    authorize(services.planner_refusal(current))
    values = (
        request.form.to_dict()
        if request.method == "POST"
        else {"site": current.site.code if current.site else "", "chair": current.login}
    )
    errors, status = {}, 200
    if request.method == "POST":
        try:
            review = services.plan(
                current,
                site=request.form.get("site") or None,
                period_from=_date(request.form.get("period_from"), "period_from"),
                period_to=_date(request.form.get("period_to"), "period_to"),
                planned_date=_date(request.form.get("planned_date"), "planned_date"),
                chair=request.form.get("chair") or None,
                participants=request.form.get("participants") or None,
            )
            commit()
            flash(_("%(reference)s is planned.", reference=review.reference), "success")
            return redirect(url_for(".review", reference=review.reference))
        except DomainError as error:
            db.session.rollback()
            if error.status == 403:
                raise
            errors, status = _field_errors(error), error.status
    return render_template(
        "audits/review_new.html",
        values=values,
        errors=errors,
        sites=services.sites_to_plan_at(current),
        group_office=current.site_id is None,
    ), status


def _page(found, *, errors=None, form=None, status=200):
    current = user()
    return render_template(
        "audits/review.html",
        review=found,
        participants=services.participant_users(found),
        state_labels=services.STATE_LABELS,
        label=inputs.label,
        section_titles=inputs.SECTION_TITLES,
        may_compile=services.compile_refusal(current, found) is None,
        may_edit=services.edit_refusal(current, found) is None,
        may_record=services.record_refusal(current, found) is None,
        may_add_output=services.output_refusal(current, found) is None,
        may_sign=services.sign_refusal(current, found) is None,
        owners=organisation.owner_candidates(found.site_id),
        departments=nc_services.departments(),
        charts={s["key"]: charts.section_charts(s) for s in (found.inputs or {}).get("sections", [])},
        kpis=sorted(((key, _(str(m.name))) for key, m in metrics.definitions_by_key().items()), key=lambda p: p[1]),
        signature=services.chair_signature(found),
        manifestation=manifestation,
        outputs=[(output, services.output_state(output)[0]) for output in services.outputs_of(found)],
        output_kinds=[kind.value for kind in services.OutputKind],
        errors=errors or {},
        form=form if form is not None else {},
    ), status


@bp.route("/<reference>", methods=["GET", "POST"])
def review(reference):
    found = services.review_by_reference(reference)
    current = user()
    services.require_visible(current, found)
    if request.method == "POST":
        authorize(services.edit_refusal(current, found))
        try:
            services.write_inputs(
                current,
                found,
                row_version=request.form.get("row_version"),
                context_changes=request.form.get("context_changes"),
                resources=request.form.get("resources"),
                external_providers=request.form.get("external_providers"),
            )
            commit()
            flash(_("%(reference)s is saved.", reference=found.reference), "success")
            return redirect(url_for(".review", reference=found.reference))
        except DomainError as error:
            db.session.rollback()
            found = services.review_by_reference(reference)
            return _page(found, errors=_field_errors(error), form=request.form, status=error.status)
    return _page(found)


@bp.route("/<reference>/compile", methods=["POST"])
def compile_inputs(reference):
    found = services.review_by_reference(reference)
    authorize(services.compile_refusal(user(), found))
    try:
        services.compile_inputs(user(), found)
        commit()
        flash(_("The inputs of %(reference)s are compiled.", reference=found.reference), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 422):
            raise
        flash(error.detail, "error")
    return redirect(url_for(".review", reference=reference))


def _act(reference, refusal, action, done):
    """A form posted from the review's page: refused by role or state before anything is read."""
    found = services.review_by_reference(reference)
    authorize(refusal(user(), found))
    try:
        action(found)
        commit()
        flash(done(found), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 422):
            raise
        flash(in_words(error), "error")
    return redirect(url_for(".review", reference=reference))


@bp.route("/<reference>/record", methods=["POST"])
def record(reference):
    def action(found):
        keys = [section["key"] for section in (found.inputs or {}).get("sections", [])]
        decisions = {
            key: {
                "discussion": request.form.get(f"discussion-{key}", ""),
                "decision": request.form.get(f"decision-{key}", ""),
            }
            for key in keys
            if f"decision-{key}" in request.form or f"discussion-{key}" in request.form
        }
        services.record_meeting(
            user(),
            found,
            row_version=request.form.get("row_version"),
            present=request.form.getlist("present"),
            guests=request.form.get("guests"),
            decisions=decisions,
        )

    return _act(
        reference,
        services.record_refusal,
        action,
        lambda found: _("The meeting record of %(reference)s is saved.", reference=found.reference),
    )


@bp.route("/<reference>/hold", methods=["POST"])
def hold(reference):
    return _act(
        reference,
        services.record_refusal,
        lambda found: services.hold(user(), found),
        lambda found: _("%(reference)s is held.", reference=found.reference),
    )


@bp.route("/<reference>/outputs", methods=["POST"])
def add_output(reference):
    def action(found):
        target = request.form.get("target") or None
        try:
            target = float(target) if target is not None else None
        except ValueError:
            raise ValidationFailed.field("target", _("is not a number")) from None
        services.add_output(
            user(),
            found,
            kind=request.form.get("kind"),
            title=request.form.get("title"),
            description=request.form.get("description"),
            owner=request.form.get("owner") or None,
            due_date=_date(request.form.get("due_date"), "due_date"),
            site=request.form.get("site") or None,
            department=request.form.get("department") or None,
            target=target,
            metric=request.form.get("metric") or None,
            severity=request.form.get("severity") or None,
        )

    return _act(
        reference,
        services.output_refusal,
        action,
        lambda found: _("The output is recorded on %(reference)s.", reference=found.reference),
    )


@bp.route("/<reference>/sign", methods=["POST"])
def sign(reference):
    return _act(
        reference,
        services.sign_refusal,
        lambda found: services.sign_minutes(
            user(), found, password=request.form.get("password"), comment=request.form.get("comment")
        ),
        lambda found: _("The minutes of %(reference)s are signed.", reference=found.reference),
    )


@bp.route("/<reference>/record.pdf")
def record_pdf(reference):
    found = services.review_by_reference(reference)
    services.require_visible(user(), found)
    return pdf.record_download(found)
