"""Audits, nonconformities, corrective actions and evidence as JSON."""

from __future__ import annotations

from types import SimpleNamespace

from flask import request, send_file, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from audits.models import AuditState, NcState, Result
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import evidence as evidence_services
from audits.services import nonconformities as nc_services
from audits.services import programme as programme_services
from audits.services.common import site_named
from core.accounts.permissions import Permission
from core.api import (
    PAGE_HEADERS,
    PageArgs,
    UTCDateTime,
    api_user,
    paginate,
    token_required,
)
from core.api.schemas import SignatureSchema
from core.database import commit
from core.errors import ValidationFailed
from core.signatures import signatures_for

bp = Blueprint("audits", __name__,
               description="Internal audits (ISO 9001 9.2), nonconformities and corrective actions (10.2).")


class EvidenceSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.Function(lambda e: e.uploaded_by.login)
    uploaded_at = UTCDateTime()
    url = fields.Function(lambda e: url_for("audits_api.audits.evidence_content", evidence_id=e.id))


class AuditItemSchema(Schema):
    id = fields.Integer()
    checklist = fields.Function(lambda i: i.checklist.key)
    question_key = fields.String()
    text = fields.String()
    reference = fields.String()
    guidance = fields.String()
    result = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    answered_by = fields.Function(lambda i: i.answered_by.login if i.answered_by else None)
    answered_at = UTCDateTime(allow_none=True)
    nonconformity = fields.Function(lambda i: i.nonconformity.reference if i.nonconformity else None)
    evidence = fields.List(fields.Nested(EvidenceSchema))
    row_version = fields.Integer()


class AuditSchema(Schema):
    reference = fields.String()
    title = fields.String()
    site = fields.Function(lambda a: a.site.code)
    departments = fields.Function(lambda a: a.department_codes)
    scope = fields.String()
    criteria = fields.List(fields.String())
    criteria_revisions = fields.Dict(metadata={"description": "Per procedure code, the revision in force on the "
                                                              "audit date (set when the audit starts)."})
    checklists = fields.List(fields.String(), attribute="checklist_keys")
    lead_auditor = fields.Function(lambda a: a.lead_auditor.login)
    auditors = fields.Function(lambda a: [u.login for u in a.auditors])
    planned_date = fields.Date()
    state = fields.String()
    started_at = UTCDateTime(allow_none=True)
    reported_at = UTCDateTime(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    row_version = fields.Integer()


class AuditDetailSchema(AuditSchema):
    summary = fields.String(allow_none=True)
    conclusion = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    items_summary = fields.Function(lambda a: {"answered": a.progress[0], "total": a.progress[1],
                                               "counts": a.result_counts()})
    nonconformities = fields.Function(lambda a: [{"reference": nc.reference, "state": nc.state,
                                                  "severity": nc.severity}
                                                 for nc in audit_services.nonconformities_of(a)])
    signatures = fields.Function(lambda a: SignatureSchema(many=True).dump(signatures_for(a)))


class AuditListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf([s.value for s in AuditState]))
    site = fields.String()
    department = fields.String()
    year = fields.Integer()


class AuditCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    site = fields.String(required=True)
    departments = fields.List(fields.String(), required=True)
    scope = fields.String(load_default="")
    criteria = fields.List(fields.String(), load_default=list, metadata={"description": "Procedure codes."})
    lead_auditor = fields.String(required=True)
    auditors = fields.List(fields.String(), load_default=list)
    planned_date = fields.Date(required=True)
    checklists = fields.List(fields.String(), required=True, metadata={"description": "Checklist keys from plugins."})
    programme_entry = fields.Integer(load_default=None)


class AuditUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    scope = fields.String()
    criteria = fields.List(fields.String(), metadata={"description": "Procedure codes."})
    lead_auditor = fields.String()
    auditors = fields.List(fields.String())
    planned_date = fields.Date()
    checklists = fields.List(fields.String(), metadata={"description": "Checklist keys from plugins."})
    row_version = fields.Integer(required=True)


class AuditRowVersionSchema(Schema):
    row_version = fields.Integer(load_default=None)


class AuditItemUpdateSchema(Schema):
    result = fields.String(required=True, validate=validate.OneOf([r.value for r in Result]))
    note = fields.String(load_default=None, allow_none=True)
    row_version = fields.Integer(load_default=None)


class AuditReportSchema(Schema):
    summary = fields.String(required=True)
    conclusion = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    row_version = fields.Integer(load_default=None)


class AuditCancelSchema(Schema):
    reason = fields.String(required=True)
    row_version = fields.Integer(load_default=None)


class CorrectiveActionSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    nonconformity = fields.Function(lambda a: a.nonconformity.reference)
    number = fields.Integer()
    description = fields.String()
    owner = fields.Function(lambda a: a.owner.login)
    due_date = fields.Date()
    state = fields.String()
    overdue = fields.Function(action_services.is_overdue)
    completion_note = fields.String(allow_none=True)
    completed_at = UTCDateTime(allow_none=True)
    completed_by = fields.Function(lambda a: a.completed_by.login if a.completed_by else None)
    verification_note = fields.String(allow_none=True)
    verified_at = UTCDateTime(allow_none=True)
    verified_by = fields.Function(lambda a: a.verified_by.login if a.verified_by else None)
    evidence = fields.List(fields.Nested(EvidenceSchema))
    signatures = fields.Function(lambda a: SignatureSchema(many=True).dump(signatures_for(a)))
    row_version = fields.Integer()


class NonconformitySchema(Schema):
    reference = fields.String()
    title = fields.String()
    description = fields.String()
    source = fields.String()
    source_ref = fields.String(allow_none=True)
    audit = fields.Function(lambda nc: nc.audit.reference if nc.audit else None)
    audit_item = fields.Integer(attribute="audit_item_id", allow_none=True)
    severity = fields.String()
    site = fields.Function(lambda nc: nc.site.code)
    department = fields.Function(lambda nc: nc.department.code)
    owner = fields.Function(lambda nc: nc.owner.login if nc.owner else None)
    due_date = fields.Date(allow_none=True)
    overdue = fields.Function(nc_services.is_overdue)
    state = fields.String()
    raised_by = fields.Function(lambda nc: nc.raised_by.login if nc.raised_by else None)
    raised_at = UTCDateTime()
    closed_at = UTCDateTime(allow_none=True)
    row_version = fields.Integer()


class NcHistoryEventSchema(Schema):
    seq = fields.Integer()
    at = UTCDateTime()
    actor = fields.String()
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    changed_fields = fields.Dict()
    reason = fields.String(allow_none=True)


class NonconformityDetailSchema(NonconformitySchema):
    containment = fields.String(allow_none=True)
    contained_at = UTCDateTime(allow_none=True)
    root_cause = fields.Dict(allow_none=True)
    root_cause_at = UTCDateTime(allow_none=True)
    actions = fields.List(fields.Nested(CorrectiveActionSchema))
    evidence = fields.List(fields.Nested(EvidenceSchema))
    links = fields.Function(lambda nc: _links(nc))
    similar = fields.Function(lambda nc: [other.reference for other in nc_services.similar(nc)])
    history = fields.Function(lambda nc: NcHistoryEventSchema(many=True).dump(nc_services.timeline(nc)))


def _links(nc) -> dict:
    links = {"self": url_for("audits_api.audits.get_nonconformity", reference=nc.reference)}
    if nc.audit is not None:
        links["audit"] = url_for("audits_api.audits.get_audit", reference=nc.audit.reference)
    if nc.audit_item_id is not None:
        links["audit_item"] = url_for("audits_api.audits.list_items", reference=nc.audit.reference) + \
            f"#{nc.audit_item_id}"
    return links


class NcListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf([s.value for s in NcState] + ["not_closed"]))
    site = fields.String()
    department = fields.String()
    overdue = fields.Boolean()
    source = fields.String()
    owner = fields.String()


class NcCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="")
    severity = fields.String(required=True, validate=validate.OneOf(["minor", "major"]))
    site = fields.String(required=True)
    department = fields.String(required=True)
    owner = fields.String(load_default=None, allow_none=True)
    due_date = fields.Date(load_default=None, allow_none=True)
    source = fields.String(load_default="manual", metadata={"description": "complaint, metric, manual or "
                                                                          "plugin:<name>"})
    source_ref = fields.String(load_default=None, allow_none=True)


class NcUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    description = fields.String()
    owner = fields.String()
    due_date = fields.Date()
    row_version = fields.Integer(required=True)


class NcTransitionSchema(Schema):
    to = fields.String(required=True)
    containment = fields.String(load_default=None)
    root_cause = fields.Raw(load_default=None, metadata={"description": "5why, fishbone or 8d analysis."})
    comment = fields.String(load_default=None)
    row_version = fields.Integer(load_default=None)


class ActionCreateSchema(Schema):
    description = fields.String(required=True)
    owner = fields.String(required=True)
    due_date = fields.Date(required=True)


class ActionCompleteSchema(Schema):
    note = fields.String(required=True)
    row_version = fields.Integer(load_default=None)


class ActionVerifySchema(Schema):
    effective = fields.Boolean(required=True)
    note = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    row_version = fields.Integer(load_default=None)


class ActionListArgs(PageArgs):
    mine = fields.Boolean(load_default=False)
    overdue = fields.Boolean(load_default=False)


class ProgrammeArgs(Schema):
    site = fields.String(required=True)
    year = fields.Integer(required=True)


class ProgrammeEntrySchema(Schema):
    id = fields.Integer()
    year = fields.Integer()
    month = fields.Integer()
    site = fields.Function(lambda c: c.entry.site.code)
    department = fields.Function(lambda c: c.entry.department.code)
    area = fields.Function(lambda c: c.entry.area)
    status = fields.String()
    audit = fields.Function(lambda c: c.audit.reference if c.audit else None)


class ProgrammeSchema(Schema):
    entries = fields.List(fields.Nested(ProgrammeEntrySchema))
    not_audited_in_12_months = fields.List(fields.String())


class ProgrammeEntryCreateSchema(Schema):
    site = fields.String(required=True)
    year = fields.Integer(required=True)
    month = fields.Integer(required=True)
    department = fields.String(required=True)
    area = fields.String(load_default="")
    note = fields.String(load_default=None)


def _entry_row(entry, status, audit) -> SimpleNamespace:
    return SimpleNamespace(id=entry.id, year=entry.year, month=entry.month, status=status, entry=entry, audit=audit)


UPLOAD_SCHEMA = {"multipart/form-data": {"schema": {"type": "object", "properties": {
    "file": {"type": "string", "format": "binary"}}, "required": ["file"]}}}


def _upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed.field("file", "send the file as multipart/form-data in the field 'file'")
    return upload


# Programme ---------------------------------------------------------------------------

@bp.route("/audit-programme")
@token_required(Permission.READ_DRAFTS)
@bp.arguments(ProgrammeArgs, location="query")
@bp.response(200, ProgrammeSchema)
def get_programme(args):
    """A site's programme for a year, with each entry's status, and departments not audited in 12 months."""
    site = site_named(args["site"])
    rows = programme_services.coverage(site, args["year"])
    return {"entries": [_entry_row(c.entry, c.status, c.audit) for c in rows],
            "not_audited_in_12_months": [d.code for d, _ in programme_services.not_audited_recently(site)]}


@bp.route("/audit-programme", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(ProgrammeEntryCreateSchema)
@bp.response(201, ProgrammeEntrySchema)
def add_programme_entry(data):
    """Plan a department's audit in a month of the site's programme."""
    entry = programme_services.add_entry(api_user(), **data)
    commit()
    return _entry_row(entry, "planned", None), 201


# Audits ---------------------------------------------------------------------------------

@bp.route("/audits")
@token_required(Permission.READ_DRAFTS)
@bp.arguments(AuditListArgs, location="query")
@bp.response(200, AuditSchema(many=True), headers=PAGE_HEADERS)
def list_audits(args):
    """Audits, newest planned date first; filters: state, site, department, year."""
    query = audit_services.list_query(api_user(), state=args.get("state"), site=args.get("site"),
                                      year=args.get("year"), department=args.get("department"))
    return paginate(query, args)


@bp.route("/audits", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditCreateSchema)
@bp.response(201, AuditDetailSchema)
def plan_audit(data):
    """Plan an audit; refuses unknown checklists and auditors of an audited department (422)."""
    entry = data.pop("programme_entry")
    audit = audit_services.plan_audit(
        api_user(), **data, programme_entry=programme_services.entry_by_id(entry) if entry else None)
    commit()
    return audit, 201, {"Location": url_for(".get_audit", reference=audit.reference)}


@bp.route("/audits/<reference>")
@token_required(Permission.READ_DRAFTS)
@bp.response(200, AuditDetailSchema)
def get_audit(reference):
    """The audit with its state, a summary of its items, its NCs and signatures."""
    return audit_services.audit_by_reference(reference)


@bp.route("/audits/<reference>", methods=["PATCH"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditUpdateSchema)
@bp.response(200, AuditDetailSchema)
@bp.alt_response(409, response="CONFLICT")
def update_audit(data, reference):
    """Re-plan a planned audit (lead auditor or quality officer): only the fields sent change.

    Stale ``row_version`` or an audit no longer planned → 409; the planning
    rules (impartiality, known checklists and procedures) apply again.
    """
    return _audit_action(reference, audit_services.update_plan, **data)


def _audit_action(reference, action, **kwargs):
    audit = audit_services.audit_by_reference(reference)
    action(api_user(), audit, **kwargs)
    commit()
    return audit


@bp.route("/audits/<reference>/start", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditRowVersionSchema)
@bp.response(200, AuditDetailSchema)
def start_audit(data, reference):
    """Planned → in progress; the checklists' questions are copied into the audit."""
    return _audit_action(reference, audit_services.start_audit, row_version=data.get("row_version"))


@bp.route("/audits/<reference>/items")
@token_required(Permission.READ_DRAFTS)
@bp.response(200, AuditItemSchema(many=True))
def list_items(reference):
    """The audit's checklist items (its snapshot) with results, notes and evidence."""
    return audit_services.audit_by_reference(reference).items


@bp.route("/audits/<reference>/items/<int:item_id>", methods=["PUT"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditItemUpdateSchema)
@bp.response(200, AuditItemSchema)
def record_item(data, reference, item_id):
    """Record a result and note; minor_nc/major_nc raise (or update) the item's NC."""
    audit = audit_services.audit_by_reference(reference)
    item = audit_services.item_of(audit, item_id)
    audit_services.record_result(api_user(), audit, item, result=data["result"], note=data.get("note"),
                                 row_version=data.get("row_version"))
    commit()
    return item


@bp.route("/audits/<reference>/items/<int:item_id>/evidence", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
def upload_item_evidence(reference, item_id):
    """Upload a file for an item (multipart, field ``file``): checked by content, stored by SHA-256."""
    audit = audit_services.audit_by_reference(reference)
    item = audit_services.item_of(audit, item_id)
    upload = _upload()
    evidence = evidence_services.attach_to_item(api_user(), item, upload.stream, upload.filename,
                                                upload.mimetype)
    commit()
    return evidence, 201


@bp.route("/audits/<reference>/report", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditReportSchema)
@bp.response(200, AuditDetailSchema)
def report_audit(data, reference):
    """Issue the report, signed by the lead auditor with their password → reported."""
    return _audit_action(reference, audit_services.report_audit, summary=data["summary"],
                         conclusion=data["conclusion"], password=data["password"],
                         row_version=data.get("row_version"))


@bp.route("/audits/<reference>/close", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditRowVersionSchema)
@bp.response(200, AuditDetailSchema)
def close_audit(data, reference):
    """Reported → closed, when every NC it raised is closed (409 naming the others)."""
    return _audit_action(reference, audit_services.close_audit, row_version=data.get("row_version"))


@bp.route("/audits/<reference>/cancel", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditCancelSchema)
@bp.response(200, AuditDetailSchema)
def cancel_audit(data, reference):
    """Cancel a planned or running audit that raised no NC, with a reason."""
    return _audit_action(reference, audit_services.cancel_audit, reason=data["reason"],
                         row_version=data.get("row_version"))


# Nonconformities ---------------------------------------------------------------------------

@bp.route("/nonconformities")
@token_required(Permission.RAISE_NC)
@bp.arguments(NcListArgs, location="query")
@bp.response(200, NonconformitySchema(many=True), headers=PAGE_HEADERS)
def list_nonconformities(args):
    """NCs, newest first; filters: state (or not_closed), site, department, overdue, source, owner."""
    query = nc_services.list_query(api_user(), state=args.get("state"), site=args.get("site"),
                                   department=args.get("department"), overdue=args.get("overdue", False),
                                   source=args.get("source"), owner=args.get("owner"))
    return paginate(query, args)


@bp.route("/nonconformities", methods=["POST"])
@token_required(Permission.RAISE_NC)
@bp.arguments(NcCreateSchema)
@bp.response(201, NonconformityDetailSchema)
def raise_nonconformity(data):
    """Raise an NC; owner defaults to the department's head, the due date to 30 (major) or 60 (minor) days."""
    nc = nc_services.raise_nonconformity(api_user(), **data)
    commit()
    return nc, 201, {"Location": url_for(".get_nonconformity", reference=nc.reference)}


@bp.route("/nonconformities/<reference>")
@token_required(Permission.RAISE_NC)
@bp.response(200, NonconformityDetailSchema)
def get_nonconformity(reference):
    """The NC with its actions, evidence, links, similar NCs and history."""
    nc_services.require_read(api_user())
    return nc_services.nc_by_reference(reference)


@bp.route("/nonconformities/<reference>", methods=["PATCH"])
@token_required(Permission.RAISE_NC)
@bp.arguments(NcUpdateSchema)
@bp.response(200, NonconformityDetailSchema)
def update_nonconformity(data, reference):
    """Title, description, owner or due date of an NC that is not closed."""
    nc = nc_services.nc_by_reference(reference)
    nc_services.update_nonconformity(api_user(), nc, **data)
    commit()
    return nc


@bp.route("/nonconformities/<reference>/transition", methods=["POST"])
@token_required(Permission.RAISE_NC)
@bp.arguments(NcTransitionSchema)
@bp.response(200, NonconformityDetailSchema)
def transition_nonconformity(data, reference):
    """Move the NC on: contained (containment), root_cause_identified (root_cause),
    actions_planned, verifying, closed."""
    nc = nc_services.nc_by_reference(reference)
    nc_services.transition(api_user(), nc, **data)
    commit()
    return nc


@bp.route("/nonconformities/<reference>/actions", methods=["POST"])
@token_required(Permission.RAISE_NC)
@bp.arguments(ActionCreateSchema)
@bp.response(201, CorrectiveActionSchema)
def add_action(data, reference):
    """Plan a corrective action (once the root cause is identified)."""
    nc = nc_services.nc_by_reference(reference)
    action = action_services.add_action(api_user(), nc, **data)
    commit()
    return action, 201


@bp.route("/nonconformities/<reference>/evidence", methods=["POST"])
@token_required(Permission.RAISE_NC)
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
def upload_nc_evidence(reference):
    """Upload a file for the NC (multipart, field ``file``)."""
    nc = nc_services.nc_by_reference(reference)
    upload = _upload()
    evidence = evidence_services.attach_to_nonconformity(api_user(), nc, upload.stream, upload.filename,
                                                         upload.mimetype)
    commit()
    return evidence, 201


# Actions ------------------------------------------------------------------------------------

@bp.route("/actions")
@token_required(Permission.RAISE_NC)
@bp.arguments(ActionListArgs, location="query")
@bp.response(200, CorrectiveActionSchema(many=True), headers=PAGE_HEADERS)
def list_actions(args):
    """Corrective actions by due date; ``mine`` for the caller's unverified ones, ``overdue``."""
    query = action_services.actions_query(owner=api_user() if args["mine"] else None,
                                          open_only=args["mine"], overdue=args["overdue"])
    return paginate(query, args)


@bp.route("/actions/<int:action_id>")
@token_required(Permission.RAISE_NC)
@bp.response(200, CorrectiveActionSchema)
def get_action(action_id):
    """One corrective action with its evidence and signatures."""
    return action_services.action_by_id(action_id)


@bp.route("/actions/<int:action_id>/complete", methods=["POST"])
@token_required(Permission.OWN_ACTION)
@bp.arguments(ActionCompleteSchema)
@bp.response(200, CorrectiveActionSchema)
def complete_action(data, action_id):
    """Open → done, with a note of what was done."""
    action = action_services.action_by_id(action_id)
    action_services.complete_action(api_user(), action, **data)
    commit()
    return action


@bp.route("/actions/<int:action_id>/verify", methods=["POST"])
@token_required(Permission.VERIFY_EFFECTIVENESS)
@bp.arguments(ActionVerifySchema)
@bp.response(200, CorrectiveActionSchema)
def verify_action(data, action_id):
    """Done → verified_effective (signed, password) or ineffective; never by the action's owner."""
    action = action_services.action_by_id(action_id)
    action_services.verify_action(api_user(), action, **data)
    commit()
    return action


@bp.route("/actions/<int:action_id>/evidence", methods=["POST"])
@token_required(Permission.RAISE_NC)
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
def upload_action_evidence(action_id):
    """Upload a file for the action (multipart, field ``file``)."""
    action = action_services.action_by_id(action_id)
    upload = _upload()
    evidence = evidence_services.attach_to_action(api_user(), action, upload.stream, upload.filename,
                                                  upload.mimetype)
    commit()
    return evidence, 201


# Evidence --------------------------------------------------------------------------------------

@bp.route("/evidence/<int:evidence_id>")
@token_required()
@bp.response(200, EvidenceSchema)
def get_evidence(evidence_id):
    """Name, type, size, SHA-256, uploader and time of an evidence file."""
    evidence = evidence_services.evidence_by_id(evidence_id)
    evidence_services.require_read(api_user(), evidence)
    return evidence


@bp.route("/evidence/<int:evidence_id>/content")
@token_required()
@bp.response(200, {"format": "binary", "type": "string"}, content_type="application/octet-stream")
def evidence_content(evidence_id):
    """The file itself, as an attachment."""
    evidence = evidence_services.evidence_by_id(evidence_id)
    evidence_services.require_read(api_user(), evidence)


    return send_file(evidence_services.open_content(evidence), mimetype=evidence.media_type, as_attachment=True,
                     download_name=evidence.name, etag=evidence.sha256, conditional=True)


class PackJobSchema(Schema):
    id = fields.String()
    state = fields.String()
    progress = fields.Integer()
    url = fields.String(metadata={"description": "The job: poll it until its state is done or failed."})


@bp.route("/audits/<reference>/packs", methods=["POST"])
@token_required(Permission.EXPORT_PACK)
@bp.response(202, PackJobSchema, headers={"Location": {"description": "The job's URL.",
                                                       "schema": {"type": "string"}}})
@bp.alt_response(404, response="NOT_FOUND")
def start_pack(reference):
    """Start building the audit's evidence pack in the background; fetch it from the job once done."""
    from audits.jobs import start_pack_export
    from core.jobs.api import job_url

    job = start_pack_export(api_user(), reference)
    url = job_url(job)
    body = {"id": job.id, "state": job.state, "progress": job.progress, "url": url}
    commit()
    return body, 202, {"Location": url}
