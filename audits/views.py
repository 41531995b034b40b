"""Audit, nonconformity and corrective-action pages. Thin: every rule is in
:mod:`audits.services`.

Pages use plain HTML forms (the app-wide CSRF protection checks every POST).
A refused form is shown again with what was typed and the reason next to the
field, with the status of the refusal; the audit page does the same per
checklist item, so a note typed in the field is never lost.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from audits import rendering
from audits.models import ActionState, AuditState, NcState, Result
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from audits.services import programme as programme_services
from audits.services import rootcause
from audits.services.common import site_named
from core.accounts.models import Role, User
from core.accounts.permissions import Permission, can, require
from core.clock import today
from core.database import commit, db
from core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from core.plugins.manager import registry
from core.signatures import manifestation, signatures_for

bp = Blueprint("audits", __name__, template_folder="templates", static_folder="static",
               static_url_path="/audits/static", url_prefix="/")

PER_PAGE = 50
RESULT_LABELS = {
    Result.CONFORMING.value: _l("Conforming"),
    Result.MINOR_NC.value: _l("Minor NC"),
    Result.MAJOR_NC.value: _l("Major NC"),
    Result.OBSERVATION.value: _l("Observation"),
    Result.OFI.value: _l("Opportunity for improvement"),
    Result.NOT_APPLICABLE.value: _l("Not applicable"),
}
STATE_LABELS = {
    "planned": _l("planned"), "in_progress": _l("in progress"), "reported": _l("reported"), "closed": _l("closed"),
    "cancelled": _l("cancelled"), "open": _l("open"), "contained": _l("contained"),
    "root_cause_identified": _l("root cause identified"), "actions_planned": _l("actions planned"),
    "verifying": _l("verifying"), "done": _l("done"), "verified_effective": _l("verified effective"),
    "ineffective": _l("ineffective"), "scheduled": _l("scheduled"), "overdue": _l("overdue"),
}
SOURCE_LABELS = {"audit": _l("Audit"), "complaint": _l("Complaint"), "metric": _l("Metric"), "manual": _l("Manual")}
FISHBONE_LABELS = {"man": _l("Man (people)"), "machine": _l("Machine"), "method": _l("Method"),
                   "material": _l("Material"), "measurement": _l("Measurement"), "environment": _l("Environment")}
EIGHT_D_LABELS = {
    "d0": _l("D0 Prepare"), "d1": _l("D1 Team"), "d2": _l("D2 Problem description"), "d3": _l("D3 Containment"),
    "d4": _l("D4 Root cause"), "d5": _l("D5 Permanent corrective actions"), "d6": _l("D6 Implementation"),
    "d7": _l("D7 Prevent recurrence"), "d8": _l("D8 Recognise the team"),
}
WHY_ROWS = 5


@bp.before_request
@login_required
def _logged_in():
    return None


@bp.app_context_processor
def _labels():
    return {"audit_state_labels": STATE_LABELS}


def _user() -> User:
    return current_user._get_current_object()


def _users(*roles: Role) -> list[User]:
    users = db.session.execute(db.select(User).where(User.active.is_(True)).order_by(User.display_name)).scalars()
    return [u for u in users if not roles or u.has_role(*roles)]


def _refusal(error: DomainError) -> tuple[dict, int]:
    """Errors by field (or under "" for the whole form) and the status to answer with."""
    if not isinstance(error, (ValidationFailed, Conflict)):
        raise error
    db.session.rollback()
    errors = {}
    for item in error.errors:
        errors.setdefault(item.get("field", "").split(".")[0].split("[")[0], []).append(item["message"])
    if not errors:
        errors[""] = [error.detail]
    return errors, error.status


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.field(field, "is not a date (YYYY-MM-DD)") from None


def _common():
    return {"result_labels": RESULT_LABELS, "state_labels": STATE_LABELS, "source_labels": SOURCE_LABELS,
            "today": today()}


# Audits ---------------------------------------------------------------------------------------

@bp.route("/audits/")
def index():
    filters = {"state": request.args.get("state") or None, "site": request.args.get("site") or None,
               "year": request.args.get("year", type=int)}
    query = audit_services.list_query(_user(), **filters)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template("audits/index.html", pagination=pagination, filters=filters,
                           states=[s.value for s in AuditState], sites=nc_services.sites(),
                           can_plan=can(_user(), Permission.RUN_AUDITS), **_common())


@bp.route("/audits/programme", methods=["GET", "POST"])
def programme():
    audit_services.require_read(_user())
    site = site_named(request.values.get("site") or (_user().site.code if _user().site else "MAIN"))
    year = request.values.get("year", type=int) or today().year
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = request.form
        try:
            programme_services.add_entry(_user(), year=year, month=request.form.get("month", type=int) or 0,
                                         site=site.code, department=request.form.get("department"),
                                         area=request.form.get("area", ""), note=request.form.get("note"))
            commit()
            flash(_("Added to the programme."), "success")
            return redirect(url_for(".programme", site=site.code, year=year))
        except DomainError as error:
            errors, status = _refusal(error)
    return render_template("audits/programme.html", site=site, year=year, sites=nc_services.sites(),
                           rows=programme_services.coverage(site, year),
                           stale=programme_services.not_audited_recently(site),
                           departments=nc_services.departments(), errors=errors, values=values,
                           can_plan=can(_user(), Permission.RUN_AUDITS), **_common()), status


@bp.route("/audits/new", methods=["GET", "POST"])
def new_audit():
    require(_user(), Permission.RUN_AUDITS)
    entry = programme_services.entry_by_id(request.values.get("entry", type=int)) \
        if request.values.get("entry") else None
    errors, status = {}, 200
    if request.method == "POST":
        values = request.form.to_dict(flat=False)
        try:
            audit = audit_services.plan_audit(
                _user(), title=request.form.get("title"), site=request.form.get("site"),
                departments=request.form.getlist("departments"), scope=request.form.get("scope", ""),
                criteria=[c for c in request.form.get("criteria", "").replace(",", " ").split() if c],
                lead_auditor=request.form.get("lead_auditor"), auditors=request.form.getlist("auditors"),
                planned_date=_date(request.form.get("planned_date"), "planned_date"),
                checklists=request.form.getlist("checklists"), programme_entry=entry)
            commit()
            flash(_("Audit %(reference)s planned.", reference=audit.reference), "success")
            return redirect(url_for(".audit", reference=audit.reference))
        except DomainError as error:
            errors, status = _refusal(error)
    else:
        values = {"site": [_user().site.code if _user().site else "MAIN"], "lead_auditor": [_user().login]}
        if entry is not None:
            values = {"site": [entry.site.code], "departments": [entry.department.code],
                      "title": [_("Internal audit %(department)s — %(area)s", department=entry.department.name,
                                  area=entry.area) if entry.area else entry.department.name],
                      "scope": [entry.area], "lead_auditor": [_user().login],
                      "planned_date": [date(entry.year, entry.month, 1).isoformat()],
                      "checklists": programme_services.suggested_checklists(entry.department.code)}
    return render_template("audits/new.html", values=values, errors=errors, entry=entry,
                           sites=nc_services.sites(), departments=nc_services.departments(),
                           auditors=_users(Role.AUDITOR, Role.QUALITY_OFFICER),
                           checklists=registry().checklists, **_common()), status


@bp.route("/audits/<reference>/edit", methods=["GET", "POST"])
def edit_audit(reference):
    """Re-plan a planned audit: date, team, checklists, scope, criteria (not its site or departments)."""
    audit = audit_services.audit_by_reference(reference)
    if not audit_services.may_manage(_user(), audit):
        raise Forbidden(f"Only the lead auditor of {audit.reference} or a quality officer may re-plan it.")
    if request.method == "GET" and audit.state != AuditState.PLANNED:
        flash(_("Only a planned audit can be re-planned."), "error")
        return redirect(url_for(".audit", reference=audit.reference))
    errors, status = {}, 200
    if request.method == "POST":
        values = request.form.to_dict(flat=False)
        try:
            audit_services.update_plan(
                _user(), audit, row_version=request.form.get("row_version", type=int),
                title=request.form.get("title", ""), scope=request.form.get("scope", ""),
                criteria=[c for c in request.form.get("criteria", "").replace(",", " ").split() if c],
                lead_auditor=request.form.get("lead_auditor") or None, auditors=request.form.getlist("auditors"),
                planned_date=_date(request.form.get("planned_date"), "planned_date"),
                checklists=request.form.getlist("checklists"))
            commit()
            flash(_("%(reference)s re-planned.", reference=audit.reference), "success")
            return redirect(url_for(".audit", reference=audit.reference))
        except DomainError as error:
            errors, status = _refusal(error)
            audit = audit_services.audit_by_reference(reference)
    else:
        values = {"title": [audit.title], "scope": [audit.scope], "criteria": [" ".join(audit.criteria)],
                  "lead_auditor": [audit.lead_auditor.login], "auditors": [u.login for u in audit.auditors],
                  "planned_date": [audit.planned_date.isoformat()], "checklists": list(audit.checklist_keys),
                  "row_version": [str(audit.row_version)]}
    known = registry().checklists
    # A chosen checklist whose plugin is gone stays visible, so it can be unticked.
    gone = [key for key in audit.checklist_keys if key not in known]
    return render_template("audits/edit.html", audit=audit, values=values, errors=errors, gone=gone,
                           auditors=_users(Role.AUDITOR, Role.QUALITY_OFFICER), checklists=known,
                           **_common()), status


def _audit_page(audit, *, errors=None, failed_item=None, typed=None, status=200):
    user = _user()
    on_team = audit_services.is_on_team(user, audit)
    groups = [(checklist, [i for i in audit.items if i.checklist_id == checklist.id]) for checklist in audit.checklists]
    answered, total = audit.progress
    return render_template(
        "audits/view.html", audit=audit, groups=groups, answered=answered, total=total,
        counts=audit.result_counts(), ncs=audit_services.nonconformities_of(audit),
        signatures=[(s, manifestation(s)) for s in signatures_for(audit)],
        may_conduct=on_team and audit.state == AuditState.IN_PROGRESS and all(
            can(user, Permission.RUN_AUDITS, department_id=d.id) for d in audit.departments),
        may_start=on_team and audit.state == AuditState.PLANNED,
        may_report=user.id == audit.lead_auditor_id and audit.state == AuditState.IN_PROGRESS,
        may_manage=audit_services.may_manage(user, audit), history=audit_services.history(audit),
        may_export=can(user, Permission.EXPORT_PACK),
        errors=errors or {}, failed_item=failed_item,
        typed=typed or {}, **_common()), status


@bp.route("/audits/<reference>")
def audit(reference):
    audit_services.require_read(_user())
    return _audit_page(audit_services.audit_by_reference(reference))


@bp.route("/audits/<reference>/start", methods=["POST"])
def start(reference):
    audit = audit_services.audit_by_reference(reference)
    try:
        audit_services.start_audit(_user(), audit, row_version=request.form.get("row_version", type=int))
        commit()
        flash(_("Audit started: the checklists are copied into %(reference)s.", reference=audit.reference),
              "success")
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        flash(error.detail, "error")
    return redirect(url_for(".audit", reference=audit.reference))


@bp.route("/audits/<reference>/items/<int:item_id>", methods=["POST"])
def record(reference, item_id):
    audit = audit_services.audit_by_reference(reference)
    item = audit_services.item_of(audit, item_id)
    result = request.form.get("result") or item.result or ""
    try:
        audit_services.record_result(_user(), audit, item, result=result, note=request.form.get("note"),
                                     row_version=request.form.get("row_version", type=int))
        commit()
    except DomainError as error:
        errors, status = _refusal(error)
        audit = audit_services.audit_by_reference(reference)
        return _audit_page(audit, errors=errors, failed_item=item_id, status=status,
                           typed={"note": request.form.get("note", ""), "result": result})
    nc = nc_services.nc_for_item(item)
    if nc is not None and nc.state == NcState.OPEN and item.result in ("minor_nc", "major_nc"):
        flash(_("Saved. %(reference)s raised or updated for this finding.", reference=nc.reference), "success")
    return redirect(url_for(".audit", reference=audit.reference, _anchor=item.anchor))


@bp.route("/audits/<reference>/items/<int:item_id>/evidence", methods=["POST"])
def item_evidence(reference, item_id):
    audit = audit_services.audit_by_reference(reference)
    item = audit_services.item_of(audit, item_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed.field("file", "choose a photo or file first")
        evidence = evidence_services.attach_to_item(_user(), item, upload.stream, upload.filename, upload.mimetype)
        commit()
        flash(_("%(name)s added as evidence.", name=evidence.name), "success")
    except DomainError as error:
        if error.status == 413:
            db.session.rollback()
            return _audit_page(audit_services.audit_by_reference(reference), errors={"file": [error.detail]},
                               failed_item=item_id, status=413)
        errors, status = _refusal(error)
        return _audit_page(audit_services.audit_by_reference(reference), errors=errors, failed_item=item_id,
                           status=status)
    return redirect(url_for(".audit", reference=audit.reference, _anchor=item.anchor))


@bp.route("/audits/<reference>/report", methods=["GET", "POST"])
def report(reference):
    audit = audit_services.audit_by_reference(reference)
    audit_services.require_conduct(_user(), audit)
    errors, status = {}, 200
    values = {"summary": audit.summary or "", "conclusion": audit.conclusion or ""}
    if request.method == "POST":
        values = {"summary": request.form.get("summary", ""), "conclusion": request.form.get("conclusion", "")}
        try:
            audit_services.report_audit(_user(), audit, summary=values["summary"], conclusion=values["conclusion"],
                                        password=request.form.get("password", ""),
                                        row_version=request.form.get("row_version", type=int))
            commit()
            flash(_("Report issued and signed: %(reference)s is reported.", reference=audit.reference), "success")
            return redirect(url_for(".audit", reference=audit.reference))
        except DomainError as error:
            if error.status == 403:
                db.session.rollback()
                errors, status = {"password": [error.detail]}, 403
            else:
                errors, status = _refusal(error)
            audit = audit_services.audit_by_reference(reference)
    return render_template("audits/report.html", audit=audit, values=values, errors=errors,
                           counts=audit.result_counts(), **_common()), status


@bp.route("/audits/<reference>/close", methods=["POST"])
def close(reference):
    audit = audit_services.audit_by_reference(reference)
    try:
        audit_services.close_audit(_user(), audit, row_version=request.form.get("row_version", type=int))
        commit()
        flash(_("%(reference)s is closed.", reference=audit.reference), "success")
    except Conflict as error:
        db.session.rollback()
        flash(error.detail, "error")
    return redirect(url_for(".audit", reference=audit.reference))


@bp.route("/audits/<reference>/cancel", methods=["POST"])
def cancel(reference):
    audit = audit_services.audit_by_reference(reference)
    try:
        audit_services.cancel_audit(_user(), audit, reason=request.form.get("reason", ""),
                                    row_version=request.form.get("row_version", type=int))
        commit()
        flash(_("%(reference)s is cancelled.", reference=audit.reference), "success")
    except (ValidationFailed, Conflict) as error:
        db.session.rollback()
        flash(error.detail, "error")
    return redirect(url_for(".audit", reference=audit.reference))


@bp.route("/audits/<reference>/packs", methods=["POST"])
def export_pack(reference):
    """Start the evidence pack in the background and show its progress page."""
    from audits.jobs import start_pack_export

    job_id = start_pack_export(_user(), reference).id
    commit()
    return redirect(url_for("jobs.view", job_id=job_id))


@bp.route("/evidence/<int:evidence_id>")
def evidence(evidence_id):
    item = evidence_services.evidence_by_id(evidence_id)
    evidence_services.require_read(_user(), item)
    inline = evidence_services.shown_inline(item) and request.args.get("download") != "1"
    return send_file(evidence_services.open_content(item), mimetype=item.media_type, as_attachment=not inline,
                     download_name=item.name, etag=item.sha256, conditional=True)


# Nonconformities ------------------------------------------------------------------------------

@bp.route("/nonconformities/")
def nonconformities():
    filters = {key: request.args.get(key) or None for key in ("state", "site", "department", "source", "owner")}
    filters["overdue"] = request.args.get("overdue") == "1"
    query = nc_services.list_query(_user(), **filters)
    pagination = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template("audits/nonconformities.html", pagination=pagination, filters=filters,
                           states=[s.value for s in NcState], sites=nc_services.sites(),
                           departments=nc_services.departments(), is_overdue=nc_services.is_overdue, **_common())


@bp.route("/nonconformities/new", methods=["GET", "POST"])
def new_nonconformity():
    """Raise an NC by hand, or prefilled from where it was found.

    ``?source=metric&metric=<key>&site=<code>&period=<YYYY-MM>`` (a red
    measurement), ``?source=complaint&ref=<record>&site=…&department=…``
    or ``?source=plugin:<name>&ref=…`` fill the form; the user completes it.
    """
    require(_user(), Permission.RAISE_NC)
    errors, status = {}, 200
    if request.method == "POST":
        values = request.form.to_dict()
        try:
            nc = nc_services.raise_nonconformity(
                _user(), title=values.get("title"), description=values.get("description"),
                severity=values.get("severity"), site=values.get("site"), department=values.get("department"),
                owner=values.get("owner") or None, due_date=_date(values.get("due_date"), "due_date"),
                source=values.get("source") or "manual", source_ref=values.get("source_ref") or None)
            commit()
            flash(_("%(reference)s raised.", reference=nc.reference), "success")
            return redirect(url_for(".nonconformity", reference=nc.reference))
        except DomainError as error:
            errors, status = _refusal(error)
    else:
        values = _prefill(request.args)
    return render_template("audits/nc_new.html", values=values, errors=errors, sites=nc_services.sites(),
                           departments=nc_services.departments(), owners=_users(
                               Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD, Role.STAFF), **_common()), status


def _prefill(args) -> dict:
    source = args.get("source") or "manual"
    values = {"source": source, "severity": args.get("severity") or "minor",
              "site": (args.get("site") or (_user().site.code if _user().site else "MAIN")).upper(),
              "department": (args.get("department") or "").upper(), "title": args.get("title", ""),
              "description": args.get("description", ""), "source_ref": args.get("ref", "")}
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
    user = _user()
    return render_template(
        "audits/nc_view.html", nc=nc, may_manage=nc_services.may_manage(user, nc),
        similar=nc_services.similar(nc), events=nc_services.timeline(nc), errors=errors or {},
        values=values or {}, fishbone_labels=FISHBONE_LABELS, eight_d_labels=EIGHT_D_LABELS, why_rows=WHY_ROWS,
        fishbone_svg=rendering.fishbone_svg(nc.root_cause, FISHBONE_LABELS) if nc.root_cause_method == "fishbone"
        else None, owners=_users(Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD, Role.STAFF),
        is_overdue=nc_services.is_overdue(nc), **_common()), status


@bp.route("/nonconformities/<reference>")
def nonconformity(reference):
    nc_services.require_read(_user())
    return _nc_page(nc_services.nc_by_reference(reference))


def _root_cause_from(form) -> dict:
    method = form.get("method")
    if method == "5why":
        chain = [{"why": form.get(f"why_{n}", ""), "because": form.get(f"because_{n}", "")}
                 for n in range(1, WHY_ROWS + 1)]
        return {"method": "5why", "chain": [step for step in chain if step["why"].strip() or step["because"].strip()]}
    if method == "fishbone":
        return {"method": "fishbone", "causes": {
            category: [line.strip() for line in form.get(f"fishbone_{category}", "").splitlines() if line.strip()]
            for category in rootcause.FISHBONE_CATEGORIES}}
    if method == "8d":
        return {"method": "8d", **{key: form.get(f"8d_{key}", "") for key in rootcause.EIGHT_D}}
    return {"method": method}


@bp.route("/nonconformities/<reference>/transition", methods=["POST"])
def transition(reference):
    nc = nc_services.nc_by_reference(reference)
    to = request.form.get("to", "")
    try:
        nc_services.transition(
            _user(), nc, to=to, containment=request.form.get("containment"),
            root_cause=_root_cause_from(request.form) if to == "root_cause_identified" else None,
            comment=request.form.get("comment"), row_version=request.form.get("row_version", type=int))
        commit()
        flash(_("%(reference)s is now %(state)s.", reference=nc.reference, state=STATE_LABELS.get(to, to)),
              "success")
        return redirect(url_for(".nonconformity", reference=nc.reference))
    except DomainError as error:
        errors, status = _refusal(error)
        return _nc_page(nc_services.nc_by_reference(reference), errors=errors, values=request.form, status=status)


@bp.route("/nonconformities/<reference>/actions", methods=["POST"])
def add_action(reference):
    nc = nc_services.nc_by_reference(reference)
    try:
        action = action_services.add_action(_user(), nc, description=request.form.get("description"),
                                            owner=request.form.get("owner"),
                                            due_date=_date(request.form.get("due_date"), "due_date"))
        commit()
        flash(_("Corrective action %(label)s planned.", label=action.label), "success")
        return redirect(url_for(".nonconformity", reference=nc.reference))
    except DomainError as error:
        errors, status = _refusal(error)
        return _nc_page(nc_services.nc_by_reference(reference), errors={f"action_{k}": v for k, v in errors.items()},
                        values=request.form, status=status)


@bp.route("/nonconformities/<reference>/evidence", methods=["POST"])
def nc_evidence(reference):
    nc = nc_services.nc_by_reference(reference)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed.field("file", "choose a photo or file first")
        item = evidence_services.attach_to_nonconformity(_user(), nc, upload.stream, upload.filename,
                                                         upload.mimetype)
        commit()
        flash(_("%(name)s added as evidence.", name=item.name), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 413, 422):
            raise
        return _nc_page(nc_services.nc_by_reference(reference), errors={"file": [error.detail]},
                        status=error.status)
    return redirect(url_for(".nonconformity", reference=nc.reference))


# Actions -----------------------------------------------------------------------------------------

@bp.route("/actions/mine")
def my_actions():
    require(_user(), Permission.RAISE_NC)
    return render_template("audits/my_actions.html", mine=action_services.my_actions(_user()),
                           verify=action_services.awaiting_verification(_user()),
                           is_overdue=action_services.is_overdue, **_common())


def _action_page(action, *, errors=None, values=None, status=200):
    user = _user()
    return render_template(
        "audits/action.html", action=action, nc=action.nonconformity, errors=errors or {}, values=values or {},
        signatures=[(s, manifestation(s)) for s in signatures_for(action)],
        may_complete=action.state == ActionState.OPEN and can(user, Permission.OWN_ACTION, owner_id=action.owner_id),
        may_verify=action.state == ActionState.DONE and user.id != action.completed_by_id and can(
            user, Permission.VERIFY_EFFECTIVENESS, owner_id=action.owner_id),
        may_add_evidence=action.state in (ActionState.OPEN, ActionState.DONE) and (
            user.id == action.owner_id or nc_services.may_manage(user, action.nonconformity)),
        is_overdue=action_services.is_overdue(action), **_common()), status


@bp.route("/actions/<int:action_id>")
def action(action_id):
    nc_services.require_read(_user())
    return _action_page(action_services.action_by_id(action_id))


@bp.route("/actions/<int:action_id>/complete", methods=["POST"])
def complete_action(action_id):
    action = action_services.action_by_id(action_id)
    try:
        action_services.complete_action(_user(), action, note=request.form.get("note", ""),
                                        row_version=request.form.get("row_version", type=int))
        commit()
        flash(_("%(label)s is done; it now waits for an effectiveness check.", label=action.label), "success")
        return redirect(url_for(".action", action_id=action.id))
    except DomainError as error:
        errors, status = _refusal(error)
        return _action_page(action_services.action_by_id(action_id), errors=errors, values=request.form,
                            status=status)


@bp.route("/actions/<int:action_id>/verify", methods=["POST"])
def verify_action(action_id):
    action = action_services.action_by_id(action_id)
    try:
        action_services.verify_action(_user(), action, effective=request.form.get("effective") == "yes",
                                      note=request.form.get("verification_note", ""),
                                      password=request.form.get("password", ""),
                                      row_version=request.form.get("row_version", type=int))
        commit()
        flash(_("Verification of %(label)s recorded.", label=action.label), "success")
        return redirect(url_for(".action", action_id=action.id))
    except DomainError as error:
        if error.status == 403 and "password" in error.detail:
            db.session.rollback()
            errors, status = {"password": [error.detail]}, 403
        else:
            errors, status = _refusal(error)
        values = {"verification_note": request.form.get("verification_note", ""),
                  "effective": request.form.get("effective")}
        return _action_page(action_services.action_by_id(action_id), errors=errors, values=values, status=status)


@bp.route("/actions/<int:action_id>/evidence", methods=["POST"])
def action_evidence(action_id):
    action = action_services.action_by_id(action_id)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed.field("file", "choose a photo or file first")
        item = evidence_services.attach_to_action(_user(), action, upload.stream, upload.filename, upload.mimetype)
        commit()
        flash(_("%(name)s added as evidence.", name=item.name), "success")
    except DomainError as error:
        db.session.rollback()
        if error.status not in (409, 413, 422):
            raise
        return _action_page(action_services.action_by_id(action_id), errors={"file": [error.detail]},
                            status=error.status)
    return redirect(url_for(".action", action_id=action.id))
