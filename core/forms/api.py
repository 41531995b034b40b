"""Form definitions and submissions as JSON, and the schedules of recurring forms. Validation is
the web form's (:func:`core.forms.services.validate_json`), so both refuse the same values."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from core.accounts import services as accounts
from core.accounts.api import KeyOf
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
from core.database import commit, db
from core.errors import NotFound, ValidationFailed
from core.forms import follow_ups, schedules, services
from core.forms.models import FormSchedule
from core.forms.routes import api as bp
from core.forms.routes import follow_ups_api as follow_ups_bp
from core.forms.routes import schedules_api as schedules_bp
from core.forms.schema import describe, json_schema
from core.rhythm import Frequency


def site_in_body(code: str | None, field: str = "site"):
    """The site a request names; an unknown code is a wrong value (422), not a missing resource."""
    if not code:
        return None
    try:
        return accounts.site_by_code(code.upper())
    except NotFound as error:
        raise ValidationFailed.field(field, error.detail) from None


class FormSummarySchema(Schema):
    key = fields.String()
    title = fields.String()
    version = fields.Integer()
    area = fields.String()
    description = fields.String()


class FormSchema(FormSummarySchema):
    field_list = fields.List(
        fields.Dict(),
        attribute="fields",
        data_key="fields",
        metadata={
            "description": "`key`, `label`, `type`, `required`, `help`, and where they apply `choices` "
            "(`value`, `label`), `min`, `max`, `scale`, `fields` (a group's row) and "
            "`visible_when` (`field`, `value`)."
        },
    )
    schema = fields.Dict(metadata={"description": "JSON Schema of a submission's `data`."})


class FormSubmissionSchema(Schema):
    id = fields.Integer(dump_only=True)
    form = fields.String(attribute="form_key", dump_only=True)
    version = fields.Integer(attribute="form_version", dump_only=True)
    site = KeyOf("code")
    period = fields.String(dump_only=True)
    data = fields.Dict(dump_only=True)
    submitted_by = KeyOf("login")
    submitted_at = UTCDateTime(dump_only=True)


class FormSubmitSchema(Schema):
    site = NonEmptyString(required=True, metadata={"description": "Site code."})
    data = fields.Dict(required=True, metadata={"description": "Field values by key, as the form's `schema` says."})


class FormSubmissionListArgs(PageArgs):
    site = NonEmptyString(metadata={"description": "Site code."})
    date_from = Date(data_key="from", metadata={"description": "Submitted on or after (YYYY-MM-DD)."})
    date_to = Date(data_key="to", metadata={"description": "Submitted on or before (YYYY-MM-DD)."})


@bp.route("")
@token_required()
@bp.response(200, FormSummarySchema(many=True))
def list_forms():
    """Every form the plugins define, by key."""
    return [describe(form) for form in services.definitions()]


@bp.route("/<key>")
@token_required()
@bp.response(200, FormSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_form(key):
    """A form's fields and the JSON Schema of its submissions."""
    form = services.definition(key)
    return {**describe(form), "schema": json_schema(form)}


@bp.route("/<key>/submissions", methods=["POST"])
@token_required()
@bp.arguments(FormSubmitSchema)
@bp.response(201, FormSubmissionSchema)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@may_refuse(bp, 403)
def submit(body, key):
    """Submit a form; 422 names every refused field (`whys.1.why` for a group's row)."""
    form = services.definition(key)
    site = site_in_body(body["site"])
    data = services.validate_json(form, body["data"])
    submission = services.submit(api_user(), form, site, data)
    commit()
    return submission, 201, {"Location": url_for(".get_submission", key=key, submission_id=submission.id)}


@bp.route("/<key>/submissions")
@token_required()
@bp.arguments(FormSubmissionListArgs, location="query")
@bp.response(200, FormSubmissionSchema(many=True), headers=PAGE_HEADERS)
@bp.alt_response(404, response="NOT_FOUND")
def list_submissions(args, key):
    """Submissions of a form, newest first (staff see their own)."""
    services.definition(key)
    query = services.list_query(
        api_user(),
        form_key=key,
        site=site_in_body(args.get("site")),
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
    )
    return paginate(query, args)


@bp.route("/<key>/submissions/<int:submission_id>")
@token_required()
@bp.response(200, FormSubmissionSchema)
@bp.alt_response(404, response="NOT_FOUND")
def get_submission(key, submission_id):
    """One submission, with the form version it was made with."""
    found = services.submission(api_user(), submission_id)
    if found.form_key != key:
        raise NotFound(_("Form %(key)s has no submission %(submission_id)s.", key=key, submission_id=submission_id))
    return found


# Recurring forms: a blueprint of their own, at /api/v1/form-schedules and /api/v1/form-dues ----


class FormScheduleSchema(Schema):
    id = fields.Integer()
    site = fields.Function(lambda s: s.site.code)
    department = fields.Function(lambda s: s.department.code)
    form = fields.String(attribute="form_key")
    title = fields.String(attribute="shown_title")
    frequency = fields.String()
    weekdays = fields.List(fields.Integer())
    day_of_month = fields.Integer(allow_none=True)
    assignee = fields.Function(lambda s: s.assignee.login if s.assignee else None)
    starts_on = fields.Date()
    done_this_month = fields.Function(lambda s: schedules.month_counts(s)[0], metadata={"type": "integer"})
    due_this_month = fields.Function(lambda s: schedules.month_counts(s)[1], metadata={"type": "integer"})


class FormScheduleCreateSchema(Schema):
    site = NonEmptyString(required=True)
    form = NonEmptyString(required=True)
    frequency = fields.String(required=True, validate=validate.OneOf([f.value for f in Frequency]))
    weekdays = fields.List(Integer(validate=validate.Range(min=0, max=6)), load_default=None)
    day_of_month = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=31))
    department = NonEmptyString(load_default=None, allow_none=True)
    assignee = NonEmptyString(load_default=None, allow_none=True)
    starts_on = Date(load_default=None, allow_none=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class FormDueSchema(Schema):
    id = fields.Integer()
    schedule = fields.Integer(attribute="schedule_id")
    title = fields.Function(lambda d: d.schedule.shown_title)
    form = fields.String(attribute="form_key")
    site = fields.Function(lambda d: d.site.code)
    department = fields.Function(lambda d: d.department.code)
    occurs_on = fields.Date()
    state = fields.String()
    assignee = fields.Function(lambda d: d.assignee.login if d.assignee else None)
    submission = fields.Integer(attribute="submission_id", allow_none=True)
    done_at = UTCDateTime(allow_none=True)


class FormDueListArgs(PageArgs):
    open = QueryBoolean(load_default=False, metadata={"description": "Only those not yet submitted."})


@schedules_bp.route("/form-schedules")
@token_required()
@schedules_bp.arguments(PageArgs, location="query")
@schedules_bp.response(200, FormScheduleSchema(many=True), headers=PAGE_HEADERS)
def list_schedules(args):
    """The active form schedules of the sites and departments the caller may schedule for."""
    ids = [schedule.id for schedule in schedules.schedules_for(api_user())]
    return paginate(db.select(FormSchedule).where(FormSchedule.id.in_(ids)).order_by(FormSchedule.id), args)


@schedules_bp.route("/form-schedules", methods=["POST"])
@token_required(guard=lambda user: schedules.scheduler_refusal(user))
@schedules_bp.arguments(FormScheduleCreateSchema)
@schedules_bp.response(201, FormScheduleSchema)
@may_refuse(schedules_bp, 403)
def create_schedule(data):
    """Schedule a form at a site: daily, weekly on weekdays (Monday 0) or monthly on a day.
    The department is the form's area unless named."""
    schedule = schedules.create_schedule(api_user(), **data)
    commit()
    return schedule, 201


@schedules_bp.route("/form-schedules/<int:schedule_id>", methods=["DELETE"])
@token_required(
    guard=lambda user, schedule_id: schedules.stop_refusal(user, loaded(schedules.schedule_by_id, schedule_id))
)
@schedules_bp.response(204)
def stop_schedule(schedule_id):
    """Stop a schedule: the form falls due no more; the dues already created stay."""
    schedules.stop_schedule(api_user(), loaded(schedules.schedule_by_id, schedule_id))
    commit()
    return ""


@schedules_bp.route("/form-dues")
@token_required()
@schedules_bp.arguments(FormDueListArgs, location="query")
@schedules_bp.response(200, FormDueSchema(many=True), headers=PAGE_HEADERS)
def list_dues(args):
    """The form dues the caller may see, latest day first; ``open`` for those not yet submitted."""
    return paginate(schedules.dues_query(api_user(), open_only=args["open"]), args)


# Follow-ups of low survey scores: at /api/v1/follow-ups ------------------------------------


class FollowUpSchema(Schema):
    id = fields.Integer()
    submission = fields.Integer(attribute="submission_id")
    form = fields.String(attribute="form_key")
    site = fields.Function(lambda f: f.site.code)
    department = fields.Function(lambda f: f.department.code)
    low_ratings = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "The low ratings, by field key."}
    )
    due_on = fields.Date(metadata={"description": "The site's day by which the customer is called."})
    state = fields.Function(lambda f: follow_ups.OPEN if f.is_open else follow_ups.DONE, metadata={"type": "string"})
    overdue = fields.Function(follow_ups.is_overdue, metadata={"type": "boolean"})
    result = fields.String(allow_none=True, metadata={"description": "One of " + ", ".join(follow_ups.RESULTS) + "."})
    note = fields.String()
    recorded_by = fields.Function(lambda f: f.recorded_by.login if f.recorded_by else None)
    recorded_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime()


class FollowUpListArgs(PageArgs):
    state = fields.String(
        load_default=None,
        validate=validate.OneOf([follow_ups.OPEN, follow_ups.DONE]),
        metadata={"description": "`open` (earliest due first) or `done` (latest recorded first)."},
    )


class FollowUpOutcomeSchema(Schema):
    result = fields.String(required=True, validate=validate.OneOf(list(follow_ups.RESULTS)))
    note = fields.String(
        load_default="",
        validate=validate.Length(max=follow_ups.MAX_NOTE_LENGTH),
        metadata={"description": "What the customer said and what was done; required unless `resolved`."},
    )


@follow_ups_bp.route("/follow-ups")
@token_required()
@follow_ups_bp.arguments(FollowUpListArgs, location="query")
@follow_ups_bp.response(200, FollowUpSchema(many=True), headers=PAGE_HEADERS)
def list_follow_ups(args):
    """The follow-ups of the survey answers the caller may read."""
    return paginate(follow_ups.list_query(api_user(), args.get("state")), args)


@follow_ups_bp.route("/follow-ups/<int:follow_up_id>")
@token_required()
@follow_ups_bp.response(200, FollowUpSchema)
@follow_ups_bp.alt_response(404, response="NOT_FOUND")
def get_follow_up(follow_up_id):
    """One follow-up."""
    return follow_ups.follow_up(api_user(), follow_up_id)


@follow_ups_bp.route("/follow-ups/<int:follow_up_id>/outcome", methods=["POST"])
@token_required(
    guard=lambda user, follow_up_id: follow_ups.outcome_refusal(user, loaded(follow_ups.follow_up, user, follow_up_id))
)
@follow_ups_bp.arguments(FollowUpOutcomeSchema)
@follow_ups_bp.response(200, FollowUpSchema)
@follow_ups_bp.alt_response(404, response="NOT_FOUND")
@may_refuse(follow_ups_bp, 403, 409)
def record_follow_up_outcome(body, follow_up_id):
    """Record how the call to the customer ended (once: 409 after); the follow-up leaves the head's tasks."""
    found = loaded(follow_ups.follow_up, api_user(), follow_up_id)
    follow_ups.record_outcome(api_user(), found, result=body["result"], note=body["note"])
    commit()
    return found
