"""Quality objectives over the API: the register, setting one, the monthly updates."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from audits.objectives import services
from audits.routes import objectives_api as bp
from core.api import (
    PAGE_HEADERS,
    Date,
    Integer,
    NonEmptyString,
    PageArgs,
    QueryBoolean,
    UTCDateTime,
    api_user,
    loaded,
    may_refuse,
    paginate,
    token_required,
)
from core.database import commit


class ObjectiveUpdateSchema(Schema):
    period = fields.String()
    value = fields.Float(allow_none=True)
    comment = fields.String()
    by = fields.Function(lambda u: u.by.login)
    at = UTCDateTime()


class ObjectiveSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    title = fields.String()
    why = fields.String()
    site = fields.Function(lambda o: o.site.code if o.site else None)
    department = fields.Function(lambda o: o.department.code if o.department else None)
    metric = fields.String(attribute="metric_key", allow_none=True)
    measure = fields.String(allow_none=True)
    unit = fields.String()
    direction = fields.String()
    baseline = fields.Float(allow_none=True)
    target = fields.Float()
    starts_on = fields.Date()
    due_date = fields.Date()
    owner = fields.Function(lambda o: o.owner.login)
    plan = fields.Function(
        lambda o: {"what": o.plan_what, "resources": o.plan_resources, "who": o.plan_who, "when": o.plan_when}
    )
    state = fields.String()
    status = fields.Function(
        lambda o: services.progress(o).status,
        metadata={"description": "on_track, at_risk, achieved, missed, no_data or withdrawn: from the data"},
    )
    latest = fields.Function(lambda o: services.progress(o).value, metadata={"type": "number", "nullable": True})
    latest_period = fields.Function(lambda o: services.progress(o).period, metadata={"nullable": True})
    updates = fields.List(fields.Nested(ObjectiveUpdateSchema))
    row_version = fields.Integer()


class ObjectiveListArgs(PageArgs):
    site = fields.String(load_default=None)
    department = fields.String(load_default=None)
    active = QueryBoolean(load_default=False, metadata={"description": "Only those not withdrawn."})


class ObjectivePlanSchema(Schema):
    what = NonEmptyString(required=True)
    resources = fields.String(load_default=None)
    who = fields.String(load_default=None)
    when = fields.String(load_default=None)


class ObjectiveCreateSchema(Schema):
    title = NonEmptyString(required=True, validate=validate.Length(max=300))
    site = fields.String(load_default=None, allow_none=True, metadata={"description": "None: the whole group"})
    department = fields.String(load_default=None, allow_none=True)
    why = fields.String(load_default=None)
    metric = fields.String(load_default=None, allow_none=True, metadata={"description": "a KPI key"})
    measure = fields.String(load_default=None, allow_none=True, metadata={"description": "without a KPI"})
    unit = fields.String(load_default=None, validate=validate.Length(max=32))
    direction = fields.String(load_default=None, validate=validate.OneOf(["higher", "lower"]))
    baseline = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    target = fields.Float(required=True, allow_nan=False)
    starts_on = Date(load_default=None, allow_none=True)
    due_date = Date(required=True)
    owner = NonEmptyString(required=True)
    plan = fields.Nested(ObjectivePlanSchema, required=True)


class ObjectiveUpdateCreateSchema(Schema):
    comment = NonEmptyString(required=True)
    value = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    period = fields.String(load_default=None, metadata={"description": "YYYY-MM; the last complete month if absent"})


class ObjectiveWithdrawSchema(Schema):
    reason = NonEmptyString(required=True)
    row_version = Integer(required=True)


@bp.route("/objectives")
@token_required()
@bp.arguments(ObjectiveListArgs, location="query")
@bp.response(200, ObjectiveSchema(many=True), headers=PAGE_HEADERS)
def list_objectives(args):
    """The objectives the caller may read, earliest due first."""
    query = services.list_query(
        api_user(), site=args["site"], department=args["department"], active_only=args["active"]
    )
    return paginate(query, args)


@bp.route("/objectives", methods=["POST"])
@token_required(guard=lambda user: services.setter_refusal(user))
@bp.arguments(ObjectiveCreateSchema)
@bp.response(201, ObjectiveSchema)
@may_refuse(bp, 403)
def create_objective(data):
    """Set an objective: of the group (no site), a site, or a department at a site."""
    plan = data.pop("plan")
    objective = services.create(
        api_user(),
        plan_what=plan["what"],
        plan_resources=plan["resources"],
        plan_who=plan["who"],
        plan_when=plan["when"],
        **data,
    )
    commit()
    return objective, 201


@bp.route("/objectives/<int:objective_id>")
@token_required()
@bp.response(200, ObjectiveSchema)
def get_objective(objective_id):
    """One objective with its status and updates (404 outside one's scope)."""
    found = services.objective_by_id(objective_id)
    services.require_visible(api_user(), found)
    return found


@bp.route("/objectives/<int:objective_id>/updates", methods=["POST"])
@token_required(
    guard=lambda user, objective_id: services.update_refusal(user, loaded(services.objective_by_id, objective_id))
)
@bp.arguments(ObjectiveUpdateCreateSchema)
@bp.response(201, ObjectiveSchema)
@may_refuse(bp, 403, 409)
def update_objective(data, objective_id):
    """The owner's word on a month (and the value of a measure kept by hand)."""
    found = loaded(services.objective_by_id, objective_id)
    services.record_update(api_user(), found, **data)
    commit()
    return found, 201


@bp.route("/objectives/<int:objective_id>/withdraw", methods=["POST"])
@token_required(
    guard=lambda user, objective_id: services.withdraw_refusal(user, loaded(services.objective_by_id, objective_id))
)
@bp.arguments(ObjectiveWithdrawSchema)
@bp.response(200, ObjectiveSchema)
@may_refuse(bp, 403, 409)
def withdraw_objective(data, objective_id):
    """Withdraw an objective, with the reason (kept in the trail)."""
    found = loaded(services.objective_by_id, objective_id)
    services.withdraw(api_user(), found, **data)
    commit()
    return found
