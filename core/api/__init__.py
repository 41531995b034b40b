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

The product's own areas declare theirs as :class:`~core.lazy_views.LazyApiBlueprint`
tables, so that start-up imports neither flask-smorest nor marshmallow: this package
mounts, checks tokens and answers problem details without them (:class:`DealerApi`).
"""

from __future__ import annotations

import threading
from http import HTTPStatus
from typing import TYPE_CHECKING

import flask
from flask import Flask, current_app

from core.api.auth import api_user, load_user_from_request, loaded, require_token, token_required
from core.api.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from core.api.problems import handle_api_error, problem, routing_problem, screen_request
from core.api.routes import health as health_bp
from core.extensions import CommandLoadedWhenRun, csrf, login_manager
from core.lazy_exports import lazy_exports
from core.lazy_views import LazyApiBlueprint
from core.plugin_engine import manager

if TYPE_CHECKING:
    import flask_smorest
    from apispec import APISpec

    from core.api.document import OpenApiDocument

API_PREFIX = "/api/v1"
EXTENSION = manager.API_EXTENSION

# The shared fields and schemas, and pagination, are marshmallow's: imported on first use
# (PEP 562), by the view modules that declare their requests and responses with them.
_LAZY = {
    "Boolean": "core.api.schemas",
    "Date": "core.api.schemas",
    "Integer": "core.api.schemas",
    "NonEmptyString": "core.api.schemas",
    "Number": "core.api.schemas",
    "ProblemSchema": "core.api.schemas",
    "QueryBoolean": "core.api.schemas",
    "QueryInteger": "core.api.schemas",
    "UTCDateTime": "core.api.schemas",
    "CURSOR_HEADERS": "core.api.pagination",
    "PAGE_HEADERS": "core.api.pagination",
    "PageArgs": "core.api.pagination",
    "page_headers": "core.api.pagination",
    "paginate": "core.api.pagination",
}

__getattr__, __dir__ = lazy_exports(globals(), _LAZY)

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


class DealerApi:
    """The app's JSON API: its blueprints mounted with problem-details errors and token checks
    scoped to the API, and its OpenAPI document.

    flask-smorest's ``Api`` would register one app-wide ``HTTPException`` handler that
    answers JSON, which would turn the web UI's error pages into JSON too.
    Instead each area's blueprint is mounted inside a blueprint made for this
    app, which carries the error handler and the token check (a blueprint's
    handlers come before the app's, and cover the blueprints nested in it).
    The area's own blueprint object is left as it was, so it can be mounted
    in other apps too. An address under ``/api/`` that matches no route is
    answered by a ``before_request`` hook.

    Serving the API needs none of flask-smorest, apispec and marshmallow — a view module
    imports them when it loads — so the app gets at start-up what flask-smorest's
    ``Api.init_app`` would give it (the route of ``/api/v1/openapi.json``, its entry in
    ``app.extensions``, the ``openapi`` command group as a stand-in), and the ``Api``
    itself (:class:`core.api.document.OpenApiDocument`) is made the first time the
    document is read (:attr:`spec`).
    """

    def __init__(self, app: Flask):
        self._app = app
        self._tag_names: dict[str, str] = {}
        # Blueprints mounted whose operations the document does not describe yet (see ``spec``).
        self._undocumented: list[tuple[flask_smorest.Blueprint, str, list | None]] = []
        self._documenting = threading.Lock()
        self._document: OpenApiDocument | None = None
        app.extensions["flask-smorest"] = {"apis": {"": {"ext_obj": self}}, "blp_name_to_api": {}}
        # Where flask-smorest's Api.init_app put it: first, and named and served as it did.
        docs = flask.Blueprint("api-docs", __name__, url_prefix="/" + app.config["OPENAPI_URL_PREFIX"].lstrip("/"))
        docs.add_url_rule("/" + app.config["OPENAPI_JSON_PATH"].lstrip("/"), "openapi_json", self._openapi_json)
        app.register_blueprint(docs)
        app.before_request(routing_problem)
        app.cli.add_command(CommandLoadedWhenRun("openapi", "OpenAPI commands.", "flask_smorest.spec:openapi_cli"))

    @property
    def spec(self) -> APISpec:
        """The OpenAPI document, with every blueprint mounted so far described in it.

        flask-smorest's ``Api`` and the document's skeleton are made the first time it is
        read. Describing the operations (resolving each marshmallow schema) takes a fifth
        of a second that only ``/api/v1/openapi.json`` and the API's tests need, so it
        happens here too, not when a blueprint is mounted; so does loading the handler
        modules of a :class:`~core.lazy_views.LazyApiBlueprint`.
        """
        if self._document is None or self._undocumented:
            with self._documenting:
                if self._document is None:
                    from core.api.document import OpenApiDocument

                    self._document = OpenApiDocument(self._app, self._tag_names)
                document = self._document
                while self._undocumented:
                    blp, full_name, parameters = self._undocumented.pop(0)
                    if isinstance(blp, LazyApiBlueprint):
                        # Its handler modules, and so what they describe, load on first use.
                        blp.load_views()
                    blp.register_views_in_doc(document, self._app, document.spec, name=full_name, parameters=parameters)
                    document.spec.tag({"name": blp.name, "description": blp.description})
        return self._document.spec

    def _openapi_json(self):
        """``/api/v1/openapi.json``, as flask-smorest serves it."""
        return current_app.response_class(
            flask.json.dumps(self.spec.to_dict(), indent=2, sort_keys=False), mimetype="application/json"
        )

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
