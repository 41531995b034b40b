"""The improvement pages: the register with its stage counts and the Pareto of NC root causes,
suggesting an improvement, and an item with its PDCA stages, DMAIC panel and evidence files.
Thin: the rules are in :mod:`audits.improvements.services`."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from audits.improvements import charts, pareto, services
from audits.improvements.forms import DmaicForm, StageForm, SuggestionForm, UpdateForm
from audits.improvements.labels import (
    ACTION_TYPE_LABELS,
    METHOD_LABELS,
    PHASE_LABELS,
    SOURCE_LABELS,
    STAGE_ACTIONS,
    STAGE_LABELS,
)
from audits.improvements.models import Stage
from audits.labels import FISHBONE_LABELS
from audits.routes import improvement_pages as bp
from audits.services import nonconformities as nc_services
from audits.services.common import department_named, site_named
from audits.views.shared import PER_PAGE, errors_of, submit, typed, upload_errors
from core.database import commit, db
from core.errors import DomainError, authorize
from core.metrics import dashboard

FILTERS = ("site", "department", "source", "stage")


def user():
    return current_user._get_current_object()


def _labels() -> dict:
    return {
        "stage_labels": STAGE_LABELS,
        "source_labels": SOURCE_LABELS,
        "action_type_labels": ACTION_TYPE_LABELS,
        "method_labels": METHOD_LABELS,
        "phase_labels": PHASE_LABELS,
    }


@bp.route("/")
def index():
    current = user()
    filters = {key: request.args.get(key) or None for key in FILTERS}
    query = services.list_query(current, **filters)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    causes = pareto.root_causes(
        current,
        site=site_named(filters["site"]) if filters["site"] else None,
        department=department_named(filters["department"]) if filters["department"] else None,
    )
    return render_template(
        "audits/improvements.html",
        pagination=pagination,
        filters=filters,
        counts=services.stage_counts(current, **{key: filters[key] for key in ("site", "department", "source")}),
        sites=nc_services.site_filter_choices(),
        departments=nc_services.departments(),
        causes=causes,
        fishbone_chart=charts.fishbone_chart(causes),
        five_why_chart=charts.five_why_chart(causes),
        fishbone_labels=FISHBONE_LABELS,
        cause_label=charts.cause_label,
        is_overdue=services.is_overdue,
        **_labels(),
    )


@bp.route("/suggest", methods=["GET", "POST"])
def suggest():
    current = user()
    form = SuggestionForm(
        data=None
        if request.method == "POST"
        else {
            "site": current.site.code if current.site else "",
            "department": current.department.code if current.department else "",
        }
    )
    outcome = submit(
        form,
        lambda: services.raise_improvement(
            current,
            title=form.title.data,
            description=form.description.data,
            site=form.site.data or None,
            department=form.department.data or None,
        ),
    )
    if outcome.done:
        item = outcome.result
        flash(
            _(
                "Thank you: %(reference)s goes to %(owner)s.",
                reference=item.reference,
                owner=item.owner.display_name if item.owner else item.department.code,
            ),
            "success",
        )
        return redirect(url_for(".improvement", reference=item.reference))
    return render_template(
        "audits/improvement_suggest.html",
        values=typed(form),
        errors=errors_of(form),
        sites=services.sites_to_suggest_at(current),
        departments=nc_services.departments(),
    ), outcome.status


def _shown(item) -> dict:
    """The item's fields as the page's inputs show them before anything is typed."""
    text = {
        name: getattr(item, name) or ""
        for name in (
            "title",
            "description",
            "action_type",
            "expected_benefit",
            "actions",
            "result",
            "method",
            "phase",
            "defect_metric",
        )
    }
    counts = {
        name: "" if getattr(item, name) is None else str(getattr(item, name))
        for name in ("opportunities", "baseline_defects", "baseline_units", "current_defects", "current_units")
    }
    return {
        **text,
        **counts,
        "owner": item.owner.login if item.owner else "",
        "due_date": item.due_date.isoformat() if item.due_date else "",
    }


def _page(item, *, errors=None, values=None, status=200):
    """The item's page; after a refused form, with what was typed and the reasons (field errors
    by input name: the three forms of the page use different names)."""
    current = user()
    baseline, now = services.sixsigma_figures(item)
    metric = services.monitored_metric(item)
    may_work = services.work_refusal(current, item) is None
    return render_template(
        "audits/improvement.html",
        item=item,
        may_work=may_work and item.is_open,
        may_manage=services.may_manage(current, item),
        may_add_evidence=services.evidence_refusal(current, item) is None,
        next_stages=[
            stage
            for stage, sources in services.TRANSITIONS.items()
            if item.stage in sources and services.stage_refusal(current, item, stage) is None
        ],
        stage_actions=STAGE_ACTIONS,
        baseline=baseline,
        current=now,
        metric=metric,
        control_chart=dashboard.trend_chart(metric.key, item.site) if metric is not None else None,
        control_points=services.control_points(item) if metric is not None else [],
        stage_changes=services.stage_changes(item),
        events=services.history(item) if services.may_read_history(current, item) else None,
        owners=services.owner_candidates(item),
        is_overdue=services.is_overdue(item),
        errors=errors or {},
        values={**_shown(item), **(values or {})},
        open_stages=[stage.value for stage in (Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT)],
        **_labels(),
    ), status


@bp.route("/<reference>")
def improvement(reference):
    item = services.improvement_by_reference(reference)
    services.require_visible(user(), item)
    return _page(item)


def _sent(field):
    """What the form sent for ``field``, None when it did not send it (unchanged)."""
    return field.data if field.raw_data is not None else None


@bp.route("/<reference>/update", methods=["POST"])
def update(reference):
    item = services.improvement_by_reference(reference)
    authorize(services.work_refusal(user(), item))
    form = UpdateForm()
    outcome = submit(
        form,
        lambda: services.update_improvement(
            user(),
            item,
            row_version=form.row_version.data,
            **{
                name: _sent(getattr(form, name))
                for name in (
                    "title",
                    "description",
                    "owner",
                    "due_date",
                    "action_type",
                    "expected_benefit",
                    "actions",
                    "result",
                )
            },
        ),
    )
    if outcome.done:
        flash(_("%(reference)s is saved.", reference=item.reference), "success")
        return redirect(url_for(".improvement", reference=item.reference))
    return _page(
        services.improvement_by_reference(reference), errors=errors_of(form), values=typed(form), status=outcome.status
    )


@bp.route("/<reference>/stage", methods=["POST"])
def stage(reference):
    item = services.improvement_by_reference(reference)
    authorize(services.work_refusal(user(), item))
    form = StageForm()
    to = form.to.data or ""
    outcome = submit(
        form,
        lambda: services.change_stage(user(), item, to=to, reason=form.reason.data, row_version=form.row_version.data),
    )
    if outcome.done:
        flash(
            _("%(reference)s is now at %(stage)s.", reference=item.reference, stage=STAGE_LABELS.get(to, to)),
            "success",
        )
        return redirect(url_for(".improvement", reference=item.reference))
    return _page(
        services.improvement_by_reference(reference),
        errors=errors_of(form),
        values=typed(form),
        status=outcome.status,
    )


@bp.route("/<reference>/dmaic", methods=["POST"])
def dmaic(reference):
    item = services.improvement_by_reference(reference)
    authorize(services.work_refusal(user(), item))
    form = DmaicForm()
    outcome = submit(
        form,
        lambda: services.set_dmaic(
            user(),
            item,
            row_version=form.row_version.data,
            method=form.method.data or "dmaic",
            phase=form.phase.data or None,
            defect_metric=form.defect_metric.data,
            opportunities=form.opportunities.data,
            baseline_defects=form.baseline_defects.data,
            baseline_units=form.baseline_units.data,
            current_defects=form.current_defects.data,
            current_units=form.current_units.data,
        ),
    )
    if outcome.done:
        flash(_("The DMAIC figures of %(reference)s are saved.", reference=item.reference), "success")
        return redirect(url_for(".improvement", reference=item.reference, _anchor="dmaic"))
    return _page(
        services.improvement_by_reference(reference),
        errors=errors_of(form),
        values=typed(form),
        status=outcome.status,
    )


@bp.route("/<reference>/evidence", methods=["POST"])
def evidence(reference):
    item = services.improvement_by_reference(reference)
    authorize(services.evidence_refusal(user(), item))
    files = [
        (upload.stream, upload.filename, upload.mimetype) for upload in request.files.getlist("file") if upload.filename
    ]
    try:
        names = ", ".join(stored.name for stored in services.attach_files(user(), item, files))
        commit()
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 413, 422):
            raise
        # Once the item is finished the page has no upload field: the reason goes above the page.
        errors = {"": [error.detail]} if error.status == 409 else upload_errors(error)
        return _page(services.improvement_by_reference(reference), errors=errors, status=error.status)
    flash(_("%(name)s added as evidence.", name=names), "success")
    return redirect(url_for(".improvement", reference=item.reference, _anchor="evidence"))
