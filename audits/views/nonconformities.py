"""The nonconformity pages: list, raising (by hand or prefilled from where it
was found), the NC with its state machine, its actions and its evidence."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audits import fishbone
from audits.forms import WHY_ROWS, ActionForm, NonconformityForm, TransitionForm
from audits.labels import EIGHT_D_LABELS, FISHBONE_LABELS, SEVERITY_LABELS, STATE_LABELS
from audits.models import NcState
from audits.services import actions as action_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from audits.views.shared import (
    PER_PAGE,
    bp,
    common,
    errors_of,
    nonconformity_filters,
    resolved,
    submit,
    typed,
    upload_errors,
    user,
)
from core.accounts import organisation
from core.database import commit, db
from core.errors import DomainError, ValidationFailed, authorize, enforce
from core.plugin_engine.manager import registry
from core.web.links import Links


@bp.route("/nonconformities/")
def nonconformities():
    filters = nonconformity_filters()
    pagination = nc_services.list_rows(user(), page=request.args.get("page", 1, type=int), per_page=PER_PAGE, **filters)
    return render_template(
        "audits/nonconformities.html",
        pagination=pagination,
        nc_link=Links("audits.nonconformity", "reference"),
        severity_labels=resolved(SEVERITY_LABELS),
        filters=filters,
        states=[s.value for s in NcState],
        sites=nc_services.site_filter_choices(),
        departments=nc_services.departments(),
        **common(),
    )


@bp.route("/nonconformities/new", methods=["GET", "POST"])
def new_nonconformity():
    """Raise an NC by hand, or prefilled from where it was found.

    ``?source=metric&metric=<key>&site=<code>&period=<YYYY-MM>`` (a red
    measurement), ``?source=complaint&ref=<record>&site=…&department=…``
    or ``?source=plugin:<name>&ref=…`` fill the form; the user completes it.
    """
    enforce(nc_services.raise_refusal(user()))
    form = NonconformityForm(data=None if request.method == "POST" else _prefill(request.args))
    outcome = submit(
        form,
        lambda: nc_services.raise_nonconformity(
            user(),
            title=form.title.data,
            description=form.description.data,
            severity=form.severity.data,
            site=form.site.data,
            department=form.department.data,
            owner=form.owner.data or None,
            due_date=form.due_date.data,
            source=form.source.data or "manual",
            source_ref=form.source_ref.data or None,
        ),
    )
    if outcome.done:
        flash(_("%(reference)s raised.", reference=outcome.result.reference), "success")
        return redirect(url_for(".nonconformity", reference=outcome.result.reference))
    return render_template(
        "audits/nc_new.html",
        values=typed(form),
        errors=errors_of(form),
        sites=nc_services.sites_to_raise_at(user()),
        departments=nc_services.departments(),
        owners=organisation.owner_candidates(user().site_id),
        **common(),
    ), outcome.status


def _prefill(args) -> dict:
    source = args.get("source") or "manual"
    values = {
        "source": source,
        "severity": args.get("severity") or "minor",
        "site": (args.get("site") or (user().site.code if user().site else "MAIN")).upper(),
        "department": (args.get("department") or "").upper(),
        "title": args.get("title", ""),
        "description": args.get("description", ""),
        "source_ref": args.get("ref", ""),
    }
    if source == "metric" and args.get("metric"):
        metric = registry().metrics.get(args["metric"])
        name = str(metric.name) if metric else args["metric"]
        period = args.get("period", "")
        values["source_ref"] = f"metric:{args['metric']}/{values['site']}/{period}"
        values["title"] = values["title"] or _("%(metric)s off target in %(period)s", metric=name, period=period)
        if not values["department"]:
            area = args["metric"].split(".")[0].upper()
            if area in {d.code for d in nc_services.departments()}:
                values["department"] = area
    return values


def _nc_page(nc, *, errors=None, values=None, status=200):
    current = user()
    return render_template(
        "audits/nc_view.html",
        nc=nc,
        may_manage=nc_services.may_manage(current, nc),
        may_add_evidence=evidence_services.nc_evidence_refusal(current, nc) is None,
        may_plan_actions=action_services.plan_refusal(current, nc) is None,
        similar=nc_services.similar(nc),
        events=nc_services.timeline(nc) if nc_services.may_read_history(current, nc) else None,
        errors=errors or {},
        values=values or {},
        fishbone_labels=FISHBONE_LABELS,
        eight_d_labels=EIGHT_D_LABELS,
        why_rows=WHY_ROWS,
        fishbone_svg=fishbone.fishbone_svg(nc.root_cause, FISHBONE_LABELS)
        if nc.root_cause_method == "fishbone"
        else None,
        owners=organisation.owner_candidates(nc.site_id, nc.department_id),
        is_overdue=nc_services.is_overdue(nc),
        **common(),
    ), status


@bp.route("/nonconformities/<reference>")
def nonconformity(reference):
    nc = nc_services.nc_by_reference(reference)
    nc_services.require_visible(user(), nc)
    return _nc_page(nc)


@bp.route("/nonconformities/<reference>/transition", methods=["POST"])
def transition(reference):
    nc = nc_services.nc_by_reference(reference)
    authorize(nc_services.manage_refusal(user(), nc))
    form = TransitionForm()
    to = form.to.data or ""
    outcome = submit(
        form,
        lambda: nc_services.transition(
            user(),
            nc,
            to=to,
            containment=form.containment.data,
            root_cause=form.analysis() if to == "root_cause_identified" else None,
            comment=form.comment.data,
            row_version=form.row_version.data,
        ),
    )
    if outcome.done:
        flash(_("%(reference)s is now %(state)s.", reference=nc.reference, state=STATE_LABELS.get(to, to)), "success")
        return redirect(url_for(".nonconformity", reference=nc.reference))
    return _nc_page(
        nc_services.nc_by_reference(reference), errors=errors_of(form), values=typed(form), status=outcome.status
    )


@bp.route("/nonconformities/<reference>/actions", methods=["POST"])
def add_action(reference):
    nc = nc_services.nc_by_reference(reference)
    authorize(action_services.plan_refusal(user(), nc))
    form = ActionForm()
    outcome = submit(
        form,
        lambda: action_services.add_action(
            user(), nc, description=form.description.data, owner=form.owner.data, due_date=form.due_date.data
        ),
    )
    if outcome.done:
        flash(_("Corrective action %(label)s planned.", label=outcome.result.label), "success")
        return redirect(url_for(".nonconformity", reference=nc.reference))
    errors = {(f"action_{name}" if name else ""): messages for name, messages in errors_of(form).items()}
    return _nc_page(nc_services.nc_by_reference(reference), errors=errors, values=typed(form), status=outcome.status)


@bp.route("/nonconformities/<reference>/evidence", methods=["POST"])
def nc_evidence(reference):
    nc = nc_services.nc_by_reference(reference)
    authorize(evidence_services.nc_evidence_refusal(user(), nc))
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed.field("file", _("choose a photo or file first"))
        item = evidence_services.attach_to_nonconformity(user(), nc, upload.stream, upload.filename, upload.mimetype)
        commit()
        flash(_("%(name)s added as evidence.", name=item.name), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 413, 422):
            raise
        return _nc_page(nc_services.nc_by_reference(reference), errors=upload_errors(error), status=error.status)
    return redirect(url_for(".nonconformity", reference=nc.reference))
