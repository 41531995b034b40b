"""Schemas and fields shared by every area's API.

marshmallow's own ``Integer`` and ``Boolean`` read more than the document
promises (``"5"``, ``5.5``, ``true`` as a number; ``0``, ``1``, ``"yes"``
as a boolean) and bound nothing, so an offset beyond 64 bits reached the
database and came back as a 500. The fields here take exactly what the
OpenAPI document says: in a JSON body the JSON type itself, in a query
string its one text spelling, and whole numbers a 64-bit column can hold
(an id: ``core.api.converters.ID_MAX``, what PostgreSQL's ``integer`` holds).
"""

from __future__ import annotations

import re
from datetime import UTC, date

from marshmallow import Schema, fields, validate

from core.database import iso_utc

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_QUERY_INTEGER = re.compile(r"-?[0-9]+")


class _Int64(fields.Integer):
    default_error_messages = {"int64": "Beyond the range of a 64-bit integer."}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Never fails (_validated refused such a number already), but documents the bounds.
        self.validators.insert(0, validate.Range(min=INT64_MIN, max=INT64_MAX))

    def _validated(self, value):
        number = super()._validated(value)
        if number is not None and not INT64_MIN <= number <= INT64_MAX:
            raise self.make_error("int64")
        return number


class Integer(_Int64):
    """A JSON integer of a request body, within the signed 64-bit range.

    ``true`` is refused (Python counts it as 1), and so are ``"5"`` and
    ``5.5``; ``5.0`` is the integer 5, as JSON Schema reads it.
    """

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


class QueryInteger(_Int64):
    """An integer of a query string: ASCII digits with an optional minus, within the signed 64-bit range.

    ``int()`` alone would also read `` 5``, ``5_000`` and other scripts' digits.
    """

    def _validated(self, value):
        if not isinstance(value, str) or not _QUERY_INTEGER.fullmatch(value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


class Date(fields.Date):
    """A date of a request (``YYYY-MM-DD``) from 1900-01-01 to 2999-12-31.

    Beyond, the calendar arithmetic behind it (a review 120 months on, the
    start of a day in the site's time zone) leaves the years Python's dates
    hold: 9999-12-31 as a filter was an OverflowError (a 500).
    """

    def __init__(self, **kwargs):
        # The same years as a pattern, which JSON Schema applies to a string (x-minimum/x-maximum it does not).
        metadata = {"pattern": r"^(19|2[0-9])[0-9]{2}-", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.validators.insert(0, validate.Range(min=FIRST_DAY, max=LAST_DAY, error="Must be from {min} to {max}."))


class Boolean(fields.Boolean):
    """A JSON ``true`` or ``false`` of a request body; ``0``, ``1`` and ``"true"`` are refused.

    (A set of truthy values cannot say this: ``1 in {True}`` holds.)
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(fields.Boolean):
    """A boolean of a query string: ``true`` or ``false``."""

    def __init__(self, **kwargs):
        super().__init__(truthy={"true"}, falsy={"false"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class NonEmptyString(fields.String):
    """A string of at least one character: an empty code or key names nothing, so it is refused (422)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.insert(0, validate.Length(min=1))


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


class Pattern(validate.Regexp):
    """A regular expression the whole value must match, as JSON Schema's ``pattern`` reads ``^…$``.

    marshmallow's ``Regexp`` searches from the start only, and Python's ``$``
    also matches before a final newline: ``"MAIN\\n"`` would pass.
    """

    def __call__(self, value):
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise validate.ValidationError(self._format_error(value))
        return value


class Number(fields.Float):
    """A JSON number of a request body: not ``true``, not ``"4.5"``, and finite."""

    def _validated(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid", input=value)
        try:
            float(value)
        except OverflowError:
            # An integer of hundreds of digits: no double holds it.
            raise self.make_error("invalid", input=value) from None
        return super()._validated(value)
