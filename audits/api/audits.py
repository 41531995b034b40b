"""Audits: planning, starting, recording checklist results, report, close, cancel, evidence pack."""

from __future__ import annotations

from flask import jsonify, url_for
from sqlalchemy.orm import selectinload

from audits import scoring
from audits.api.schemas import (
    AuditCancelSchema,
    AuditCreateSchema,
    AuditDetailSchema,
    AuditItemSchema,
    AuditItemUpdateSchema,
    AuditListArgs,
    AuditReportSchema,
    AuditRowVersionSchema,
    AuditSchema,
    AuditScoreSchema,
    AuditUpdateSchema,
    EvidenceSchema,
)
from audits.api.shared import UPLOAD_SCHEMA, _upload, bp
from audits.models import Audit
from audits.services import audits as audit_services
from audits.services import evidence as evidence_services
from audits.services import programme as programme_services
from core.accounts.permissions import Permission
from core.api import PAGE_HEADERS, api_user, loaded, may_refuse, paginate, token_required
from core.database import commit
from core.errors import NotFound, ValidationFailed


def _guard(refusal_of, loader=audit_services.audit_by_reference):
    """The guard of an operation on the audit the URL names: ``refusal_of(user, audit)``."""
    return lambda user, reference, **_: refusal_of(user, loaded(loader, reference))


@bp.route("/audits")
@token_required(Permission.READ_DRAFTS)
@bp.arguments(AuditListArgs, location="query")
@bp.response(200, AuditSchema(many=True), headers=PAGE_HEADERS)
def list_audits(args):
    """Audits, newest planned date first; filters: state, site, department, year."""
    query = audit_services.list_query(
        api_user(),
        state=args.get("state"),
        site=args.get("site"),
        year=args.get("year"),
        department=args.get("department"),
    ).options(selectinload(Audit.items))
    return paginate(query, args)


@bp.route("/audits", methods=["POST"])
@token_required(Permission.RUN_AUDITS)
@bp.arguments(AuditCreateSchema)
@bp.response(201, AuditDetailSchema)
def plan_audit(data):
    """Plan an audit; refuses unknown checklists and auditors of an audited department (422)."""
    entry = data.pop("programme_entry")
    audit = audit_services.plan_audit(api_user(), **data, programme_entry=_programme_entry(entry) if entry else None)
    commit()
    return audit, 201, {"Location": url_for(".get_audit", reference=audit.reference)}


def _programme_entry(entry_id: int):
    # An unknown id is a wrong value in the body (422), not a missing resource at the address (404).
    try:
        return programme_services.entry_by_id(entry_id)
    except NotFound as error:
        raise ValidationFailed.field("programme_entry", error.detail) from None


@bp.route("/audits/<reference>")
@token_required(Permission.READ_DRAFTS, guard=_guard(audit_services.invisible_refusal))
@bp.response(200, AuditDetailSchema)
def get_audit(reference):
    """The audit with its state, a summary of its items, its NCs and signatures (404 outside one's scope)."""
    audit = loaded(audit_services.audit_by_reference, reference)
    audit_services.require_visible(api_user(), audit)
    return audit


@bp.route("/audits/<reference>", methods=["PATCH"])
@token_required(Permission.RUN_AUDITS, guard=_guard(audit_services.manage_refusal))
@bp.arguments(AuditUpdateSchema)
@bp.response(200, AuditDetailSchema)
@bp.alt_response(409, response="CONFLICT")
@may_refuse(bp, 403)
def update_audit(data, reference):
    """Re-plan a planned audit (lead auditor or quality officer): only the fields sent change.

    Stale ``row_version`` or an audit no longer planned → 409; the planning
    rules (impartiality, known checklists and procedures) apply again.
    """
    return _audit_action(reference, audit_services.update_plan, **data)


def _audit_action(reference, action, **kwargs):
    audit = loaded(audit_services.audit_by_reference, reference)
    action(api_user(), audit, **kwargs)
    commit()
    return audit


@bp.route("/audits/<reference>/start", methods=["POST"])
@token_required(Permission.RUN_AUDITS, guard=_guard(audit_services.start_refusal))
@bp.arguments(AuditRowVersionSchema)
@bp.response(200, AuditDetailSchema)
@may_refuse(bp, 403, 409)
def start_audit(data, reference):
    """Planned → in progress; the checklists' questions are copied into the audit."""
    return _audit_action(reference, audit_services.start_audit, row_version=data["row_version"])


@bp.route("/audits/<reference>/score")
@token_required(Permission.READ_DRAFTS, guard=_guard(audit_services.invisible_refusal))
@bp.response(200, AuditScoreSchema)
def get_score(reference):
    """The audit's score on its scored checklists: overall and per section (percent), pass or fail,
    failed must-pass items; ``scored`` false for an audit answered in grades only (404 outside one's scope)."""
    audit = loaded(audit_services.audit_by_reference, reference)
    audit_services.require_visible(api_user(), audit)
    return scoring.as_json(scoring.score_audit(audit))


@bp.route("/audits/<reference>/items")
@token_required(Permission.READ_DRAFTS, guard=_guard(audit_services.invisible_refusal))
@bp.response(200, AuditItemSchema(many=True))
def list_items(reference):
    """The audit's checklist items (its snapshot) with results, notes and evidence (404 outside one's scope)."""
    audit = loaded(audit_services.audit_by_reference, reference)
    audit_services.require_visible(api_user(), audit)
    return audit.items


@bp.route("/audits/<reference>/items/<int:item_id>", methods=["PUT"])
@token_required(Permission.RUN_AUDITS, guard=_guard(audit_services.record_refusal, audit_services.audit_for_recording))
@bp.arguments(AuditItemUpdateSchema)
@bp.response(200, AuditItemSchema)
@may_refuse(bp, 403, 409)
def record_item(data, reference, item_id):
    """Record a result and note; minor_nc/major_nc raise (or update) the item's NC.

    ``row_version`` is the item's, as last read: a stale one is a 409.
    """
    # Field work sends this request once per question: it loads the one item, not the audit's others.
    audit = loaded(audit_services.audit_for_recording, reference)
    item = audit_services.item_of(audit, item_id)
    audit_services.record_result(
        api_user(),
        audit,
        item,
        result=data["result"],
        note=data.get("note"),
        points=data.get("points"),
        row_version=data["row_version"],
    )
    # Serialised before the commit expires what the answer shows, which would load it all again.
    body = AuditItemSchema().dump(item)
    commit()
    return jsonify(body)


@bp.route("/audits/<reference>/items/<int:item_id>/evidence", methods=["POST"])
@token_required(Permission.RUN_AUDITS, guard=_guard(audit_services.evidence_refusal))
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
@may_refuse(bp, 403, 409)
def upload_item_evidence(reference, item_id):
    """Upload a file for an item (multipart, field ``file``): checked by content, stored by SHA-256."""
    audit = loaded(audit_services.audit_by_reference, reference)
    item = audit_services.item_of(audit, item_id)
    upload = _upload()
    evidence = evidence_services.attach_to_item(api_user(), item, upload.stream, upload.filename, upload.mimetype)
    commit()
    return evidence, 201


@bp.route("/audits/<reference>/report", methods=["POST"])
@token_required(Permission.RUN_AUDITS, guard=_guard(audit_services.report_refusal))
@bp.arguments(AuditReportSchema)
@bp.response(200, AuditDetailSchema)
@may_refuse(bp, 403, 409)
def report_audit(data, reference):
    """Issue the report, signed by the lead auditor with their password → reported."""
    return _audit_action(
        reference,
        audit_services.report_audit,
        summary=data["summary"],
        conclusion=data["conclusion"],
        password=data["password"],
        row_version=data["row_version"],
    )


@bp.route("/audits/<reference>/close", methods=["POST"])
@token_required(Permission.RUN_AUDITS, guard=_guard(audit_services.close_refusal))
@bp.arguments(AuditRowVersionSchema)
@bp.response(200, AuditDetailSchema)
@may_refuse(bp, 403, 409)
def close_audit(data, reference):
    """Reported → closed, when every NC it raised is closed (409 naming the others)."""
    return _audit_action(reference, audit_services.close_audit, row_version=data["row_version"])


@bp.route("/audits/<reference>/cancel", methods=["POST"])
@token_required(Permission.RUN_AUDITS, guard=_guard(audit_services.cancel_refusal))
@bp.arguments(AuditCancelSchema)
@bp.response(200, AuditDetailSchema)
@may_refuse(bp, 403, 409)
def cancel_audit(data, reference):
    """Cancel a planned or running audit that raised no NC, with a reason."""
    return _audit_action(reference, audit_services.cancel_audit, reason=data["reason"], row_version=data["row_version"])
