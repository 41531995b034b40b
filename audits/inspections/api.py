"""Recurring checks over the API: schedules, the inspections to do, recording one."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from audits.api.schemas import EvidenceSchema
from audits.api.shared import UPLOAD_SCHEMA, _upload
from audits.inspections import services
from audits.inspections.models import InspectionSchedule
from audits.routes import inspections_api as bp
from audits.services import evidence as evidence_services
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
from core.rhythm import Frequency


class ScheduleSchema(Schema):
    id = fields.Integer()
    site = fields.Function(lambda s: s.site.code)
    department = fields.Function(lambda s: s.department.code)
    checklist = fields.String(attribute="checklist_key")
    title = fields.String()
    frequency = fields.String()
    weekdays = fields.List(fields.Integer())
    day_of_month = fields.Integer(allow_none=True)
    assignee = fields.Function(lambda s: s.assignee.login if s.assignee else None)
    starts_on = fields.Date()
    done_this_month = fields.Function(lambda s: services.month_counts(s)[0], metadata={"type": "integer"})
    due_this_month = fields.Function(lambda s: services.month_counts(s)[1], metadata={"type": "integer"})
    completion_this_month = fields.Function(
        lambda s: services.schedule_completion(s),
        metadata={"type": "number", "nullable": True, "description": "Percent of this month's checks done so far."},
    )


class ScheduleCreateSchema(Schema):
    site = NonEmptyString(required=True)
    checklist = NonEmptyString(required=True)
    frequency = fields.String(required=True, validate=validate.OneOf([f.value for f in Frequency]))
    weekdays = fields.List(Integer(validate=validate.Range(min=0, max=6)), load_default=None)
    day_of_month = Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=31))
    department = NonEmptyString(load_default=None, allow_none=True)
    assignee = NonEmptyString(load_default=None, allow_none=True)
    starts_on = Date(load_default=None, allow_none=True)
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class ItemSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    guidance = fields.String()
    result = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceSchema))


class InspectionSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    site = fields.Function(lambda i: i.site.code)
    department = fields.Function(lambda i: i.department.code)
    checklist = fields.String(attribute="checklist_key")
    occurs_on = fields.Date()
    state = fields.String()
    assignee = fields.Function(lambda i: i.assignee.login if i.assignee else None)
    completed_at = UTCDateTime(allow_none=True)
    row_version = fields.Integer()
    items = fields.List(fields.Nested(ItemSchema))


class InspectionListArgs(PageArgs):
    open = QueryBoolean(load_default=False, metadata={"description": "Only those still to do."})


class AnswerSchema(Schema):
    id = Integer(required=True)
    result = fields.String(required=True, validate=validate.OneOf(services.RESULTS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))


class RecordSchema(Schema):
    row_version = Integer(required=True)
    items = fields.List(fields.Nested(AnswerSchema), required=True)


@bp.route("/inspection-schedules")
@token_required()
@bp.arguments(PageArgs, location="query")
@bp.response(200, ScheduleSchema(many=True), headers=PAGE_HEADERS)
def list_schedules(args):
    """The active schedules of the sites and departments the caller may schedule for."""
    ids = [schedule.id for schedule in services.schedules_for(api_user())]
    return paginate(
        db.select(InspectionSchedule).where(InspectionSchedule.id.in_(ids)).order_by(InspectionSchedule.id), args
    )


@bp.route("/inspection-schedules", methods=["POST"])
@token_required(guard=lambda user: services.scheduler_refusal(user))
@bp.arguments(ScheduleCreateSchema)
@bp.response(201, ScheduleSchema)
@may_refuse(bp, 403)
def create_schedule(data):
    """Schedule a checklist at a site: daily, weekly on weekdays (Monday 0) or monthly on a day."""
    schedule = services.create_schedule(api_user(), **data)
    commit()
    return schedule, 201


@bp.route("/inspection-schedules/<int:schedule_id>", methods=["DELETE"])
@token_required(
    guard=lambda user, schedule_id: services.stop_refusal(user, loaded(services.schedule_by_id, schedule_id))
)
@bp.response(204)
def stop_schedule(schedule_id):
    """Stop a schedule: no more checks from it; those created stay."""
    services.stop_schedule(api_user(), loaded(services.schedule_by_id, schedule_id))
    commit()
    return ""


@bp.route("/inspections")
@token_required()
@bp.arguments(InspectionListArgs, location="query")
@bp.response(200, InspectionSchema(many=True), headers=PAGE_HEADERS)
def list_inspections(args):
    """The inspections the caller may see, latest day first; ``open`` for those to do."""
    return paginate(services.inspections_query(api_user(), open_only=args["open"]), args)


@bp.route("/inspections/<int:inspection_id>")
@token_required()
@bp.response(200, InspectionSchema)
def get_inspection(inspection_id):
    """One inspection with its points (404 outside one's scope)."""
    found = services.inspection_by_id(inspection_id)
    services.require_visible(api_user(), found)
    return found


def _performing(user, inspection_id):
    return services.perform_refusal(user, loaded(services.inspection_by_id, inspection_id))


@bp.route("/inspections/<int:inspection_id>", methods=["PUT"])
@token_required(guard=_performing)
@bp.arguments(RecordSchema)
@bp.response(200, InspectionSchema)
@may_refuse(bp, 403, 409)
def record_inspection(data, inspection_id):
    """Record every point (ok, not_ok with a note, na); points not OK raise one nonconformity."""
    found = loaded(services.inspection_by_id, inspection_id)
    answers = {answer["id"]: (answer["result"], answer["note"]) for answer in data["items"]}
    services.record(api_user(), found, answers, row_version=data["row_version"])
    commit()
    return found


def _adding_photos(user, inspection_id, item_id):
    return evidence_services.inspection_evidence_refusal(user, loaded(services.inspection_by_id, inspection_id))


@bp.route("/inspections/<int:inspection_id>/items/<int:item_id>/evidence", methods=["POST"])
@token_required(guard=_adding_photos)
@bp.doc(requestBody={"content": UPLOAD_SCHEMA, "required": True})
@bp.response(201, EvidenceSchema)
@may_refuse(bp, 403, 409)
def upload_item_photo(inspection_id, item_id):
    """Add a photo to a point of an open check (multipart, field ``file``); a point not OK carries it to its NC."""
    item = services.item_of(loaded(services.inspection_by_id, inspection_id), item_id)
    upload = _upload()
    evidence = evidence_services.attach_to_inspection_item(
        api_user(), item, upload.stream, upload.filename, upload.mimetype
    )
    commit()
    return evidence, 201
