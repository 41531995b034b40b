"""The errors services raise. Each knows its HTTP status, so the web views,
the API (RFC 9457 problem details) and the CLI (one sentence, non-zero exit)
all report the same mistake the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# What a person sees a field called, by the key services name it with: an error
# says "Enter the change summary", never "change_summary: is required". Core
# names the fields every area shares; an area adds its own with label_fields().
_FIELD_LABELS: dict[str, object] = {
    "assignee": _l("Assignee"),
    "body": _l("Text"),
    "code": _l("Code"),
    "current_password": _l("Current password"),
    "date": _l("Date"),
    "day_of_month": _l("Day of the month"),
    "deputy": _l("Deputy"),
    "department": _l("Department"),
    "description": _l("Description"),
    "display_name": _l("Display name"),
    "due_date": _l("Due date"),
    "email": _l("E-mail"),
    "file": _l("File"),
    "form": _l("Form"),
    "frequency": _l("Frequency"),
    "head": _l("Head"),
    "kind": _l("Kind"),
    "locale": _l("Language"),
    "login": _l("Login"),
    "meaning": _l("Meaning"),
    "name": _l("Name"),
    "note": _l("Note"),
    "owner": _l("Owner"),
    "password": _l("Password"),
    "period": _l("Period"),
    "planned_date": _l("Planned date"),
    "reason": _l("Reason"),
    "roles": _l("Roles"),
    "row_version": _l("Version"),
    "site": _l("Site"),
    "starts_on": _l("Starts on"),
    "submitted_at": _l("Submitted at"),
    "target": _l("Target"),
    "time_zone": _l("Time zone"),
    "title": _l("Title"),
    "value": _l("Value"),
    "warning": _l("Warning threshold"),
    "weekdays": _l("Weekdays"),
}


def label_fields(labels: Mapping[str, object]) -> None:
    """Name more fields by their labels (lazy strings, so each reader gets their language)."""
    _FIELD_LABELS.update(labels)


def field_label(key: str) -> str:
    """The label a person sees for the field ``key`` (its key in words when it has none)."""
    label = _FIELD_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def label_in_sentence(key: str) -> str:
    """The field's label as it reads inside a sentence: "the change summary", not "the Change summary"."""
    label = field_label(key)
    # An acronym ("NC", "KPI") keeps its capitals.
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


def in_words(error: DomainError) -> str:
    """The whole complaint of ``error`` as one text for a person: its detail, then
    each field error the detail does not already say, the field named by its label."""
    extra = [
        _("%(label)s: %(message)s", label=field_label(item.get("field") or ""), message=item["message"])
        if item.get("field")
        else item["message"]
        for item in error.errors
        if item.get("message") and item["message"] not in error.detail
    ]
    return " ".join([error.detail, *extra])


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    """A state conflict or a stale ``row_version``."""

    status = 409
    title = "Conflict"


class ValidationFailed(DomainError):
    status = 422
    title = "Invalid field values"

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        """``message`` about ``field``; the detail names the field by its label."""
        detail = _("%(label)s: %(message)s", label=field_label(field), message=message)
        return cls(detail, errors=[{"field": field, "message": message}])

    @classmethod
    def about(cls, field: str, sentence: str) -> ValidationFailed:
        """A ``sentence`` that already names ``field`` in words: it is the whole detail."""
        return cls(sentence, errors=[{"field": field, "message": sentence}])

    @classmethod
    def required(cls, field: str) -> ValidationFailed:
        """``field`` was left empty: say what to fill in, by its label."""
        return cls.about(field, _("Enter the %(label)s.", label=label_in_sentence(field)))


class TooLarge(DomainError):
    status = 413
    title = "Too large"


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"


def check_row_version(record, expected: int | None) -> None:
    """Refuse an edit made against an older copy of ``record``; ``None`` skips the check.

    Edits of a record someone else may be changing use :func:`require_row_version`.
    """
    if expected is not None and int(expected) != record.row_version:
        raise Conflict(
            _(
                "This record was changed by someone else meanwhile (your copy is version %(yours)s, the "
                "current one is %(current)s): reload the page, check their change and make yours again.",
                yours=expected,
                current=record.row_version,
            )
        )


def require_row_version(record, expected: int | str | None) -> None:
    """Refuse an edit that does not say which copy of ``record`` it was made on
    (422 naming ``row_version``), or that was made on an older one (409).

    Without the version a stale edit could not be told from a fresh one, and
    would silently overwrite the change made meanwhile.
    """
    if expected is None or (isinstance(expected, str) and not expected.strip()):
        raise ValidationFailed.field(
            "row_version",
            _("send the version of the record you read, so that a change made meanwhile is not overwritten"),
        )
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise ValidationFailed.field("row_version", _("write it as a whole number")) from None
    check_row_version(record, expected)


class Refusal(str):
    """The one sentence a rule answers "may this user do this to this record?"
    with when it says no, and the error a service raises it as.

    It is a ``str``, so a page shows it as it is. A refusal predicate returns
    one of these or ``None``; the service doing the action asks the same
    predicate and raises its answer with :func:`enforce`.
    """

    error: type[DomainError]

    def __new__(cls, reason: str, error: type[DomainError] = Forbidden) -> Refusal:
        refusal = super().__new__(cls, reason)
        refusal.error = error
        return refusal


def conflict(reason: str) -> Refusal:
    """A refusal because of the record's state (409), not the user's rights."""
    return Refusal(reason, Conflict)


def enforce(refusal: str | None) -> None:
    if refusal:
        raise getattr(refusal, "error", Forbidden)(str(refusal))


def authorize(refusal: str | None) -> None:
    """Enforce who may act (404 for a record outside one's scope, 403 with the reason)
    before anything sent is read; a refusal for the record's state (409) is left to the
    service, which answers it after the input, as it always has."""
    if refusal and getattr(refusal, "error", Forbidden) is not Conflict:
        enforce(refusal)
