"""The errors services raise. Each knows its HTTP status, so the web views,
the API (RFC 9457 problem details) and the CLI (one sentence, non-zero exit)
all report the same mistake the same way.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


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
        return cls(f"{field}: {message}", errors=[{"field": field, "message": message}])


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
            f"{type(record).__name__} was changed by someone else (your copy is version "
            f"{expected}, the current one is {record.row_version}); reload and try again."
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
            "is required: send the version of the record you read, so that a change made meanwhile is not overwritten",
        )
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        raise ValidationFailed.field("row_version", "must be a whole number") from None
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
