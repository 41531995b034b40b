"""What every handler module of :mod:`audits.api` shares: the blueprint and its helpers."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from audits.routes import api as bp  # noqa: F401  (the modules' routes are confirmed on it)
from core.errors import ValidationFailed

UPLOAD_SCHEMA = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    }
}


def _upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed.field("file", _("send the file as multipart/form-data in the field 'file'"))
    return upload
