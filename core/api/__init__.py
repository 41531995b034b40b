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

import threading
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
    loaded,
    require_token,
    token_required,
)
from core.api.converters import PeriodConverter, PluginKeyConverter, period_schema, plugin_key_schema
from core.api.health import bp as health_bp
from core.api.pagination import CURSOR_HEADERS, PAGE_HEADERS, PageArgs, page_headers, paginate
from core.api.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from core.api.problems import handle_api_error, problem, routing_problem, screen_request
from core.api.schemas import (
    Boolean,
    Date,
    Integer,
    NonEmptyString,
    Number,
    ProblemSchema,
    QueryBoolean,
    QueryInteger,
    UTCDateTime,
)
from core.extensions import CommandLoadedWhenRun, csrf, login_manager
from core.lazy_views import LazyApiBlueprint
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
    "BINARY",
    "CURSOR_HEADERS",
    "PAGE_HEADERS",
    "PROBLEM_MEDIA_TYPE",
    "Boolean",
    "Date",
    "Integer",
    "NonEmptyString",
    "Number",
    "PageArgs",
    "ProblemSchema",
    "QueryBoolean",
    "QueryInteger",
    "UTCDateTime",
    "api_for",
    "file_responses",
    "api_user",
    "init_app",
    "loaded",
    "may_refuse",
    "page_headers",
    "paginate",
    "problem",
    "register_api_blueprint",
    "token_required",
]


class _Conventions(BasePlugin):
    """What every operation of the document shares.

    Tags name the area's blueprint (``users``), not the name Flask mounted it
    under (``users_api.users``). The error responses the plumbing itself
    gives are documented on every operation where they can happen: 401
    without a valid token (all but ``/healthz``), 404 for an address whose
    parameters name nothing, 400 (malformed), 413 (too large) and 422
    (invalid values) for a request body, 422 for query parameters. What a
    service refuses beyond that (403, 409, 429) each operation declares.
    There is no catch-all ``default`` response: a status the document does
    not name for an operation is a finding of the API's own tests.
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

            def document(status: HTTPStatus, responses=responses):
                if not {status.value, str(status.value)} & responses.keys():
                    responses[status.value] = status.name

            if operation.get("security") != []:
                document(HTTPStatus.UNAUTHORIZED)
            if "{" in (path or ""):
                document(HTTPStatus.NOT_FOUND)
            if "requestBody" in operation:
                document(HTTPStatus.BAD_REQUEST)
                document(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                document(HTTPStatus.UNPROCESSABLE_ENTITY)
            if any(isinstance(p, dict) and p.get("in") == "query" for p in operation.get("parameters", [])):
                document(HTTPStatus.UNPROCESSABLE_ENTITY)


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
    # No catch-all response: see _Conventions.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app: Flask):
        self._tag_names: dict[str, str] = {}
        # Blueprints mounted whose operations the document does not describe yet (see ``spec``).
        self._undocumented: list[tuple[flask_smorest.Blueprint, str, list | None]] = []
        self._documenting = threading.Lock()
        # flask-smorest's arguments for the document, until it is built (see ``_init_spec``).
        self._unbuilt_spec: dict | None = None
        # The thread building it, whose reads of ``spec`` meanwhile are flask-smorest's own set-up.
        self._builder: int | None = None
        super().__init__(
            spec_kwargs={
                "extra_plugins": [_Conventions(self._tag_names)],
                "info": {"description": DESCRIPTION},
                "security": [{SECURITY_SCHEME: []}],
            }
        )
        # Kept by flask-smorest and described in the document when it is built.
        self.register_converter(PluginKeyConverter, plugin_key_schema)
        self.register_converter(PeriodConverter, period_schema)
        self.init_app(app)

    def _init_spec(self, **spec_kwargs) -> None:
        """flask-smorest builds the document's skeleton in ``init_app`` (its plugins, the
        named responses of every HTTP status, headers, converters): work for every process
        that only the document's readers need, so it is kept for the first read of ``spec``.
        The ``openapi`` command group it adds is added here, imported when it runs."""
        self._unbuilt_spec = spec_kwargs
        openapi = CommandLoadedWhenRun("openapi", "OpenAPI commands.", "flask_smorest.spec:openapi_cli")
        self._app.cli.add_command(openapi)

    def _build_spec(self) -> None:
        self._builder = threading.get_ident()
        try:
            super()._init_spec(**self._unbuilt_spec)
            self._spec.components.security_scheme(
                SECURITY_SCHEME,
                {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token, from the account page or `dealerqms token create`.",
                },
            )
            self._unbuilt_spec = None
        finally:
            self._builder = None

    @property
    def spec(self):
        """The OpenAPI document, with every blueprint mounted so far described in it.

        Its skeleton is built the first time it is read (see ``_init_spec``). Describing
        the operations (resolving each marshmallow schema) takes a fifth of a second that
        only ``/api/v1/openapi.json`` and the API's tests need, so it happens here too, not
        when a blueprint is mounted; so does loading the handler modules of a
        :class:`~core.lazy_views.LazyApiBlueprint`.
        """
        if self._builder == threading.get_ident():
            return self._spec
        if self._unbuilt_spec is not None or self._undocumented:
            with self._documenting:
                if self._unbuilt_spec is not None:
                    self._build_spec()
                while self._undocumented:
                    blp, full_name, parameters = self._undocumented.pop(0)
                    if isinstance(blp, LazyApiBlueprint):
                        # Its handler modules, and so what they describe, load on first use.
                        blp.load_views()
                    blp.register_views_in_doc(self, self._app, self._spec, name=full_name, parameters=parameters)
                    self._spec.tag({"name": blp.name, "description": blp.description})
        return self._spec

    @spec.setter
    def spec(self, value):
        self._spec = value

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
        mount.before_request(screen_request)
        mount.register_blueprint(blp, url_prefix=prefix)
        # No session cookie authenticates the API, so there is no request to forge.
        for exempt in _with_nested(blp):
            csrf.exempt(exempt)
        self._app.register_blueprint(mount)

        full_name = f"{name}.{blp.name}"
        self._tag_names[full_name] = blp.name
        self._app.extensions["flask-smorest"]["blp_name_to_api"][full_name] = self
        self._undocumented.append((blp, full_name, parameters))


def _with_nested(blp) -> list:
    """``blp`` and the blueprints nested in it, at any depth."""
    found = [blp]
    for child, _options in getattr(blp, "_blueprints", []):
        found.extend(_with_nested(child))
    return found


BINARY = {"type": "string", "format": "binary"}


def file_responses(media_types, description: str) -> dict:
    """The responses of a view that serves a file with ``send_file``, for ``@blp.doc(responses=…)``.

    ``send_file`` answers conditional and range requests itself: the whole
    file (200), the byte range asked for (206, ``Range``), nothing when the
    client's copy is current (304, ``If-None-Match``), or 416 for a range
    beyond the end. The media types are those the file may have.
    """
    content = {media_type: {"schema": BINARY} for media_type in media_types}
    return {
        200: {
            "description": description,
            "content": content,
            "headers": {
                "Content-Disposition": {
                    "description": "How to present the file, with its name (RFC 6266, `filename*` for non-ASCII).",
                    "schema": {"type": "string"},
                },
                "ETag": {"description": "Send it back in `If-None-Match`.", "schema": {"type": "string"}},
            },
        },
        206: {"description": "The byte range the request asked for (`Range`).", "content": content},
        304: {"description": "The copy whose ETag the request sent (`If-None-Match`) is current."},
        416: HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE.name,
    }


def may_refuse(blp: flask_smorest.Blueprint, *statuses: int):
    """Document the refusals of the services behind a view (403, 409) as problem-details responses.

    What the plumbing answers (401, 404 for an address, 400/413/422 for a
    request's values) every operation documents by itself; see ``_Conventions``::

        @bp.route("/audits/<reference>/start", methods=["POST"])
        @token_required(Permission.RUN_AUDITS)
        @bp.arguments(AuditRowVersionSchema)
        @bp.response(200, AuditDetailSchema)
        @may_refuse(bp, 403, 409)
        def start_audit(data, reference): ...
    """

    def decorator(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorator


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
