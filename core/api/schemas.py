"""Schemas and fields shared by every area's API."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields

from core.database import iso_utc


class UTCDateTime(fields.AwareDateTime):
    """A time as ISO 8601 in UTC with microseconds (``2026-03-01T08:30:00.000000Z``).

    The same text form as the audit trail's; a time sent without an offset
    is taken as UTC.
    """

    def __init__(self, **kwargs):
        super().__init__(default_timezone=UTC, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else iso_utc(value)


class FieldErrorSchema(Schema):
    field = fields.String(
        allow_none=True,
        metadata={
            "description": "The refused field (dotted for nested ones, `roles.0`); null for the body as a whole."
        },
    )
    message = fields.String(metadata={"description": "What is wrong with it."})


class ProblemSchema(Schema):
    """RFC 9457 problem details: the body of every error response."""

    type = fields.String(
        metadata={
            "description": "`about:blank`, or `urn:dealerqms:problem:validation-error` when `errors` lists "
            "refused fields."
        }
    )
    title = fields.String(metadata={"description": "A short summary of the kind of problem."})
    status = fields.Integer(metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong in this case, as one sentence."})
    instance = fields.String(metadata={"description": "The path of the request that failed."})
    errors = fields.List(
        fields.Nested(FieldErrorSchema),
        metadata={"description": "For invalid field values (422) and malformed bodies (400): one entry per problem."},
    )


class SignatureSchema(Schema):
    """An electronic signature as every area shows it: the printed name, the
    meaning, the time and the hash of what was signed (Part 11 11.50)."""

    signer = fields.String(attribute="signer_login")
    name = fields.String(attribute="signer_name")
    meaning = fields.String()
    signed_at = UTCDateTime()
    comment = fields.String(allow_none=True)
    content_sha256 = fields.String()
