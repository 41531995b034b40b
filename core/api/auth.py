"""Bearer-token authentication for the API.

Every ``/api/v1`` endpoint is wrapped in :func:`token_required`: the caller
is the user of the ``Authorization: Bearer <token>`` header, never of a
session cookie (so CSRF cannot apply, and an API call never creates a
session). Inside, :func:`api_user` is that user and every trail event the
request records names them as actor. Flask-Login's ``current_user`` is
them too, through its ``request_loader`` — unless a browser sent its
session cookie along, which Flask-Login consults first; API code therefore
asks :func:`api_user`, never ``current_user``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import g, request
from werkzeug.exceptions import Unauthorized

from core.accounts.models import User
from core.accounts.permissions import Permission, require
from core.accounts.services import user_for_token
from core.api.problems import API_PATH_PREFIX
from core.errors import authorize
from core.trail.context import acting_as

REALM = "dealerqms"
SECURITY_SCHEME = "bearerAuth"

# A service's refusal for the record a URL names: ``guard(user, **url_arguments)``.
Guard = Callable[..., "str | None"]


def _bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def token_user() -> User | None:
    """The active user of the request's bearer token, or None; looked up once per request."""
    if "dealerqms_token_user" not in g:
        token = _bearer_token()
        g.dealerqms_token_user = user_for_token(token) if token else None
    return g.dealerqms_token_user


def load_user_from_request(req) -> User | None:
    """Flask-Login's request loader: a bearer token counts on API addresses only.

    Web pages authenticate with the session cookie and check CSRF; a token
    there would be a way around both.
    """
    if not req.path.startswith(API_PATH_PREFIX):
        return None
    return token_user()


def _refuse(detail: str, error: str | None = None) -> Unauthorized:
    challenge = f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
    refusal = Unauthorized(detail)
    refusal.data = {"headers": {"WWW-Authenticate": challenge}}
    return refusal


def authenticate() -> User:
    """The caller, or a 401 naming what is wrong with the credentials."""
    header = request.headers.get("Authorization")
    if not header:
        raise _refuse(
            "This endpoint needs an API token: send 'Authorization: Bearer <token>' "
            "(create one on your account page or with 'dealerqms token create')."
        )
    if _bearer_token() is None:
        raise _refuse("The Authorization header must have the form 'Bearer <token>'.", "invalid_request")
    user = token_user()
    if user is None:
        raise _refuse("The API token is unknown or revoked, or its user is deactivated.", "invalid_token")
    return user


def require_token() -> None:
    """``before_request`` of every API blueprint: no valid token, no view."""
    g.dealerqms_api_user = authenticate()


def api_user() -> User:
    """The authenticated caller of the current API request."""
    user = g.get("dealerqms_api_user")
    if user is None:
        raise RuntimeError("api_user() is only known inside a view wrapped in @token_required")
    return user


def loaded(loader: Callable, *args):
    """``loader(*args)``, called once per request: a guard and the handler after it share
    the record, so authorizing first costs no second load of it."""
    cache = g.setdefault("dealerqms_loaded", {})
    key = (loader, args)
    if key not in cache:
        cache[key] = loader(*args)
    return cache[key]


def token_required(permission: Permission | str | None = None, *, guard: Guard | None = None):
    """Require a valid bearer token (and, if given, a permission) before the view runs.

    ``permission`` is a core :class:`Permission` or the key of one a plugin
    declares (``"usedcars.appraise"``).

    Place it below ``@blp.route`` and above ``@blp.arguments``, so that an
    unauthenticated request is answered 401 before its body is validated::

        @blp.route("/stock", methods=["POST"])
        @token_required(Permission.MANAGE_USERS)
        @blp.arguments(StockSchema)
        @blp.response(201, StockSchema)
        def add_stock(data):
            return services.add_stock(api_user(), **data), 201

    The permission check here answers 403 early; the service called by the
    view still checks the rule in full (department, owner), as it must for
    the web pages and the command line too.

    ``guard`` is the service's refusal for the record the URL names, called
    with the user and the URL's arguments (``guard(user, reference=...)``)
    before the permission and before the body: a record outside the caller's
    scope answers 404 and an action they may not take on it 403 with the
    reason, never 422 for a body they were not allowed to send. The record's
    state (409) is left to the service.
    """
    if callable(permission) and not isinstance(permission, str):
        return token_required()(permission)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = authenticate()
            if guard is not None:
                with acting_as(user.login):
                    authorize(guard(user, **kwargs))
            if permission is not None:
                require(user, permission)
            g.dealerqms_api_user = user
            with acting_as(user.login):
                return view(*args, **kwargs)

        _document(wrapper, permission, guarded=guard is not None)
        return wrapper

    return decorator


def _document(view, permission: Permission | str | None, *, guarded: bool = False) -> None:
    """Add the bearer requirement and its error responses to the view's OpenAPI operation."""
    # functools.wraps shares the view's documentation with the wrapper: a copy of each level
    # changed here, not a deep copy of the schemas in it (a fifth of the API's import time).
    doc = dict(getattr(view, "_apidoc", {}))
    response = doc["response"] = dict(doc.get("response", {}))
    responses = response["responses"] = dict(response.get("responses", {}))
    responses[401] = [*responses.get(401, []), "UNAUTHORIZED"]
    if permission is not None or guarded:
        responses[403] = [*responses.get(403, []), "FORBIDDEN"]

    manual = doc["manual_doc"] = dict(doc.get("manual_doc", {}))
    manual["security"] = [{SECURITY_SCHEME: []}]
    if permission is not None:
        manual["x-permission"] = str(permission)
    view._apidoc = doc
