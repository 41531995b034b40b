"""The audit pages: list, planning, re-planning, the field view with its
checklist results and evidence, report, close, cancel, evidence pack."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from audits import scoring
from audits.forms import (
    AuditCancelForm,
    AuditPlanForm,
    AuditReplanForm,
    AuditStateForm,
    ReportForm,
    ResultForm,
)
from audits.jobs import start_pack_export
from audits.models import AuditState, NcState
from audits.services import audits as audit_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from audits.services import programme as programme_services
from audits.views.shared import (
    PER_PAGE,
    audit_filters,
    bp,
    common,
    errors_of,
    submit,
    typed,
    upload_errors,
    user,
)
from core.accounts.permissions import Permission, can, require
from core.checklists import catalog
from core.database import commit, db
from core.errors import DomainError, ValidationFailed, authorize, enforce
from core.signatures import manifestation, signatures_for
from core.web.forms_support import refusal_status
from core.web.links import Links


@bp.route("/audits/")
def index():
    filters = audit_filters()
    pagination = audit_services.list_rows(
        user(), page=request.args.get("page", 1, type=int), per_page=PER_PAGE, **filters
    )
    return render_template(
        "audits/index.html",
        pagination=pagination,
        audit_link=Links("audits.audit", "reference"),
        filters=filters,
        states=[s.value for s in AuditState],
        sites=nc_services.site_filter_choices(),
        can_plan=can(user(), Permission.RUN_AUDITS),
        **common(),
    )


@bp.route("/audits/new", methods=["GET", "POST"])
def new_audit():
    require(user(), Permission.RUN_AUDITS)
    entry = programme_services.entry_by_id(request.args.get("entry", type=int)) if request.args.get("entry") else None
    form = AuditPlanForm()
    site = entry.site if entry is not None else user().site
    if not form.is_submitted():
        form.site.data = site.code if site else "MAIN"
        departments = [entry.department.id] if entry is not None else []
        lead = audit_services.default_lead_auditor(user(), site, departments)
        form.lead_auditor.data = lead.login if lead else None
        form.planned_date.data = audit_services.default_planned_date(
            date(entry.year, entry.month, 1) if entry is not None else None
        )
        if entry is not None:
            form.departments.data = [entry.department.code]
            form.title.data = (
                _("Internal audit %(department)s — %(area)s", department=entry.department.label, area=entry.area)
                if entry.area
                else entry.department.label
            )
            form.scope.data = entry.area
            form.checklists.data = programme_services.suggested_checklists(entry.department.code)
    outcome = submit(
        form,
        lambda: audit_services.plan_audit(
            user(),
            title=form.title.data,
            site=form.site.data,
            departments=form.departments.data,
            scope=form.scope.data or "",
            criteria=form.criteria_codes,
            lead_auditor=form.lead_auditor.data,
            auditors=form.auditors.data,
            planned_date=form.planned_date.data,
            checklists=form.checklists.data,
            programme_entry=entry,
        ),
    )
    if outcome.done:
        flash(_("Audit %(reference)s planned.", reference=outcome.result.reference), "success")
        return redirect(url_for(".audit", reference=outcome.result.reference))
    return render_template(
        "audits/new.html",
        values=typed(form, lists=True),
        errors=errors_of(form),
        entry=entry,
        sites=nc_services.sites(),
        departments=nc_services.departments(),
        auditors=audit_services.auditor_candidates(site),
        no_auditor=audit_services.no_auditor_advice(site, [entry.department.id] if entry is not None else []),
        checklists=catalog.checklists(),
        **common(),
    ), outcome.status


@bp.route("/audits/<reference>/edit", methods=["GET", "POST"])
def edit_audit(reference):
    """Re-plan a planned audit: date, team, checklists, scope, criteria (not its site or departments)."""
    audit = audit_services.audit_by_reference(reference)
    enforce(audit_services.manage_refusal(user(), audit))
    if request.method == "GET" and audit_services.replan_refusal(user(), audit):
        flash(_("Only a planned audit can be re-planned."), "error")
        return redirect(url_for(".audit", reference=audit.reference))
    form = AuditReplanForm()
    if not form.is_submitted():
        form.title.data, form.scope.data, form.criteria.data = audit.title, audit.scope, " ".join(audit.criteria)
        form.lead_auditor.data, form.auditors.data = audit.lead_auditor.login, [u.login for u in audit.auditors]
        form.planned_date.data, form.checklists.data = audit.planned_date, list(audit.checklist_keys)
        form.row_version.data = audit.row_version
    outcome = submit(
        form,
        lambda: audit_services.update_plan(
            user(),
            audit,
            row_version=form.row_version.data,
            title=form.title.data or "",
            scope=form.scope.data or "",
            criteria=form.criteria_codes,
            lead_auditor=form.lead_auditor.data or None,
            auditors=form.auditors.data,
            planned_date=form.planned_date.data,
            checklists=form.checklists.data,
        ),
    )
    if outcome.done:
        flash(_("%(reference)s re-planned.", reference=audit.reference), "success")
        return redirect(url_for(".audit", reference=audit.reference))
    if form.is_submitted():
        audit = audit_services.audit_by_reference(reference)
    values = typed(form, lists=True)
    values["row_version"] = [str(form.row_version.data if form.row_version.data is not None else audit.row_version)]
    known = catalog.checklists()
    # A chosen checklist whose plugin is gone stays visible, so it can be unticked.
    gone = [key for key in audit.checklist_keys if key not in known]
    return render_template(
        "audits/edit.html",
        audit=audit,
        values=values,
        errors=errors_of(form),
        gone=gone,
        auditors=audit_services.auditor_candidates(audit.site, [d.id for d in audit.departments]),
        no_auditor=audit_services.no_auditor_advice(audit.site, [d.id for d in audit.departments]),
        checklists=known,
        **common(),
    ), outcome.status


def _audit_page(audit, *, errors=None, failed_item=None, typed_values=None, status=200):
    current = user()
    groups = [(checklist, [i for i in audit.items if i.checklist_id == checklist.id]) for checklist in audit.checklists]
    answered, total = audit.progress
    return render_template(
        "audits/view.html",
        audit=audit,
        groups=groups,
        answered=answered,
        total=total,
        counts=audit.result_counts(),
        score=scoring.score_audit(audit),
        takes_points=scoring.takes_points,
        ncs=audit_services.nonconformities_of(audit),
        signatures=[(s, manifestation(s)) for s in signatures_for(audit)],
        may_conduct=audit_services.record_refusal(current, audit) is None,
        may_start=audit_services.start_refusal(current, audit) is None,
        may_report=audit_services.report_refusal(current, audit) is None,
        may_manage=audit_services.may_manage(current, audit),
        may_replan=audit_services.replan_refusal(current, audit) is None,
        may_close=audit_services.close_refusal(current, audit) is None,
        may_cancel=audit_services.cancel_refusal(current, audit) is None,
        history=audit_services.history(audit),
        # Until it starts, a planned audit has only its checklists' keys: their titles come from the plugins.
        known_checklists=catalog.checklists(),
        may_export=audit_services.export_refusal(current, audit) is None,
        errors=errors or {},
        failed_item=failed_item,
        typed=typed_values or {},
        **common(),
    ), status


@bp.route("/audits/<reference>")
def audit(reference):
    audit = audit_services.audit_by_reference(reference)
    audit_services.require_visible(user(), audit)
    return _audit_page(audit)


def _state_change(reference, form, refusal_of, change, done_message):
    """Start, close or cancel from the audit page: who may not is answered 404 (outside their
    scope) or 403 with the reason; the audit's state or a missing reason is flashed there."""
    audit = audit_services.audit_by_reference(reference)
    authorize(refusal_of(user(), audit))
    outcome = submit(form, lambda: change(audit))
    if outcome.done:
        flash(done_message(audit), "success")
    else:
        for messages in errors_of(form).values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for(".audit", reference=audit.reference))


@bp.route("/audits/<reference>/start", methods=["POST"])
def start(reference):
    form = AuditStateForm()
    return _state_change(
        reference,
        form,
        audit_services.start_refusal,
        lambda audit: audit_services.start_audit(user(), audit, row_version=form.row_version.data),
        lambda audit: _("Audit started: the checklists are copied into %(reference)s.", reference=audit.reference),
    )


@bp.route("/audits/<reference>/items/<int:item_id>", methods=["POST"])
def record(reference, item_id):
    # Field work sends this once per question: it loads the one item, not the audit's others.
    audit = audit_services.audit_for_recording(reference)
    item = audit_services.item_of(audit, item_id)
    authorize(audit_services.record_refusal(user(), audit))
    form = ResultForm()

    def record_it():
        audit_services.record_result(
            user(),
            audit,
            item,
            result=form.result.data or item.result or "",
            note=form.note.data,
            row_version=form.row_version.data,
            points=form.points.data if "points" in request.form else item.points,
        )
        nc = item.nonconformity
        # Read before the commit expires them.
        return (
            audit.reference,
            item.anchor,
            nc.reference
            if nc is not None and nc.state == NcState.OPEN and item.result in ("minor_nc", "major_nc")
            else None,
        )

    outcome = submit(form, record_it)
    if not outcome.done:
        return _audit_page(
            audit_services.audit_by_reference(reference),
            errors=errors_of(form),
            failed_item=item_id,
            status=outcome.status,
            typed_values={
                "note": form.note.data or "",
                "result": form.result.data or "",
                "points": form.points.data or "",
            },
        )
    audit_reference, anchor, raised = outcome.result
    if raised:
        flash(_("Saved. %(reference)s raised or updated for this finding.", reference=raised), "success")
    return redirect(url_for(".audit", reference=audit_reference, _anchor=anchor))


@bp.route("/audits/<reference>/items/<int:item_id>/evidence", methods=["POST"])
def item_evidence(reference, item_id):
    audit = audit_services.audit_by_reference(reference)
    item = audit_services.item_of(audit, item_id)
    authorize(audit_services.evidence_refusal(user(), audit))
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed.field("file", _("choose a photo or file first"))
        evidence = evidence_services.attach_to_item(user(), item, upload.stream, upload.filename, upload.mimetype)
        commit()
        flash(_("%(name)s added as evidence.", name=evidence.name), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 413, 422):
            raise
        return _audit_page(
            audit_services.audit_by_reference(reference),
            errors=upload_errors(error),
            failed_item=item_id,
            status=error.status,
        )
    return redirect(url_for(".audit", reference=audit.reference, _anchor=item.anchor))


@bp.route("/audits/<reference>/report", methods=["GET", "POST"])
def report(reference):
    audit = audit_services.audit_by_reference(reference)
    authorize(audit_services.report_refusal(user(), audit))
    form = ReportForm()
    if not form.is_submitted():
        form.summary.data, form.conclusion.data = audit.summary or "", audit.conclusion or ""
    status = 200
    if form.validate_on_submit():
        try:
            audit_services.report_audit(
                user(),
                audit,
                summary=form.summary.data,
                conclusion=form.conclusion.data,
                password=form.password.data or "",
                row_version=form.row_version.data,
            )
            commit()
            flash(_("Report issued and signed: %(reference)s is reported.", reference=audit.reference), "success")
            return redirect(url_for(".audit", reference=audit.reference))
        except DomainError as error:
            if error.status == 403:
                db.session.rollback()
                form.password.errors = [error.detail]
                status = 403
            else:
                status = refusal_status(form, error)
            audit = audit_services.audit_by_reference(reference)
    elif form.is_submitted():
        status = 422
    values = typed(form)
    return render_template(
        "audits/report.html",
        audit=audit,
        values={k: values[k] for k in ("summary", "conclusion")},
        errors=errors_of(form),
        counts=audit.result_counts(),
        score=scoring.score_audit(audit),
        **common(),
    ), status


@bp.route("/audits/<reference>/close", methods=["POST"])
def close(reference):
    form = AuditStateForm()
    return _state_change(
        reference,
        form,
        audit_services.close_refusal,
        lambda audit: audit_services.close_audit(user(), audit, row_version=form.row_version.data),
        lambda audit: _("%(reference)s is closed.", reference=audit.reference),
    )


@bp.route("/audits/<reference>/cancel", methods=["POST"])
def cancel(reference):
    form = AuditCancelForm()
    return _state_change(
        reference,
        form,
        audit_services.cancel_refusal,
        lambda audit: audit_services.cancel_audit(
            user(), audit, reason=form.reason.data or "", row_version=form.row_version.data
        ),
        lambda audit: _("%(reference)s is cancelled.", reference=audit.reference),
    )


@bp.route("/audits/<reference>/packs", methods=["POST"])
def export_pack(reference):
    """Start the evidence pack in the background and show its progress page."""
    job_id = start_pack_export(user(), reference).id
    commit()
    return redirect(url_for("jobs.view", job_id=job_id))
