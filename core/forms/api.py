"""Form definitions and submissions as JSON. Validation is the web form's
(:func:`core.forms.services.validate_json`), so both refuse the same values."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.accounts import services as accounts
from core.accounts.api import KeyOf
from core.api import (
    PAGE_HEADERS,
    Date,
    NonEmptyString,
    PageArgs,
    UTCDateTime,
    api_user,
    may_refuse,
    paginate,
    token_required,
)
from core.database import commit
from core.errors import NotFound, ValidationFailed
from core.forms import services
from core.forms.schema import describe, json_schema

bp = Blueprint("forms", __name__, url_prefix="/forms", description="Plugin-defined forms and their submissions.")


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
        raise NotFound(f"Form {key} has no submission {submission_id}.")
    return found
