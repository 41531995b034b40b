"""Every error the API answers is RFC 9457 problem details; the web pages keep theirs."""

from __future__ import annotations

import logging

import pytest
from flask_smorest import Blueprint
from sqlalchemy import text

from core.accounts import services
from core.database import db
from core.errors import TooManyAttempts
from core.plugins import hookimpl

PROBLEM = "application/problem+json"

# A plugin's API blueprint whose views fail in the ways the core's own cannot be
# made to on demand: a throttled action, a bug, a row changed underneath a write.
failing = Blueprint("apitest", __name__)


@failing.route("/throttled", methods=["POST"])
def throttled():
    raise TooManyAttempts("Too many attempts at this; try again in 15 minutes.")


@failing.route("/broken")
def broken():
    raise RuntimeError("cannot connect to postgresql://dealer:hunter2@db/prod")


@failing.route("/race", methods=["POST"])
def race():
    site = services.site_by_code("MAIN")
    # Another writer's commit between our read and our write, as PostgreSQL
    # lets it happen under READ COMMITTED: the row version moves on.
    db.session.execute(text("UPDATE site SET row_version = row_version + 1 WHERE id = :id"), {"id": site.id})
    site.name = "Renamed"
    db.session.flush()
    return {}


class FailingPlugin:
    @hookimpl
    def register_api_blueprints(self):
        return [failing]


@pytest.fixture
def app_config():
    return {"DEALERQMS_EXTRA_PLUGINS": {"apitest": FailingPlugin()}, "MAX_CONTENT_LENGTH": 4096}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"]
    assert body["instance"] == response.request.path
    return body


def test_malformed_json_is_400(api_as):
    response = api_as("admin").post("/api/v1/sites", data='{"code": "NORTH",', content_type="application/json")
    body = assert_problem(response, 400)
    assert body["detail"] == "The request body is not valid JSON."


def test_missing_token_is_401_with_a_bearer_challenge(client, users):
    response = client.get("/api/v1/users")
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="dealerqms"'
    assert "Authorization: Bearer" in body["detail"]


def test_forbidden_is_403_with_the_reason(api_as):
    body = assert_problem(api_as("staff").post("/api/v1/sites", json={"code": "NORTH", "name": "North"}), 403)
    assert body["detail"] == ("Your roles do not allow you to manage users, sites and plugins (needs: admin).")


def test_unknown_record_is_404(api_as):
    body = assert_problem(api_as("staff").get("/api/v1/sites/NOWHERE"), 404)
    assert body["detail"] == "There is no site with code 'NOWHERE'."


def test_unknown_api_address_is_404(api_as):
    body = assert_problem(api_as("staff").get("/api/v1/no-such-thing"), 404)
    assert body["instance"] == "/api/v1/no-such-thing"


def test_wrong_method_is_405_with_allow(api_as):
    response = api_as("admin").delete("/api/v1/sites")
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_duplicate_key_is_409(api_as):
    body = assert_problem(api_as("admin").post("/api/v1/sites", json={"code": "MAIN", "name": "Again"}), 409)
    assert body["detail"] == "A site with code 'MAIN' already exists: choose another code."


def test_row_changed_underneath_a_write_is_409_and_nothing_is_written(app, api_as):
    body = assert_problem(api_as("admin").post("/api/v1/p/apitest/race"), 409)
    assert "stale row_version" in body["detail"]
    with app.app_context():
        assert services.site_by_code("MAIN").name == "Main dealership"


def test_oversized_body_is_413(api_as):
    body = assert_problem(api_as("admin").post("/api/v1/sites", json={"code": "BIG", "name": "x" * 5000}), 413)
    assert "4096 bytes" in body["detail"]


def test_invalid_values_are_422_naming_each_field(api_as):
    response = api_as("admin").post(
        "/api/v1/users",
        json={
            "login": "x",
            "roles": ["admin", "king"],
            "email": "not-an-address",
            "password": "short",
            "colour": "red",
        },
    )
    body = assert_problem(response, 422)
    assert body["type"] == "urn:dealerqms:problem:validation-error"
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"login", "roles.1", "email", "password", "colour"}
    assert all(error["message"] for error in body["errors"])


def test_service_refusal_of_a_value_is_422_naming_the_field(api_as):
    response = api_as("admin").post(
        "/api/v1/users", json={"login": "Not A Login", "roles": ["staff"], "password": "correct horse battery"}
    )
    body = assert_problem(response, 422)
    assert body["errors"] == [{"field": "login", "message": "use 2–64 lower-case letters, digits, '.', '-' or '_'"}]


def test_invalid_query_argument_is_422_naming_it(api_as):
    body = assert_problem(api_as("staff").get("/api/v1/users?limit=0&active=perhaps"), 422)
    assert {error["field"] for error in body["errors"]} == {"limit", "active"}


def test_throttled_is_429(api_as):
    body = assert_problem(api_as("staff").post("/api/v1/p/apitest/throttled"), 429)
    assert body["detail"] == "Too many attempts at this; try again in 15 minutes."


def test_unexpected_error_is_500_logged_and_not_leaked(api_as, caplog):
    with caplog.at_level(logging.ERROR, logger="dealerqms.api"):
        response = api_as("staff").get("/api/v1/p/apitest/broken")
    assert_problem(response, 500)
    text_ = response.get_data(as_text=True)
    assert "hunter2" not in text_ and "Traceback" not in text_ and "RuntimeError" not in text_
    [record] = [r for r in caplog.records if r.name == "dealerqms.api"]
    assert record.exc_info and "hunter2" in str(record.exc_info[1])


def test_web_pages_keep_their_html_error_pages(client, users, client_as):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    response = client_as("staff").get("/admin/users")
    assert response.status_code == 403 and response.mimetype == "text/html"
