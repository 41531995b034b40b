"""The OpenAPI document, /healthz, /api/v1/plugins and plugin-contributed API blueprints."""

from __future__ import annotations

import json
import re

import pytest
from flask_smorest import Blueprint
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from sqlalchemy.exc import OperationalError

from core.database import db
from core.plugin_engine.manager import describe_plugins
from core.plugins import hookimpl

PROBLEM = "application/problem+json"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

# A third-party plugin's API, written without @token_required: still not open.
stock = Blueprint("tyres", __name__, description="Tyre stock.")


@stock.route("/stock")
@stock.response(200)
def tyre_stock():
    """Tyre sets in stock."""
    return {"sets": 12}


class TyresPlugin:
    @hookimpl
    def register_api_blueprints(self):
        return [stock]


@pytest.fixture
def app_config():
    return {"DEALERQMS_EXTRA_PLUGINS": {"tyres": TyresPlugin()}}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.json


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


HEALTH_CHECKS = ("/healthz", "/readyz")


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if (rule.rule.startswith("/api/") or rule.rule in HEALTH_CHECKS) and rule.rule != "/api/v1/openapi.json":
            yield rule


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_the_document_lists_every_route_and_method(app, spec):
    listed = {(path, method) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}
    served = {
        (_spec_path(rule.rule), method.lower())
        for rule in _api_rules(app)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == listed
    assert ("/api/v1/p/tyres/stock", "get") in listed
    assert spec["paths"]["/api/v1/p/tyres/stock"]["get"]["tags"] == ["tyres"]


def test_every_operation_but_the_health_checks_needs_the_bearer_token_and_documents_401(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token, from the account page or `dealerqms token create`.",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            if path in HEALTH_CHECKS:
                assert operation["security"] == []
                continue
            assert operation.get("security", spec["security"]) == [{"bearerAuth": []}], (method, path)
            assert operation["responses"]["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}


def test_errors_are_documented_as_problem_details(spec):
    responses = spec["components"]["responses"]
    for name in ("BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "UNPROCESSABLE_ENTITY"):
        assert responses[name]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert set(spec["components"]["schemas"]["Problem"]["properties"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "errors",
    }


def example_url(path: str, *declarations: dict) -> str:
    """``path`` with a value its parameters' schemas allow in each ``{name}``.

    ``declarations``: the path item and the operation, either of which may declare them.
    """
    parameters = [p for declaration in declarations for p in declaration.get("parameters", [])]
    schemas = {p["name"]: p.get("schema", {}) for p in parameters if p["in"] == "path"}

    def value(match):
        pattern = schemas.get(match.group(1), {}).get("pattern", "")
        if "\\." in pattern:
            return "sales.1"
        if pattern.startswith("^[0-9]{4}-"):
            return "2026-01"
        return "1"

    return re.sub(r"{([^}]+)}", value, path)


def test_the_documented_body_schemas_are_the_ones_that_validate(app, make_user, api_as, spec):
    """An empty body is refused naming exactly the fields the document marks required."""
    # Holding every role, the caller passes every endpoint's role check and
    # reaches the body validation, which comes before any record is looked up
    # except where the operation's guard answers for its record first (those
    # are checked with real records by the access matrix and schemathesis).
    make_user("everyone", ["admin", "quality_officer", "department_head", "auditor", "staff"])
    api = api_as("everyone")
    schemas = spec["components"]["schemas"]
    checked = 0
    guarded = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = schemas[body["schema"]["$ref"].rsplit("/", 1)[1]]
            url = example_url(path, item, operation)
            if schema.get("required"):
                response = api.open(method.upper(), url, json={})
                if response.status_code == 404 and "{" in path:
                    # An operation on a record answers for the record before the body: "1" names none.
                    guarded.append((method, path))
                    continue
                assert response.status_code == 422, (method, path, response.json)
                assert {e["field"] for e in response.json["errors"]} == set(schema["required"]), (method, path)
                checked += 1
            if schema.get("additionalProperties") is False:
                response = api.open(method.upper(), url, json={"not_a_field": 1})
                if response.status_code == 404 and "{" in path:
                    guarded.append((method, path))
                    continue
                assert response.status_code == 422, (method, path)
                assert "not_a_field" in {e["field"] for e in response.json["errors"]}
    assert checked >= 8 and guarded


def test_list_parameters_are_documented_from_the_schema_that_validates_them(spec, users, api_as):
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/api/v1/users"]["get"]["parameters"]}
    assert parameters["limit"] == {"type": "integer", "default": 100, "minimum": 1, "maximum": 1000}
    assert parameters["role"]["enum"] == ["admin", "quality_officer", "department_head", "auditor", "staff"]
    response = api_as("staff").get("/api/v1/users?role=king&limit=1001")
    assert {e["field"] for e in response.json["errors"]} == {"role", "limit"}


def test_a_plugin_api_is_mounted_under_its_name_and_needs_a_token(users, client, api_as):
    response = client.get("/api/v1/p/tyres/stock")
    assert response.status_code == 401 and response.mimetype == PROBLEM
    assert api_as("staff").get("/api/v1/p/tyres/stock").json == {"sets": 12}


def test_plugins_are_listed_as_the_command_line_lists_them(app, users, api_as):
    response = api_as("staff").get("/api/v1/plugins")
    assert response.status_code == 200
    with app.app_context():
        assert response.json == describe_plugins()
    cli = app.test_cli_runner().invoke(args=["plugins", "--json"])
    assert response.json == json.loads(cli.output)
    [tyres] = [plugin for plugin in response.json if plugin["name"] == "tyres"]
    assert tyres["hooks"] == ["register_api_blueprints"]
    assert tyres["counts"] == {"checklists": 0, "metrics": 0, "forms": 0, "procedure_templates": 0}


def test_healthz_answers_without_a_token(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_healthz_asks_nothing_of_the_database_and_readyz_names_it_when_it_is_unreachable(app, client, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    with app.app_context():
        db.engine.dispose()
        monkeypatch.setattr(db.engine, "raw_connection", refuse)
        monkeypatch.setattr(db.engine.pool, "connect", refuse)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 503 and response.mimetype == PROBLEM
    assert response.json["detail"] == "Not ready: database, migrations failed."
    assert response.json["checks"] == {"database": "failed", "migrations": "failed"}
