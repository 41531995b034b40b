"""Error pages: the status and a sentence a user can act on, never a traceback.

The API answers its own errors as problem details (its blueprints' handlers
come first); these app-wide handlers serve the pages, and hand anything that
still reaches them from under ``/api/`` back to the API's handler.
"""

from __future__ import annotations

import functools
import logging

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.api.problems import handle_api_error, is_api_request
from core.database import db
from core.errors import DomainError

log = logging.getLogger("dealerqms")

TITLES = {
    400: _l("Bad request"),
    401: _l("Not logged in"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Invalid input"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}

EXPLANATIONS = {
    400: _l("The request could not be understood."),
    404: _l("There is no such page or record. It may have been removed, or the address is mistyped."),
    405: _l("This page cannot be used this way."),
    409: _l("Someone else changed this record meanwhile. Reload the page and make your change again."),
    413: _l("The upload is larger than this installation accepts."),
    500: _l("The error was logged. Try again; if it happens again, tell your administrator."),
}


def _page(status: int, detail: str, headers: list[tuple[str, str]] | None = None):
    db.session.rollback()
    title = TITLES.get(status) or str(status)
    return render_template("errors/error.html", status=status, title=title, detail=detail), status, headers or []


def _for_pages(handler):
    """Pages get ``handler``; an API address gets the API's problem details."""

    @functools.wraps(handler)
    def wrapper(error):
        if is_api_request():
            return handle_api_error(error)
        return handler(error)

    return wrapper


def domain_error(error: DomainError):
    return _page(error.status, error.detail)


def csrf_error(_error: CSRFError):
    return _page(
        400,
        str(
            _l(
                "The form was sent without a valid security token (it may have expired). "
                "Go back, reload the page and send it again."
            )
        ),
    )


def stale_data(_error: StaleDataError):
    # The row changed between reading it and writing it: a race the row
    # version check could not see yet, refused by the database instead.
    return _page(409, str(EXPLANATIONS[409]))


def http_error(error: HTTPException):
    status = error.code or 500
    explanation = EXPLANATIONS.get(status) or error.description
    # What the exception says besides its body: Allow of a 405 (RFC 9110 requires it), WWW-Authenticate, Retry-After.
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return _page(status, str(explanation), headers)


def internal_error(error: InternalServerError):
    original = getattr(error, "original_exception", None)
    if original is not None:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=original)
    return _page(500, str(EXPLANATIONS[500]))


def init_app(app) -> None:
    for error_class, handler in (
        (DomainError, domain_error),
        (CSRFError, csrf_error),
        (StaleDataError, stale_data),
        (InternalServerError, internal_error),
        (HTTPException, http_error),
    ):
        app.register_error_handler(error_class, _for_pages(handler))
