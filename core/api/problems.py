"""RFC 9457 problem details: the one shape of every error the API answers.

``{"type", "title", "status", "detail", "instance"}``, plus ``errors`` —
``[{"field", "message"}]`` — when request values were refused. The type is
``about:blank`` (the status code says it all) except for invalid field
values, whose type defines the ``errors`` member.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import current_app, json, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    Unauthorized,
)

from core.database import db
from core.errors import DomainError, ValidationFailed, field_label

log = logging.getLogger("dealerqms.api")

MEDIA_TYPE = "application/problem+json"
API_PATH_PREFIX = "/api/"
# Outside /api/ for load balancers, but in the API's document: their errors are the API's too.
HEALTH_PATHS = ("/healthz", "/readyz")

VALIDATION_TYPE = "urn:dealerqms:problem:validation-error"


def is_api_request() -> bool:
    return request.path.startswith(API_PATH_PREFIX) or request.path in HEALTH_PATHS


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    errors: list[dict] | None = None,
    headers: dict | None = None,
    extensions: dict | None = None,
):
    """A ``application/problem+json`` response; ``extensions`` are more members of its body (RFC 9457 §3.2)."""
    body = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    response = current_app.response_class(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_messages(messages, path: tuple[str, ...] = ()) -> list[dict]:
    """marshmallow's nested ``{field: [message]}`` as ``[{"field": "a.b", "message": …}]``.

    Errors about the body as a whole (marshmallow's ``_schema``) have no field:
    ``"field": null``.
    """
    if isinstance(messages, dict):
        found = []
        for key, value in messages.items():
            inner = path if key == "_schema" else (*path, str(key))
            found.extend(flatten_messages(value, inner))
        return found
    if isinstance(messages, (list, tuple)):
        if all(isinstance(item, str) for item in messages):
            return [{"field": ".".join(path) or None, "message": item} for item in messages]
        return [entry for item in messages for entry in flatten_messages(item, path)]
    return [{"field": ".".join(path) or None, "message": str(messages)}]


def _webargs_errors(error: HTTPException) -> list[dict] | None:
    """The field errors webargs attached to the 400/422 it raised, without the location level."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not isinstance(messages, dict):
        return None
    # webargs keys the messages by where the value was read: {"json": {...}}.
    return [entry for by_location in messages.values() for entry in flatten_messages(by_location)]


def _from_http_exception(error: HTTPException):
    status = error.code or 500
    if isinstance(error, InternalServerError):
        return _internal(error)
    errors = _webargs_errors(error)
    headers = dict((getattr(error, "data", None) or {}).get("headers") or {})
    if status == 422:
        return problem(
            422,
            _fields_sentence(errors or []),
            title="Invalid field values",
            type_=VALIDATION_TYPE,
            errors=errors or [],
            headers=headers,
        )
    if status == 400 and errors:
        return problem(
            400,
            "The request body is not valid JSON." if _about_json(error) else "The request could not be understood.",
            errors=errors,
            headers=headers,
        )
    if isinstance(error, MethodNotAllowed):
        allowed = ", ".join(sorted(error.valid_methods or ()))
        return problem(
            405, f"{request.method} is not allowed on {request.path}; allowed: {allowed}.", headers={"Allow": allowed}
        )
    if isinstance(error, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return problem(
            413,
            f"The request body is larger than this installation accepts ({limit} bytes)."
            if limit
            else "The request body is too large.",
        )
    if isinstance(error, Unauthorized):
        return problem(401, error.description, headers=headers or {"WWW-Authenticate": "Bearer"})
    if isinstance(error, NotFound) and error.description == NotFound.description:
        return problem(404, f"There is nothing at {request.path}.")
    return problem(status, error.description or HTTPStatus(status).phrase, headers=headers)


def _about_json(error: HTTPException) -> bool:
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    return "json" in messages


def _fields_sentence(errors: list[dict]) -> str:
    fields = sorted({field_label(entry["field"]) for entry in errors if entry["field"]})
    if not fields:
        return _("The request body has invalid values.")
    return _("Check these fields: %(names)s.", names=", ".join(fields))


def _from_domain_error(error: DomainError):
    if isinstance(error, ValidationFailed):
        return problem(422, error.detail, title="Invalid field values", type_=VALIDATION_TYPE, errors=error.errors)
    return problem(error.status, error.detail, errors=error.errors or None)


def _internal(error: BaseException):
    original = getattr(error, "original_exception", None) or error
    log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return problem(
        500, "An unexpected error occurred; it was logged. Try again, and if it happens again, tell your administrator."
    )


def handle_api_error(error: Exception):
    """The error handler of every API blueprint: any exception becomes a problem response.

    The unit of work is rolled back first, so nothing of a refused request is
    written and the connection goes back to the pool clean.
    """
    db.session.rollback()
    if isinstance(error, HTTPException):
        return _from_http_exception(error)
    if isinstance(error, DomainError):
        return _from_domain_error(error)
    if isinstance(error, StaleDataError):
        # Someone saved the row between our read and our write: the row
        # version check in SQL refused what the service-level check could not see.
        return problem(
            409, "The record was changed by someone else meanwhile (stale row_version); reload it and try again."
        )
    # Imported here: the API's libraries load with its first view module (issue #20).
    from marshmallow import ValidationError

    if isinstance(error, ValidationError):
        errors = flatten_messages(error.messages)
        return problem(
            422, _fields_sentence(errors), title="Invalid field values", type_=VALIDATION_TYPE, errors=errors
        )
    return _internal(error)


NUL = "\x00"
NUL_MESSAGE = "may not contain the NUL character (U+0000)"
SURROGATE_MESSAGE = "is not Unicode text: it holds a lone surrogate (\\ud800-\\udfff)"


def _unstorable(text: str) -> str | None:
    """Why no database takes ``text``, or None.

    PostgreSQL refuses U+0000 where SQLite stores it; a lone surrogate, which
    a JSON ``\\ud800`` escape makes, is not UTF-8 for either.
    """
    if NUL in text:
        return NUL_MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


def _shown(name: str) -> str:
    """``name`` as a problem can show it: without NUL, a lone surrogate as U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in name.replace(NUL, ""))


def _unstorable_fields(value) -> list[dict]:
    """The ``errors`` entries for the strings in a JSON value no database takes (field None: the value itself)."""
    found, pending = [], [((), value)]
    # A loop, not recursion: a body nested nearly as deep as the parser allows would overflow the stack.
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if message := _unstorable(value):
                found.append({"field": _shown(".".join(path)) or None, "message": message})
        elif isinstance(value, dict):
            for key, item in value.items():
                if message := _unstorable(key):
                    found.append({"field": _shown(".".join((*path, key))), "message": message})
                pending.append(((*path, key), item))
        elif isinstance(value, list):
            pending.extend(((*path, str(index)), item) for index, item in enumerate(value))
    return sorted(found, key=lambda entry: entry["field"] or "")


def screen_request():
    """``before_request`` of every API blueprint: what no view can take, refused before any runs.

    Text no database stores (U+0000, which PostgreSQL refuses where SQLite
    takes it; lone surrogates, which neither takes) in the address, the query
    or a JSON body: one database would answer 500 to what the other stores,
    and no text of the API needs them. A path naming a record with it names
    nothing (404); a value with it is refused like any invalid value (422).
    And a JSON body nested deeper than the parser can follow (400).
    """
    if NUL in request.path:
        return problem(404, f"There is nothing at {_shown(request.path)}.")
    # Werkzeug decodes the address and the query with replacement characters: no surrogates there.
    errors = [
        {"field": _shown(name), "message": NUL_MESSAGE}
        for name, values in request.args.lists()
        if NUL in name or any(NUL in v for v in values)
    ]
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            # The parser's own limit, which "silent" does not cover: it would be a 500.
            return problem(
                400, "The request body is nested too deeply.", errors=[{"field": None, "message": "nested too deeply"}]
            )
        errors += _unstorable_fields(body)
    if not errors:
        return None
    return problem(422, _fields_sentence(errors), title="Invalid field values", type_=VALIDATION_TYPE, errors=errors)


def routing_problem():
    """For an /api/ address that matched no endpoint (404) or not with this method (405).

    Runs as a ``before_request`` hook: routing errors belong to no blueprint,
    so the API blueprints' error handlers never see them, and the app-level
    handlers serve HTML pages.
    """
    error = request.routing_exception
    if error is None or not is_api_request() or not isinstance(error, HTTPException) or (error.code or 0) < 400:
        return None
    return _from_http_exception(error)
