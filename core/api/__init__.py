"""The JSON API: ``/api/v1``, bearer tokens, RFC 9457 errors, OpenAPI 3.1.

Built on flask-smorest: the marshmallow schema given to ``@blp.arguments``
both validates the request and describes it in ``/api/v1/openapi.json``, so
the document cannot drift from what the server accepts. Each area writes an
ordinary ``flask_smorest.Blueprint`` with routes relative to ``/api/v1``,
wraps every view in :func:`token_required`, and gets it registered — the
core's own here, the plugins' through the ``register_api_blueprints`` hook
(mounted under ``/api/v1/p/<plugin>``)::

    from flask_smorest import Blueprint
    from core.api import api_user, token_required

    bp = Blueprint("procedures", __name__, url_prefix="/procedures")

    @bp.route("")
    @token_required()
    @bp.response(200, ProcedureSchema(many=True))
    def list_procedures():
        return services.visible_procedures(api_user())
"""

from __future__ import annotations

from http import HTTPStatus

import flask
import flask_smorest
from apispec import BasePlugin
from flask import Flask
from flask_smorest.utils import prepare_response

from core.api.auth import (
    SECURITY_SCHEME,
    api_user,
    load_user_from_request,
    require_token,
    token_required,
)
from core.api.health import bp as health_bp
from core.api.pagination import CURSOR_HEADERS, PAGE_HEADERS, PageArgs, paginate
from core.api.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from core.api.problems import handle_api_error, problem, routing_problem
from core.api.schemas import ProblemSchema, UTCDateTime
from core.extensions import csrf, login_manager
from core.plugin_engine import manager

API_PREFIX = "/api/v1"
EXTENSION = manager.API_EXTENSION

DESCRIPTION = """\
The dealerqms JSON API. Every endpoint under `/api/v1` needs
`Authorization: Bearer <token>` (create a token on your account page or with
`dealerqms token create LOGIN`). Errors are RFC 9457 problem details
(`application/problem+json`). Lists are JSON arrays; their pages are linked
in the `Link` header.
"""

__all__ = [
    "API_PREFIX",
    "CURSOR_HEADERS",
    "PAGE_HEADERS",
    "PROBLEM_MEDIA_TYPE",
    "PageArgs",
    "ProblemSchema",
    "UTCDateTime",
    "api_for",
    "api_user",
    "init_app",
    "paginate",
    "problem",
    "register_api_blueprint",
    "token_required",
]


class _Conventions(BasePlugin):
    """What every operation of the document shares.

    Tags name the area's blueprint (``users``), not the name Flask mounted it
    under (``users_api.users``); and every operation that needs the token
    (all but ``/healthz``) documents its 401.
    """

    def __init__(self, tag_names: dict[str, str]):
        self.tag_names = tag_names

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            if "tags" in operation:
                operation["tags"] = [self.tag_names.get(tag, tag) for tag in operation["tags"]]
            responses = operation.setdefault("responses", {})
            if operation.get("security") != [] and not {401, "401"} & responses.keys():
                responses[401] = "UNAUTHORIZED"


class DealerApi(flask_smorest.Api):
    """flask-smorest's Api, with problem-details errors and token checks scoped to the API.

    flask-smorest would register one app-wide ``HTTPException`` handler that
    answers JSON, which would turn the web UI's error pages into JSON too.
    Instead each area's blueprint is mounted inside a blueprint made for this
    app, which carries the error handler and the token check (a blueprint's
    handlers come before the app's, and cover the blueprints nested in it).
    The area's own blueprint object is left as it was, so it can be mounted
    in other apps too. An address under ``/api/`` that matches no route is
    answered by a ``before_request`` hook.
    """

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask):
        self._tag_names: dict[str, str] = {}
        super().__init__(
            spec_kwargs={
                "extra_plugins": [_Conventions(self._tag_names)],
                "info": {"description": DESCRIPTION},
                "security": [{SECURITY_SCHEME: []}],
            }
        )
        self.init_app(app)
        self.spec.components.security_scheme(
            SECURITY_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token, from the account page or `dealerqms token create`.",
            },
        )

    def _register_error_handlers(self):
        self._app.before_request(routing_problem)

    def _register_responses(self):
        """flask-smorest's named responses, as ``application/problem+json``."""
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as RFC 9457 problem details.", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)

    def mount(self, entry: manager.PluginBlueprint) -> None:
        """Mount a plugin's API blueprint as the plugin manager laid it out."""
        self.register_blueprint(entry.blueprint, name=entry.name, url_prefix=API_PREFIX + entry.url_prefix)

    def register_blueprint(
        self, blp, *, name: str | None = None, url_prefix: str | None = None, parameters=None, public: bool = False
    ):
        """Mount ``blp`` under ``/api/v1`` (plus its own ``url_prefix``), or at ``url_prefix`` if given.

        Mounted as ``<name>_api`` unless named otherwise, so an area's API
        blueprint may share its name with its page blueprint. Every route
        needs a valid bearer token unless ``public``.
        """
        name = name or f"{blp.name}_api"
        prefix = url_prefix if url_prefix is not None else API_PREFIX + (blp.url_prefix or "")
        mount = flask.Blueprint(name, __name__)
        mount.register_error_handler(Exception, handle_api_error)
        if not public:
            # Even a view whose author forgot @token_required is not open to the world.
            mount.before_request(require_token)
        mount.register_blueprint(blp, url_prefix=prefix)
        # No session cookie authenticates the API, so there is no request to forge.
        csrf.exempt(blp)
        self._app.register_blueprint(mount)

        full_name = f"{name}.{blp.name}"
        self._tag_names[full_name] = blp.name
        self._app.extensions["flask-smorest"]["blp_name_to_api"][full_name] = self
        blp.register_views_in_doc(self, self._app, self.spec, name=full_name, parameters=parameters)
        self.spec.tag({"name": blp.name, "description": blp.description})


def api_for(app: Flask) -> DealerApi:
    return app.extensions[EXTENSION]


def register_api_blueprint(app: Flask, blueprint: flask_smorest.Blueprint, url_prefix: str | None = None) -> None:
    """Mount an area's API blueprint: routes, error handling, CSRF exemption, OpenAPI."""
    api_for(app).register_blueprint(blueprint, url_prefix=url_prefix)


def init_app(app: Flask) -> None:
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = DealerApi(app)
    app.extensions[EXTENSION] = api
    login_manager.request_loader(load_user_from_request)
    api.register_blueprint(health_bp, url_prefix="", public=True)
    # The core's areas and the plugins alike: what the plugin manager collected at start-up.
    manager.mount_api_blueprints(app)
