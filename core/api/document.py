"""The OpenAPI document of ``/api/v1/openapi.json``: flask-smorest's ``Api``, made the first
time the document is read (:attr:`core.api.DealerApi.spec`).

flask-smorest, apispec and marshmallow are imported here and by the API's view modules,
not at start-up (issue #20): mounting the API's blueprints, checking tokens and answering
problem details need none of them (``core.api``).
"""

from __future__ import annotations

from http import HTTPStatus

import flask_smorest
from apispec import BasePlugin
from flask import Flask
from flask_smorest.utils import PrefixedMappingProxy, prepare_response

from core.api.auth import SECURITY_SCHEME
from core.api.converters import PeriodConverter, PluginKeyConverter, period_schema, plugin_key_schema
from core.api.problems import MEDIA_TYPE as PROBLEM_MEDIA_TYPE
from core.api.schemas import ProblemSchema

DESCRIPTION = """\
The dealerqms JSON API. Every endpoint under `/api/v1` needs
`Authorization: Bearer <token>` (create a token on your account page or with
`dealerqms token create LOGIN`). Errors are RFC 9457 problem details
(`application/problem+json`). Lists are JSON arrays; their pages are linked
in the `Link` header.
"""


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


class OpenApiDocument(flask_smorest.Api):
    """flask-smorest's Api, for its document only: problem details as every error response.

    Of what ``Api.init_app`` does, it keeps the document (``_init_spec``); the route that
    serves it, the extension's entry in ``app.extensions`` and the error handling are the
    app's since start-up (:class:`core.api.DealerApi`), which mounts the blueprints and
    describes their operations here when the document is first read.
    """

    ERROR_SCHEMA = ProblemSchema
    # No catch-all response: see _Conventions.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app: Flask, tag_names: dict[str, str]):
        super().__init__(
            spec_kwargs={
                "extra_plugins": [_Conventions(tag_names)],
                "info": {"description": DESCRIPTION},
                "security": [{SECURITY_SCHEME: []}],
            }
        )
        self.register_converter(PluginKeyConverter, plugin_key_schema)
        self.register_converter(PeriodConverter, period_schema)
        self._app = app
        self.config = PrefixedMappingProxy(app.config, self.config_prefix)
        # Its plugins, the named responses of every HTTP status, headers, converters; and
        # the real ``openapi`` command group in place of the stand-in of start-up.
        self._init_spec(**self._spec_kwargs)
        self.spec.components.security_scheme(
            SECURITY_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token, from the account page or `dealerqms token create`.",
            },
        )

    def _register_responses(self):
        """flask-smorest's named responses, as ``application/problem+json``."""
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
