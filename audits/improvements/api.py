"""The improvement register over the API: the list, suggestions (and a manager's own items),
one item with its stage changes, its work, its PDCA stage, its DMAIC figures and its evidence files."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from audits.api.schemas import EvidenceSchema
from audits.api.shared import UPLOAD_SCHEMA, _upload
from audits.improvements import services
from audits.routes import improvements_api as bp
from core.api import (
    PAGE_HEADERS,
    Date,
    Integer,
    NonEmptyString,
    PageArgs,
    UTCDateTime,
    api_user,
    loaded,
    may_refuse,
    paginate,
    token_required,
)
from core.database import commit

TEXT = validate.Length(max=4000)


class CapabilitySchema(Schema):
    defects = fields.Integer()
    units = fields.Integer()
    opportunities = fields.Integer()
    dpmo = fields.Float(metadata={"description": "defects ÷ (units × opportunities) × 1,000,000"})
    sigma = fields.Float(
        allow_none=True,
        metadata={"description": "NORMSINV(1 − DPMO/1E6) + 1.5; null with no defect (or no good unit)."},
    )


class DmaicSchema(Schema):
    phase = fields.String(allow_none=True)
    defect_metric = fields.String(allow_none=True)
    opportunities = fields.Integer(allow_none=True)
    baseline = fields.Nested(CapabilitySchema, allow_none=True)
    current = fields.Nested(CapabilitySchema, allow_none=True)


class StageChangeSchema(Schema):
    at = UTCDateTime()
    actor = fields.String()
    from_ = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String()
    reason = fields.String(allow_none=True)


def _dmaic(item):
    if not item.is_dmaic:
        return None
    baseline, current = services.sixsigma_figures(item)
    return DmaicSchema().dump(
        {
            "phase": item.phase,
            "defect_metric": item.defect_metric,
            "opportunities": item.opportunities,
            "baseline": baseline,
            "current": current,
        }
    )


class ImprovementSchema(Schema):
    reference = fields.String()
    title = fields.String()
    description = fields.String()
    source = fields.String()
    source_ref = fields.String(allow_none=True)
    site = fields.Function(lambda i: i.site.code)
    department = fields.Function(lambda i: i.department.code)
    owner = fields.Function(lambda i: i.owner.login if i.owner else None)
    raised_by = fields.Function(lambda i: i.raised_by.login if i.raised_by else None)
    raised_at = UTCDateTime()
    stage = fields.String()
    stage_reason = fields.String(allow_none=True)
    action_type = fields.String()
    expected_benefit = fields.String(allow_none=True)
    actions = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    due_date = fields.Date(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    method = fields.String()
    dmaic = fields.Function(_dmaic, metadata={"type": "object", "nullable": True, "description": "DMAIC figures."})
    row_version = fields.Integer()


class ImprovementDetailSchema(ImprovementSchema):
    stage_changes = fields.Function(
        lambda i: StageChangeSchema(many=True).dump(services.stage_changes(i)),
        metadata={"type": "array", "items": {"type": "object"}},
    )
    evidence = fields.List(
        fields.Nested(EvidenceSchema),
        metadata={"description": "The files that show the result; each one's content is at its url."},
    )


class ImprovementListArgs(PageArgs):
    site = NonEmptyString()
    department = NonEmptyString()
    source = fields.String(validate=validate.OneOf(services.SOURCES))
    stage = fields.String(validate=validate.OneOf(("open", *services.STAGES)))
    owner = NonEmptyString()


class ImprovementCreateSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default=None, allow_none=True, validate=TEXT)
    site = NonEmptyString(load_default=None, allow_none=True, metadata={"description": "Default: the caller's site."})
    department = NonEmptyString(
        load_default=None, allow_none=True, metadata={"description": "Default: the caller's department."}
    )
    source = fields.String(
        load_default="suggestion",
        validate=validate.OneOf(("suggestion", "manual", "review")),
        metadata={"description": "suggestion (anyone), or manual/review (a quality officer or the head there)."},
    )
    source_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    owner = NonEmptyString(load_default=None, allow_none=True)
    due_date = Date(load_default=None, allow_none=True)
    action_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(services.ACTION_TYPES))
    expected_benefit = fields.String(load_default=None, allow_none=True, validate=TEXT)


def _row_version():
    return Integer(required=True, metadata={"description": "The version you read; missing → 422, stale → 409."})


class ImprovementUpdateSchema(Schema):
    row_version = _row_version()
    title = fields.String(validate=validate.Length(min=1, max=300))
    description = fields.String(validate=TEXT)
    owner = NonEmptyString()
    due_date = Date()
    action_type = fields.String(validate=validate.OneOf(services.ACTION_TYPES))
    expected_benefit = fields.String(validate=TEXT)
    actions = fields.String(validate=TEXT)
    result = fields.String(validate=TEXT)


class StageSchema(Schema):
    row_version = _row_version()
    to = fields.String(required=True, validate=validate.OneOf(services.STAGES))
    reason = fields.String(load_default=None, allow_none=True, validate=TEXT)


class DmaicUpdateSchema(Schema):
    row_version = _row_version()
    method = fields.String(load_default="dmaic", validate=validate.OneOf(services.METHODS))
    phase = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(services.PHASES))
    defect_metric = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    opportunities = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    baseline_defects = Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    baseline_units = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    current_defects = Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    current_units = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))


def _working(user, reference):
    return services.work_refusal(user, loaded(services.improvement_by_reference, reference))


def _adding_evidence(user, reference):
    return services.evidence_refusal(user, loaded(services.improvement_by_reference, reference))


@bp.route("/improvements")
@token_required()
@bp.arguments(ImprovementListArgs, location="query")
@bp.response(200, ImprovementSchema(many=True), headers=PAGE_HEADERS)
def list_improvements(args):
    """The register: the items the caller may see, newest first; ``stage=open`` for plan to act."""
    filters = {key: args.get(key) for key in ("site", "department", "source", "stage", "owner")}
    return paginate(services.list_query(api_user(), **filters), args)


@bp.route("/improvements", methods=["POST"])
@token_required()
@bp.arguments(ImprovementCreateSchema)
@bp.response(201, ImprovementDetailSchema)
@may_refuse(bp, 403)
def create_improvement(data):
    """Suggest an improvement (anyone, at their own site; it goes to the head of the department),
    or raise one of one's own as a quality officer or head (``source`` manual or review)."""
    item = services.raise_improvement(api_user(), **data)
    commit()
    return item, 201, {"Location": url_for(".get_improvement", reference=item.reference)}


@bp.route("/improvements/<reference>")
@token_required()
@bp.response(200, ImprovementDetailSchema)
def get_improvement(reference):
    """One item with its stage changes (404 outside one's scope)."""
    item = services.improvement_by_reference(reference)
    services.require_visible(api_user(), item)
    return item


@bp.route("/improvements/<reference>", methods=["PATCH"])
@token_required(guard=_working)
@bp.arguments(ImprovementUpdateSchema)
@bp.response(200, ImprovementDetailSchema)
@may_refuse(bp, 403, 409)
def update_improvement(data, reference):
    """Change what is sent: the work (expected benefit, actions, result, due date, type) by its owner or
    a manager; handing it to another ``owner`` by a quality officer or the head of its department."""
    item = loaded(services.improvement_by_reference, reference)
    services.update_improvement(api_user(), item, **data)
    commit()
    return item


@bp.route("/improvements/<reference>/stage", methods=["POST"])
@token_required(guard=_working)
@bp.arguments(StageSchema)
@bp.response(200, ImprovementDetailSchema)
@may_refuse(bp, 403, 409)
def change_stage(data, reference):
    """plan → do (needs actions) → check → act (needs a result) → closed; check → do, act → plan;
    rejected (a manager, with a reason) and back to plan."""
    item = loaded(services.improvement_by_reference, reference)
    services.change_stage(api_user(), item, **data)
    commit()
    return item


@bp.route("/improvements/<reference>/dmaic", methods=["PUT"])
@token_required(guard=_working)
@bp.arguments(DmaicUpdateSchema)
@bp.response(200, ImprovementDetailSchema)
@may_refuse(bp, 403, 409)
def set_dmaic(data, reference):
    """Run the item as a DMAIC project: phase, defect metric, opportunities per unit, baseline and
    current defects and units (the answer has DPMO and sigma level); ``method: pdca`` stops it."""
    item = loaded(services.improvement_by_reference, reference)
    services.set_dmaic(api_user(), item, **data)
    commit()
    return item


@bp.route("/improvements/<reference>/evidence", methods=["POST"])
@token_required(guard=_adding_evidence)
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
@may_refuse(bp, 403, 409)
def upload_improvement_evidence(reference):
    """Upload a file that shows the item's result (multipart, field ``file``): by who may work on it,
    while it is open (409 once completed or not taken up)."""
    item = loaded(services.improvement_by_reference, reference)
    upload = _upload()
    evidence = services.attach_evidence(api_user(), item, upload.stream, upload.filename, upload.mimetype)
    commit()
    return evidence, 201
