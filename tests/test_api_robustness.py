"""What a black-box run against the API found: each request here answered 500, was
accepted against the document, or was refused where the document allowed it."""

from __future__ import annotations

import pytest
from marshmallow import fields

from core.api.schemas import Boolean, Date, Integer, QueryBoolean, QueryInteger

PROBLEM = "application/problem+json"
TOO_BIG = "321234907192517357207552"
INT64_MAX = 2**63 - 1
# PostgreSQL's integer, the type of every id column: it refuses a larger number even in a comparison.
ID_MAX = 2**31 - 1


def assert_refused(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    if field is not None:
        assert field in {entry["field"] for entry in body["errors"]}
    return body


# Integers beyond 64 bits ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/sites?offset={TOO_BIG}", "offset"),
        (f"/api/v1/sites?limit={TOO_BIG}", "limit"),
        (f"/api/v1/procedures?offset={TOO_BIG}", "offset"),
        (f"/api/v1/trail?cursor={TOO_BIG}", "cursor"),
        (f"/api/v1/audits?year={TOO_BIG}", "year"),
    ],
)
def test_a_query_integer_beyond_64_bits_is_422_naming_it(api_as, path, field):
    assert_refused(api_as("admin").get(path), 422, field)


@pytest.mark.parametrize("listed", ["notifications", "tasks"])
def test_an_offset_past_every_list_is_an_empty_page(api_as, listed):
    response = api_as("admin").get(f"/api/v1/{listed}?offset={INT64_MAX - 1}")
    assert response.status_code == 200 and response.get_json() == []


def test_a_revision_number_beyond_64_bits_is_422_naming_it(app, make_user, api_as):
    # The procedure must exist: who may read it is answered before the query is read.
    from core.accounts.services import department_by_code, user_by_login
    from core.database import commit
    from procedures import services

    make_user("author", ["quality_officer"])
    with app.app_context():
        services.create_procedure(
            user_by_login("author"),
            code="SA-PR-001",
            title="Reception",
            department=department_by_code("SALES"),
            body="# Reception\n",
        )
        commit()
    assert_refused(api_as("admin").get(f"/api/v1/procedures/SA-PR-001/diff?from={TOO_BIG}&to=1"), 422, "from")


@pytest.mark.parametrize("value", ["-1", "1.5", " 5", "5_0", "\u0665", "0x10", ""])
def test_a_query_integer_is_ascii_digits(api_as, value):
    assert_refused(api_as("admin").get("/api/v1/sites", query_string={"offset": value}), 422, "offset")


def test_the_largest_64_bit_offset_is_an_empty_page(api_as):
    response = api_as("admin").get(f"/api/v1/sites?offset={INT64_MAX}")
    assert response.status_code == 200 and response.json == []


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/tokens/{TOO_BIG}",
        f"/api/v1/evidence/{TOO_BIG}",
        f"/api/v1/evidence/{TOO_BIG}/content",
        f"/api/v1/actions/{TOO_BIG}",
        f"/api/v1/tokens/{INT64_MAX + 1}",
        f"/api/v1/tokens/{ID_MAX + 1}",
        f"/api/v1/evidence/{ID_MAX + 1}/content",
        "/api/v1/tokens/\u0661\u0662",
    ],
)
def test_an_id_beyond_the_id_column_in_the_address_is_404(api_as, path):
    assert_refused(api_as("admin").get(path), 404)


def test_an_id_beyond_the_id_column_is_404_not_405_where_another_method_has_the_address(api_as):
    # GET has the same address, so werkzeug would answer 405 "allowed: GET" had the conversion failed late.
    response = api_as("admin").patch(f"/api/v1/procedures/SA-PR-001/revisions/{ID_MAX + 1}", json={})
    assert_refused(response, 404)


def test_the_largest_id_is_an_ordinary_unknown_one(api_as):
    assert_refused(api_as("admin").get(f"/api/v1/tokens/{ID_MAX}"), 404)


def test_a_page_with_an_id_beyond_the_id_column_is_404(client_as):
    assert client_as("admin").get(f"/evidence/{TOO_BIG}").status_code == 404


def test_a_body_integer_beyond_64_bits_is_422(api_as):
    response = api_as("admin").patch("/api/v1/sites/MAIN", json={"row_version": 2**64})
    assert_refused(response, 422, "row_version")


def test_a_number_no_double_holds_is_422_not_an_overflow(api_as):
    response = api_as("qo").post(
        "/api/v1/metrics/sales.nps/measurements",
        data='{"site": "MAIN", "period": "2026-01", "value": ' + "9" * 400 + "}",
        content_type="application/json",
    )
    assert_refused(response, 422, "value")


# Empty strings and unknown enumerated values -------------------------------------------


@pytest.fixture
def runner(app, make_user, users):
    """Holding every right these requests need, with the records they name (who may act on a
    record is answered before its body), so that they reach the values' validation."""
    from audits.services import nonconformities
    from core.accounts.services import department_by_code, user_by_login
    from core.database import commit
    from procedures import services as procedures

    make_user("runner", ["admin", "quality_officer"], department="QUALITY")
    with app.app_context():
        runner = user_by_login("runner")
        procedures.create_procedure(
            runner, code="SA-PR-001", title="Reception", department=department_by_code("SALES"), body="# Reception\n"
        )
        nonconformities.raise_nonconformity(
            runner, title="Visitors wait", description="", severity="minor", site="MAIN", department="SALES"
        )
        commit()
    return "runner"


def test_an_empty_site_of_a_metric_series_is_422(api_as):
    assert_refused(api_as("admin").get("/api/v1/metrics/sales.nps/series?site="), 422, "site")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/users?department=", "department"),
        ("/api/v1/users?site=", "site"),
        ("/api/v1/procedures?department=", "department"),
        ("/api/v1/nonconformities?site=", "site"),
        ("/api/v1/audits?department=", "department"),
        ("/api/v1/audit-programme?site=&year=2026", "site"),
        ("/api/v1/trail?actor=", "actor"),
        ("/api/v1/forms/sales.lead_log/submissions?site=", "site"),
        ("/api/v1/procedures?state=", "state"),
        ("/api/v1/procedures?state=published", "state"),
        ("/api/v1/users?role=king", "role"),
        ("/api/v1/audits?state=paused", "state"),
    ],
)
def test_empty_and_unknown_filter_values_are_422(api_as, path, field):
    assert_refused(api_as("admin").get(path), 422, field)


@pytest.mark.parametrize("dates", ["to=9999-12-31", "from=0001-01-01", "from=1899-12-31", "to=3000-01-01"])
def test_a_date_beyond_what_the_calendar_arithmetic_holds_is_422(api_as, dates):
    response = api_as("admin").get(f"/api/v1/forms/sales.lead_log/submissions?{dates}")
    assert_refused(response, 422, dates.split("=")[0])


def test_the_first_and_last_dates_are_taken(api_as):
    response = api_as("admin").get("/api/v1/forms/sales.lead_log/submissions?from=1900-01-01&to=2999-12-31")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/nonconformities", {"due_date": "9999-12-31"}, "due_date"),
        ("/api/v1/procedures/SA-PR-001/revisions/1/submit", {"effective_date": "9999-12-31"}, "effective_date"),
        ("/api/v1/nonconformities/NC-2026-0001/transition", {"to": "", "row_version": 1}, "to"),
        ("/api/v1/nonconformities/NC-2026-0001/transition", {"to": "reopened", "row_version": 1}, "to"),
        ("/api/v1/metrics/sales.nps/measurements", {"site": "", "period": "2026-01", "value": 1}, "site"),
        ("/api/v1/metrics/sales.nps/measurements", {"site": "MAIN", "period": "2026-13", "value": 1}, "period"),
        ("/api/v1/sites", {"code": "", "name": "Empty"}, "code"),
        ("/api/v1/sites", {"code": "MAIN\n", "name": "Newline"}, "code"),
        ("/api/v1/audit-programme", {"site": "MAIN", "year": 2026, "month": 13, "department": "SALES"}, "month"),
        ("/api/v1/nonconformities", {"source": "audit"}, "source"),
        # Longer than the column: PostgreSQL would refuse it with a 500 where SQLite stores it.
        ("/api/v1/users", {"email": "a" * 250 + "@example.com"}, "email"),
    ],
)
def test_empty_and_unknown_body_values_are_422(runner, api_as, path, body, field):
    assert_refused(api_as("runner").post(path, json=body), 422, field)


@pytest.mark.parametrize("entry", [99, ID_MAX + 1])
def test_an_unknown_programme_entry_is_a_wrong_value_not_a_missing_address(api_as, entry):
    response = api_as("qo").post(
        "/api/v1/audits",
        json={
            "title": "Sales",
            "site": "MAIN",
            "departments": ["SALES"],
            "lead_auditor": "auditor",
            "planned_date": "2030-01-10",
            "checklists": ["sales.process"],
            "programme_entry": entry,
        },
    )
    assert_refused(response, 422, "programme_entry")


def test_an_unknown_department_of_a_new_procedure_is_422(api_as):
    response = api_as("qo").post(
        "/api/v1/procedures", json={"code": "XX-PR-001", "title": "X", "department": "NOPE", "body": "Text"}
    )
    assert_refused(response, 422, "department")


# Types as the document gives them -------------------------------------------------------


@pytest.mark.parametrize("active", [0, 1, "true", "false", None, "yes"])
def test_a_boolean_in_a_body_is_true_or_false(api_as, active):
    response = api_as("admin").patch("/api/v1/sites/MAIN", json={"active": active, "row_version": 1})
    assert_refused(response, 422, "active")


def test_a_boolean_in_a_body_is_taken(api_as):
    response = api_as("admin").patch("/api/v1/sites/MAIN", json={"active": False, "row_version": 1})
    assert response.status_code == 200 and response.json["active"] is False


@pytest.mark.parametrize("active", ["1", "0", "True", "yes", ""])
def test_a_boolean_in_a_query_is_spelled_true_or_false(api_as, active):
    assert_refused(api_as("admin").get("/api/v1/sites", query_string={"active": active}), 422, "active")


def test_a_boolean_in_a_query_is_taken(api_as):
    response = api_as("admin").get("/api/v1/sites?active=true")
    assert response.status_code == 200 and [site["code"] for site in response.json] == ["MAIN"]
    assert api_as("admin").get("/api/v1/sites?active=false").json == []


@pytest.mark.parametrize("row_version", ["1", True, 1.5])
def test_an_integer_in_a_body_is_a_json_integer(api_as, row_version):
    response = api_as("admin").patch("/api/v1/sites/MAIN", json={"name": "Main", "row_version": row_version})
    assert_refused(response, 422, "row_version")


def test_an_integral_number_is_an_integer_as_json_schema_reads_it(api_as):
    response = api_as("admin").patch("/api/v1/sites/MAIN", json={"name": "Main", "row_version": 1.0})
    assert response.status_code == 200


def test_a_token_needs_no_body_as_its_members_are_optional(api_as, spec):
    response = api_as("staff").post("/api/v1/tokens")
    assert response.status_code == 201 and response.json["name"] == "API token"
    assert spec["paths"]["/api/v1/tokens"]["post"]["requestBody"].get("required", False) is False


def _load_fields(schema):
    if isinstance(schema, type):
        schema = schema()
    for field in schema.load_fields.values():
        yield field
        inner = getattr(field, "inner", None)
        if isinstance(field, fields.Nested):
            yield from _load_fields(field.schema)
        elif isinstance(inner, fields.Nested):
            yield from _load_fields(inner.schema)
        elif inner is not None:
            yield inner


def test_every_integer_boolean_and_date_an_api_view_reads_is_strict_and_bounded(app):
    """marshmallow's own read ``0``/``"yes"`` as booleans, numbers of any size and dates up to 9999: no view
    may use them."""
    loose = []
    checked = 0
    for endpoint, view in app.view_functions.items():
        for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
            from_query = parameter["in"] == "query"
            for field in _load_fields(parameter["schema"]):
                if isinstance(field, fields.Integer):
                    expected = QueryInteger if from_query else Integer
                elif isinstance(field, fields.Boolean):
                    expected = QueryBoolean if from_query else Boolean
                elif isinstance(field, fields.Date):
                    expected = Date
                else:
                    continue
                checked += 1
                if not isinstance(field, expected):
                    kind = f"{type(field).__module__}.{type(field).__name__}"
                    loose.append(f"{endpoint}: {field.name} is {kind}, not core.api.schemas.{expected.__name__}")
    assert not loose
    assert checked >= 30


# The method not allowed ----------------------------------------------------------------------


def test_a_method_the_health_check_does_not_have_is_405_problem_with_allow(client):
    response = client.post("/healthz")
    assert_refused(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_a_page_answers_405_with_allow_too(client):
    response = client.get("/logout")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "POST" in response.headers["Allow"]


def test_a_metric_key_is_dotted_so_the_import_address_has_post_only(api_as):
    api = api_as("admin")
    assert set(api.open("OPTIONS", "/api/v1/metrics/imports").headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert_refused(api.get("/api/v1/metrics/imports"), 405)
    assert api.get("/api/v1/metrics/sales.nps").status_code == 200


# The document -------------------------------------------------------------------------------------


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").json


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_no_operation_has_a_catch_all_response(spec):
    assert [(path, method) for path, method, op in _operations(spec) if "default" in op["responses"]] == []


def test_the_errors_the_plumbing_gives_are_documented_everywhere_they_can_happen(spec):
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        if operation.get("security") != []:
            assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= responses.keys(), (method, path)
        if any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "422" in responses, (method, path)
        if "x-permission" in operation:
            assert "403" in responses, (method, path)


def test_evidence_content_is_documented_in_the_media_types_it_is_served_as(spec):
    responses = spec["paths"]["/api/v1/evidence/{evidence_id}/content"]["get"]["responses"]
    content = responses["200"]["content"]
    assert {"image/png", "image/jpeg", "application/pdf", "text/plain"} <= content.keys()
    assert "application/octet-stream" not in content
    assert content["image/png"]["schema"] == {"type": "string", "format": "binary"}
    assert "Content-Disposition" in responses["200"]["headers"]
    assert {"206", "304", "403", "404", "416"} <= responses.keys()


def test_paths_give_the_bounds_of_their_integers(spec):
    [parameter] = spec["paths"]["/api/v1/tokens/{token_id}"]["parameters"]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": ID_MAX}
    offset = next(p for p in spec["paths"]["/api/v1/sites"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] == INT64_MAX


# U+0000, which PostgreSQL cannot store in text -------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/api/v1/users?q=a%00b", None, "q"),
        ("GET", "/api/v1/trail?ac%00tor=x", None, "actor"),
        ("POST", "/api/v1/sites", {"code": "N\u0000", "name": "Nul"}, "code"),
        ("PATCH", "/api/v1/procedures/SA-PR-001", {"distribution": {"roles": ["staff\u0000"]}}, "distribution.roles.0"),
    ],
)
def test_a_nul_character_in_a_value_is_422_naming_it(api_as, method, path, body, field):
    body = assert_refused(api_as("admin").open(method, path, json=body), 422, field)
    assert "U+0000" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [('{"code": "XY", "name": "a\\ud800b"}', "name"), ('{"code": "XY", "name": "N", "\\udfff": 1}', "\ufffd")],
)
def test_a_lone_surrogate_in_a_body_is_422_naming_it(api_as, body, field):
    """JSON may escape half a UTF-16 pair; no database stores it (UnicodeEncodeError, a 500)."""
    response = api_as("admin").post("/api/v1/sites", data=body, content_type="application/json")
    assert "surrogate" in assert_refused(response, 422, field)["errors"][0]["message"]


def test_a_nul_character_in_the_address_names_nothing(api_as):
    assert_refused(api_as("admin").get("/api/v1/sites/MA%00IN"), 404)


def test_the_token_is_asked_for_before_the_values_are_looked_at(client):
    assert_refused(client.get("/api/v1/users?q=%00"), 401)


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_a_body_nested_deeper_than_json_can_be_read_is_400(api_as, body):
    response = api_as("admin").patch("/api/v1/sites/MAIN", data=body, content_type="application/json")
    assert_refused(response, 400)


def test_a_body_nested_just_as_deep_as_json_can_be_read_is_looked_through(api_as):
    import sys

    depth = sys.getrecursionlimit() - 100
    body = '{"name": ' + "[" * depth + '"\\u0000"' + "]" * depth + ', "row_version": 1}'
    response = api_as("admin").patch("/api/v1/sites/MAIN", data=body, content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)


def test_a_csv_the_csv_module_cannot_read_is_422_naming_the_file(api_as):
    body = b'metric,site,period,value\n"' + b"x" * 200_000 + b'",MAIN,2026-01,1\n'
    response = api_as("qo").post("/api/v1/metrics/imports", data=body, content_type="text/csv")
    assert "cannot be read as CSV" in assert_refused(response, 422, "file")["detail"]
