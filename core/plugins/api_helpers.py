"""What a plugin's JSON API needs from the core's: the bearer-token check,
the caller, and RFC 9457 problem details, with the signatures and texts a
plugin author reads in the reference.
"""

from __future__ import annotations

from core.api.auth import api_user as user
from core.api.auth import token_required as required
from core.api.problems import problem as response


def token_required(permission=None):
    """Require a valid bearer token (and, if given, a permission) before an API view runs.

    ``permission`` is a core :class:`~core.plugins.Permission` or the key of
    one your plugin declares (``"usedcars.appraise"``). Place it below
    ``@api.route`` and above ``@api.arguments``, so that a request without a
    token is answered 401 before its body is validated. Without a permission
    it may be written without parentheses (``@token_required``).
    """
    return required(permission)


def api_user():
    """The user of the current API request's bearer token (inside a view wrapped in :func:`token_required`)."""
    return user()


def problem(
    status: int, detail: str, *, title: str | None = None, errors: list[dict] | None = None, headers: dict | None = None
):
    """An ``application/problem+json`` response (RFC 9457), the shape of every error of the API.

    Usually there is no need: raise ``NotFound``, ``Forbidden``,
    ``Conflict`` or ``ValidationFailed`` (``core.plugins``) and the API
    answers with problem details itself. ``errors`` is
    ``[{"field", "message"}]`` for refused request values.
    """
    return response(status, detail, title=title, errors=errors, headers=headers)


__all__ = ["api_user", "problem", "token_required"]
