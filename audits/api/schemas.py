"""The marshmallow schemas of the audits API (their names are the OpenAPI components')."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from audits import scoring
from audits.models import AuditState, NcState, Result
from audits.services import actions as action_services
from audits.services import audits as audit_services
from audits.services import nonconformities as nc_services
from core.api import (
    Boolean,
    Date,
    Integer,
    NonEmptyString,
    PageArgs,
    QueryBoolean,
    QueryInteger,
    UTCDateTime,
    api_user,
)
from core.api.converters import ID_MAX
from core.api.schemas import Pattern, SignatureSchema
from core.signatures import signatures_for


def _row_version():
    """The version of the record the caller read: without it a stale change could not be told from a fresh one."""
    return Integer(required=True, metadata={"description": "The version you read; missing → 422, stale → 409."})


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
    text = fields.String(
        attribute="shown_text",
        metadata={"description": "in the language of the response (the record keeps every installed language)"},
    )
    reference = fields.String(attribute="shown_reference")
    guidance = fields.String(attribute="shown_guidance")
    result = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    answered_by = fields.Function(lambda i: i.answered_by.login if i.answered_by else None)
    answered_at = UTCDateTime(allow_none=True)
    nonconformity = fields.Function(lambda i: i.nonconformity.reference if i.nonconformity else None)
    evidence = fields.List(fields.Nested(EvidenceSchema))
    weight = fields.Float(metadata={"description": "The item's share of its section (scored checklists)."})
    section = fields.String(metadata={"description": "The key of the item's section (empty: none)."})
    must_pass = fields.Boolean(metadata={"description": "Failing it fails the audit whatever the score."})
    points = fields.Float(
        allow_none=True, metadata={"description": "Points (or percent) the auditor gave; null: the result decides."}
    )
    row_version = fields.Integer()


class SectionScoreSchema(Schema):
    checklist = fields.String()
    key = fields.String(metadata={"description": "empty for a checklist without sections"})
    title = fields.String(metadata={"description": "in the language of the response"})
    weight = fields.Float()
    score = fields.Float(allow_none=True, metadata={"description": "percent; null while nothing in it counts"})
    counted = fields.Integer(metadata={"description": "items that count (answered, not N/A)"})
    items = fields.Integer()


class ChecklistScoreSchema(Schema):
    key = fields.String()
    scale = fields.String()
    score = fields.Float(allow_none=True)
    pass_threshold = fields.Float(allow_none=True)
    passed = fields.Boolean(allow_none=True)


class FailedMustPassSchema(Schema):
    item_id = fields.Integer()
    question_key = fields.String()
    text = fields.String()


class AuditScoreSchema(Schema):
    scored = fields.Boolean(metadata={"description": "false: the audit's checklists are answered in grades only"})
    overall = fields.Float(allow_none=True, metadata={"description": "percent, the scored checklists averaged"})
    passed = fields.Boolean(
        allow_none=True,
        metadata={
            "description": "false when a checklist is below its pass mark or a must-pass item failed; "
            "null without a pass mark or must-pass items"
        },
    )
    sections = fields.List(fields.Nested(SectionScoreSchema))
    checklists = fields.List(fields.Nested(ChecklistScoreSchema))
    failed_must_pass = fields.List(fields.Nested(FailedMustPassSchema))


class AuditSchema(Schema):
    reference = fields.String()
    title = fields.String()
    site = fields.Function(lambda a: a.site.code)
    departments = fields.Function(lambda a: a.department_codes)
    scope = fields.String()
    criteria = fields.List(fields.String())
    criteria_revisions = fields.Dict(
        metadata={
            "description": "Per procedure code, the revision in force on the audit date (set when the audit starts)."
        }
    )
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
    items_summary = fields.Function(
        lambda a: {"answered": a.progress[0], "total": a.progress[1], "counts": a.result_counts()}
    )
    nonconformities = fields.Function(
        lambda a: [
            {"reference": nc.reference, "state": nc.state, "severity": nc.severity}
            for nc in audit_services.nonconformities_of(a)
        ]
    )
    signatures = fields.Function(lambda a: SignatureSchema(many=True).dump(signatures_for(a)))
    score = fields.Function(
        lambda a: scoring.as_json(scoring.score_audit(a)),
        metadata={"description": "As GET /audits/{reference}/score gives it."},
    )


# The years the programme plans (audits.services.programme); a date needs a year of four digits anyway.
YEARS = validate.Range(min=2000, max=2100)


class AuditListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf([s.value for s in AuditState]))
    site = NonEmptyString()
    department = NonEmptyString()
    year = QueryInteger(validate=YEARS)


class AuditCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    site = NonEmptyString(required=True)
    departments = fields.List(NonEmptyString(), required=True, validate=validate.Length(min=1))
    scope = fields.String(load_default="")
    criteria = fields.List(NonEmptyString(), load_default=list, metadata={"description": "Procedure codes."})
    lead_auditor = NonEmptyString(required=True)
    auditors = fields.List(NonEmptyString(), load_default=list)
    planned_date = Date(required=True)
    checklists = fields.List(
        NonEmptyString(),
        required=True,
        validate=validate.Length(min=1),
        metadata={"description": "Checklist keys from plugins."},
    )
    programme_entry = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=ID_MAX))


class AuditUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    scope = fields.String()
    criteria = fields.List(NonEmptyString(), metadata={"description": "Procedure codes."})
    lead_auditor = NonEmptyString()
    auditors = fields.List(NonEmptyString())
    planned_date = Date()
    checklists = fields.List(
        NonEmptyString(), validate=validate.Length(min=1), metadata={"description": "Checklist keys from plugins."}
    )
    row_version = _row_version()


class AuditRowVersionSchema(Schema):
    row_version = _row_version()


class AuditItemUpdateSchema(Schema):
    result = fields.String(required=True, validate=validate.OneOf([r.value for r in Result]))
    note = fields.String(load_default=None, allow_none=True)
    points = fields.Float(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "On a checklist scored in points (0–2, 0–3) or percent (0–100): what the auditor gives "
            "beside the result; null or left out: the result decides the item's score."
        },
    )
    row_version = _row_version()


class AuditReportSchema(Schema):
    summary = fields.String(required=True)
    conclusion = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    row_version = _row_version()


class AuditCancelSchema(Schema):
    reason = fields.String(required=True)
    row_version = _row_version()


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
    title = fields.String(
        attribute="shown_title",
        metadata={"description": "in the language of the response (the record keeps every installed language)"},
    )
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


class RecheckSchema(Schema):
    id = fields.Integer()
    text = fields.String(
        attribute="shown_text",
        metadata={"description": "in the language of the response (the record keeps every installed language)"},
    )
    reference = fields.String()
    state = fields.String(metadata={"description": "due, passed or failed (a failure reopened the NC)"})
    checked_in = fields.String(allow_none=True, metadata={"description": "the audit or recurring check"})
    checked_at = UTCDateTime(allow_none=True)
    checked_by = fields.Function(lambda r: r.checked_by.login if r.checked_by else None)


class NonconformityDetailSchema(NonconformitySchema):
    containment = fields.String(allow_none=True)
    contained_at = UTCDateTime(allow_none=True)
    root_cause = fields.Dict(allow_none=True)
    root_cause_at = UTCDateTime(allow_none=True)
    actions = fields.List(fields.Nested(CorrectiveActionSchema))
    evidence = fields.List(fields.Nested(EvidenceSchema))
    rechecks = fields.List(fields.Nested(RecheckSchema))
    links = fields.Function(lambda nc: _links(nc))
    similar = fields.Function(lambda nc: [other.reference for other in nc_services.similar(nc)])
    # The trail is for those who may read it (not staff): the others get an empty list.
    history = fields.Function(
        lambda nc: (
            NcHistoryEventSchema(many=True).dump(nc_services.timeline(nc))
            if nc_services.may_read_history(api_user(), nc)
            else []
        )
    )


def _links(nc) -> dict:
    links = {"self": url_for("audits_api.audits.get_nonconformity", reference=nc.reference)}
    if nc.audit is not None:
        links["audit"] = url_for("audits_api.audits.get_audit", reference=nc.audit.reference)
    if nc.audit_item_id is not None:
        links["audit_item"] = (
            url_for("audits_api.audits.list_items", reference=nc.audit.reference) + f"#{nc.audit_item_id}"
        )
    return links


class NcListArgs(PageArgs):
    state = fields.String(validate=validate.OneOf([s.value for s in NcState] + ["not_closed"]))
    site = NonEmptyString()
    department = NonEmptyString()
    overdue = QueryBoolean()
    source = NonEmptyString()
    owner = NonEmptyString()


class NcCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="")
    severity = fields.String(required=True, validate=validate.OneOf(["minor", "major"]))
    site = NonEmptyString(required=True)
    department = NonEmptyString(required=True)
    owner = NonEmptyString(load_default=None, allow_none=True)
    due_date = Date(load_default=None, allow_none=True)
    source = fields.String(
        load_default="manual",
        # "audit" NCs come from recording a finding, never from this body.
        validate=Pattern(
            r"^(complaint|metric|manual|plugin:[a-z0-9][a-z0-9_-]{0,60})$",
            error="one of complaint, metric, manual or plugin:<name>",
        ),
        metadata={"description": "complaint, metric, manual or plugin:<name>"},
    )
    source_ref = fields.String(load_default=None, allow_none=True)


class NcUpdateSchema(Schema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    description = fields.String()
    owner = NonEmptyString()
    due_date = Date()
    row_version = _row_version()


class NcTransitionSchema(Schema):
    to = fields.String(required=True, validate=validate.OneOf([state.value for state in nc_services.TRANSITIONS]))
    containment = fields.String(load_default=None)
    root_cause = fields.Dict(
        load_default=None, allow_none=True, metadata={"description": "5why, fishbone or 8d analysis."}
    )
    comment = fields.String(load_default=None)
    row_version = _row_version()


class ActionCreateSchema(Schema):
    description = NonEmptyString(required=True)
    owner = NonEmptyString(required=True)
    due_date = Date(required=True)


class ActionCompleteSchema(Schema):
    note = NonEmptyString(required=True)
    row_version = _row_version()


class ActionVerifySchema(Schema):
    effective = Boolean(required=True)
    note = NonEmptyString(required=True)
    password = fields.String(required=True, load_only=True)
    row_version = _row_version()


class ActionListArgs(PageArgs):
    mine = QueryBoolean(load_default=False)
    overdue = QueryBoolean(load_default=False)


class ProgrammeArgs(Schema):
    site = NonEmptyString(required=True)
    year = QueryInteger(required=True, validate=YEARS)


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
    site = NonEmptyString(required=True)
    year = Integer(required=True, validate=YEARS)
    month = Integer(required=True, validate=validate.Range(min=1, max=12))
    department = NonEmptyString(required=True)
    area = fields.String(load_default="")
    note = fields.String(load_default=None)


class PackJobSchema(Schema):
    id = fields.String()
    state = fields.String()
    progress = fields.Integer()
    url = fields.String(metadata={"description": "The job: poll it until its state is done or failed."})
