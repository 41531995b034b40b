"""``/api/v1/checklists/…``: importing checklist libraries, their versions, retiring a version
and exporting one. (The list of every checklist and one checklist are served with the
plugins', ``core.plugins.api``: ``GET /api/v1/checklists[/{key}]``.)"""

from __future__ import annotations

from io import BytesIO

from flask import json, request, send_file
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from core.api import (
    PROBLEM_MEDIA_TYPE,
    ProblemSchema,
    QueryInteger,
    UTCDateTime,
    api_user,
    file_responses,
    may_refuse,
    token_required,
)
from core.api.problems import VALIDATION_TYPE, problem
from core.checklists import services
from core.checklists.routes import api as bp
from core.database import commit
from core.errors import ValidationFailed

UPLOAD = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    }
}


class ChecklistVersionSchema(Schema):
    key = fields.String()
    version = fields.Integer()
    title = fields.String(metadata={"description": "The English title (the file's Chinese one is in its content)."})
    content_hash = fields.String(metadata={"description": "SHA-256 of the canonical content."})
    source_filename = fields.String(metadata={"description": "The name of the file it was imported from."})
    questions = fields.Integer(attribute="questions_count")
    imported_by = fields.Function(lambda v: v.imported_by.login if v.imported_by else None, allow_none=True)
    imported_at = UTCDateTime()
    retired = fields.Boolean()
    retired_by = fields.Function(lambda v: v.retired_by.login if v.retired_by else None, allow_none=True)
    retired_at = UTCDateTime(allow_none=True)


class ImportResultSchema(ChecklistVersionSchema):
    created = fields.Boolean(
        metadata={"description": "False when the file held the current version's content: nothing new was made."}
    )


class FileProblemSchema(Schema):
    sheet = fields.String(allow_none=True, metadata={"description": "The XLSX sheet; null for YAML."})
    row = fields.Integer(allow_none=True, metadata={"description": "The spreadsheet row, or the YAML line."})
    column = fields.String(allow_none=True, metadata={"description": "The column letter and header, or the YAML path."})
    message = fields.String(metadata={"description": "What is wrong, in the caller's language."})


class FileProblemsSchema(ProblemSchema):
    problems = fields.List(
        fields.Nested(FileProblemSchema), metadata={"description": "Every problem of the file, located."}
    )


class ExportArgs(Schema):
    format = fields.String(
        load_default="xlsx", validate=validate.OneOf(services.KINDS), metadata={"description": "xlsx or yaml."}
    )
    version = QueryInteger(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A version's number; the one in use if left out."},
    )


def _read_refusal(user, **_url):
    return services.read_refusal(user)


def _manage_refusal(user, **_url):
    return services.manage_refusal(user)


def _file_problems(error: services.ChecklistFileProblems):
    """422 with every problem located, as ``errors`` (one sentence each) and as ``problems``."""
    response = problem(422, error.detail, title="Invalid field values", type_=VALIDATION_TYPE, errors=error.errors)
    body = json.loads(response.get_data())
    body["problems"] = [
        {"sheet": p.sheet, "row": p.row, "column": p.column, "message": str(p.message)} for p in error.problems
    ]
    response.set_data(json.dumps(body))
    return response


class _Imported:
    """A version and whether the import made it, as ``ImportResultSchema`` reads them."""

    def __init__(self, row, created: bool):
        self._row, self.created = row, created

    def __getattr__(self, name):
        return getattr(self._row, name)


@bp.route("/import", methods=["POST"])
@token_required(guard=_manage_refusal)
@bp.doc(requestBody={"content": UPLOAD, "required": True})
@bp.response(201, ImportResultSchema, description="A new version was imported.")
@bp.alt_response(200, schema=ImportResultSchema, description="The file holds the version in use: nothing new.")
@bp.alt_response(
    422,
    schema=FileProblemsSchema,
    content_type=PROBLEM_MEDIA_TYPE,
    description="The file has problems, every one listed under `problems`: nothing was imported.",
)
@may_refuse(bp, 403)
def import_checklist():
    """Import a checklist library (XLSX or YAML, multipart field ``file``).

    A new version when the content differs from the version in use; 200 with that
    version when it does not. Files over ``CHECKLIST_IMPORT_MAX_BYTES`` answer 413.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed.field("file", _("send the file as multipart/form-data in the field 'file'"))
    data = upload.read(services.max_bytes() + 1)
    try:
        row, created = services.import_file(api_user(), upload.filename, data)
    except services.ChecklistFileProblems as error:
        return _file_problems(error)
    commit()
    return _Imported(row, created), 201 if created else 200


@bp.route("/<plugin_key:key>/versions")
@token_required(guard=_read_refusal)
@bp.response(200, ChecklistVersionSchema(many=True))
@may_refuse(bp, 403)
def list_versions(key):
    """The imported versions of a checklist, newest first (none for a plugin's checklist)."""
    return services.versions(key)


@bp.route("/<plugin_key:key>/versions/<int:number>/retire", methods=["POST"])
@token_required(guard=_manage_refusal)
@bp.response(200, ChecklistVersionSchema)
@may_refuse(bp, 403, 409)
def retire_version(key, number):
    """Retire a version: no new audit or check uses it; those that did keep it."""
    row = services.retire(api_user(), key, number)
    commit()
    return row


@bp.route("/<plugin_key:key>/export")
@token_required(guard=_read_refusal)
@bp.arguments(ExportArgs, location="query")
@bp.doc(responses=file_responses(sorted(services.MEDIA_TYPES.values()), "The checklist as a file, an attachment."))
@may_refuse(bp, 403)
def export_checklist(args, key):
    """An imported checklist as XLSX or YAML, as it would be imported (the version in use unless ``version``)."""
    filename, data, media_type = services.export(key, args["format"], args["version"])
    return send_file(BytesIO(data), mimetype=media_type, as_attachment=True, download_name=filename)
