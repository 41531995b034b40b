"""Management reviews over the API: planning, the hand-written inputs, compiling the inputs."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from audits.reviews import services
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

bp = Blueprint("reviews", __name__, description="Management reviews (ISO 9001 9.3): planning and their inputs.")


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
    row_version = fields.Integer()


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
@token_required(
    guard=lambda user, reference: services.edit_refusal(user, loaded(services.review_by_reference, reference))
)
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
@token_required(
    guard=lambda user, reference: services.compile_refusal(user, loaded(services.review_by_reference, reference))
)
@bp.response(200, ReviewSchema)
@may_refuse(bp, 403, 409)
def compile_review(reference):
    """Compile the inputs of ISO 9001 9.3.2 from the data of the period, replacing earlier ones."""
    found = loaded(services.review_by_reference, reference)
    services.compile_inputs(api_user(), found)
    commit()
    return found
