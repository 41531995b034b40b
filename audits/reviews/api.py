"""Management reviews over the API: planning, the hand-written inputs, compiling the inputs."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from audits.reviews import pdf, services
from audits.routes import reviews_api as bp
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
from core.api.schemas import SignatureSchema
from core.database import commit


def _on_review(refusal):
    """A route's guard: ``refusal`` of the review its path names (404 for an unknown reference)."""
    return lambda user, reference: refusal(user, loaded(services.review_by_reference, reference))


def _dumped(signature):
    return SignatureSchema().dump(signature) if signature is not None else None


class ReviewSchema(Schema):
    reference = fields.String()
    site = fields.Function(lambda r: r.site.code if r.site else None, metadata={"description": "None: the group"})
    period_from = fields.Date()
    period_to = fields.Date()
    planned_date = fields.Date()
    chair = fields.Function(lambda r: r.chair.login)
    participants = fields.List(fields.String())
    state = fields.String(metadata={"description": "planned, compiled, held or signed"})
    context_changes = fields.String()
    resources = fields.String()
    external_providers = fields.String()
    compiled_at = UTCDateTime(allow_none=True)
    inputs_sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the inputs' canonical JSON"})
    inputs = fields.Dict(
        allow_none=True,
        metadata={"description": "The compiled inputs: sections of tables of keys, texts and numbers"},
    )
    present = fields.List(fields.String(), metadata={"description": "Logins of the chair and participants present"})
    guests = fields.String()
    decisions = fields.Dict(metadata={"description": "Per section key of the inputs: discussion and decision"})
    held_at = UTCDateTime(allow_none=True)
    signature = fields.Function(
        lambda r: _dumped(services.chair_signature(r)[0]),
        metadata={"description": "The chair's approved signature over the record, once signed"},
    )
    signature_intact = fields.Function(
        lambda r: services.chair_signature(r)[1],
        metadata={"description": "Whether the record still has the content the chair signed"},
    )
    row_version = fields.Integer()


class ReviewOutputSchema(Schema):
    kind = fields.String(metadata={"description": "improvement, objective or nonconformity"})
    reference = fields.String(attribute="record_reference", metadata={"description": "The record created"})
    title = fields.String()
    description = fields.String()
    owner = fields.Function(lambda o: o.owner.login if o.owner else None)
    due_date = fields.Date(allow_none=True)
    state = fields.Function(lambda o: services.output_state(o)[0], metadata={"description": "The record's state now"})
    created_at = UTCDateTime()


class ReviewListArgs(PageArgs):
    site = fields.String(load_default=None)
    state = fields.String(load_default=None, validate=validate.OneOf([s.value for s in services.ReviewState]))


class ReviewCreateSchema(Schema):
    site = fields.String(load_default=None, allow_none=True, metadata={"description": "None: the whole group"})
    period_from = Date(required=True)
    period_to = Date(required=True)
    planned_date = Date(required=True)
    chair = NonEmptyString(required=True)
    participants = fields.List(fields.String(), load_default=list)


class ReviewUpdateSchema(Schema):
    context_changes = fields.String(load_default=None)
    resources = fields.String(load_default=None)
    external_providers = fields.String(load_default=None)
    row_version = Integer(required=True)


class ReviewRecordSchema(Schema):
    present = fields.List(fields.String(), load_default=None)
    guests = fields.String(load_default=None)
    decisions = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(),
        load_default=None,
        metadata={"description": "{section key: {discussion, decision}}"},
    )
    row_version = Integer(required=True)


class ReviewSignSchema(Schema):
    password = fields.String(required=True, load_only=True)
    comment = fields.String(load_default=None)


class ReviewOutputCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in services.OutputKind]))
    title = NonEmptyString(required=True)
    description = fields.String(load_default=None)
    owner = fields.String(load_default=None)
    due_date = Date(load_default=None)
    site = fields.String(load_default=None, metadata={"description": "Default: the review's site"})
    department = fields.String(load_default=None, metadata={"description": "Required for an improvement or an NC"})
    target = fields.Float(load_default=None, metadata={"description": "Required for an objective"})
    metric = fields.String(load_default=None, metadata={"description": "The KPI measuring an objective"})
    measure = fields.String(
        load_default=None, metadata={"description": "An objective measured by hand: its measure; default: its title"}
    )
    direction = fields.String(load_default=None, metadata={"description": "An objective's: higher (default) or lower"})
    severity = fields.String(load_default=None, validate=validate.OneOf(["major", "minor"]))


@bp.route("/reviews")
@token_required()
@bp.arguments(ReviewListArgs, location="query")
@bp.response(200, ReviewSchema(many=True), headers=PAGE_HEADERS)
def list_reviews(args):
    """The management reviews the caller may read, latest planned first."""
    return paginate(services.list_query(api_user(), site=args["site"], state=args["state"]), args)


@bp.route("/reviews", methods=["POST"])
@token_required(guard=lambda user: services.planner_refusal(user))
@bp.arguments(ReviewCreateSchema)
@bp.response(201, ReviewSchema)
@may_refuse(bp, 403)
def plan_review(data):
    """Plan a review of a site, or of the group (no site), over a period."""
    review = services.plan(api_user(), **data)
    commit()
    return review, 201


@bp.route("/reviews/<reference>")
@token_required()
@bp.response(200, ReviewSchema)
def get_review(reference):
    """One review with its compiled inputs (404 outside one's scope)."""
    found = services.review_by_reference(reference)
    services.require_visible(api_user(), found)
    return found


@bp.route("/reviews/<reference>", methods=["PATCH"])
@token_required(guard=_on_review(services.edit_refusal))
@bp.arguments(ReviewUpdateSchema)
@bp.response(200, ReviewSchema)
@may_refuse(bp, 403, 409)
def update_review(data, reference):
    """The hand-written inputs: changes in context, resources, external providers."""
    found = loaded(services.review_by_reference, reference)
    services.write_inputs(api_user(), found, **data)
    commit()
    return found


@bp.route("/reviews/<reference>/compile", methods=["POST"])
@token_required(guard=_on_review(services.compile_refusal))
@bp.response(200, ReviewSchema)
@may_refuse(bp, 403, 409)
def compile_review(reference):
    """Compile the inputs of ISO 9001 9.3.2 from the data of the period, replacing earlier ones."""
    found = loaded(services.review_by_reference, reference)
    services.compile_inputs(api_user(), found)
    commit()
    return found


@bp.route("/reviews/<reference>/record", methods=["POST"])
@token_required(guard=_on_review(services.record_refusal))
@bp.arguments(ReviewRecordSchema)
@bp.response(200, ReviewSchema)
@may_refuse(bp, 403, 409)
def record_review(data, reference):
    """The meeting record: who was present, guests, a discussion and decision per input section."""
    found = loaded(services.review_by_reference, reference)
    services.record_meeting(api_user(), found, **data)
    commit()
    return found


@bp.route("/reviews/<reference>/hold", methods=["POST"])
@token_required(guard=_on_review(services.record_refusal))
@bp.response(200, ReviewSchema)
@may_refuse(bp, 403, 409)
def hold_review(reference):
    """The meeting is held: its inputs are frozen from now on."""
    found = loaded(services.review_by_reference, reference)
    services.hold(api_user(), found)
    commit()
    return found


@bp.route("/reviews/<reference>/outputs")
@token_required()
@bp.response(200, ReviewOutputSchema(many=True))
def list_outputs(reference):
    """The outputs of a review with the current state of the records they created."""
    found = services.review_by_reference(reference)
    services.require_visible(api_user(), found)
    return services.outputs_of(found)


@bp.route("/reviews/<reference>/outputs", methods=["POST"])
@token_required(guard=_on_review(services.output_refusal))
@bp.arguments(ReviewOutputCreateSchema)
@bp.response(201, ReviewOutputSchema)
@may_refuse(bp, 403, 409)
def add_output(data, reference):
    """An output (9.3.3) created as an improvement item, a quality objective or an NC, linked back."""
    found = loaded(services.review_by_reference, reference)
    output = services.add_output(api_user(), found, **data)
    commit()
    return output, 201


@bp.route("/reviews/<reference>/sign", methods=["POST"])
@token_required(guard=_on_review(services.sign_refusal))
@bp.arguments(ReviewSignSchema)
@bp.response(200, ReviewSchema)
@may_refuse(bp, 403, 409)
def sign_review(data, reference):
    """The chair signs the minutes (``approved``, with their password) once the meeting is held."""
    found = loaded(services.review_by_reference, reference)
    services.sign_minutes(api_user(), found, **data)
    commit()
    return found


@bp.route("/reviews/<reference>/pdf")
@token_required()
@bp.response(200, {"format": "binary", "type": "string"}, content_type="application/pdf")
def review_pdf(reference):
    """The review's record as PDF/A, in the language of Accept-Language (else the caller's)."""
    found = services.review_by_reference(reference)
    services.require_visible(api_user(), found)
    return pdf.record_download(found)
