"""Metrics through the JSON API."""

import io

from tests.forms.sample_plugin import SURVEY  # noqa: F401  (the plugin's survey feeds the NPS)


def test_definitions_and_unknown_metric(app, users, sample, api_as):
    client = api_as("staff")
    listed = {metric["key"]: metric for metric in client.get("/api/v1/metrics").json}
    assert listed["sample.nps"]["computed"] is True
    assert listed["sample.lead_response"]["direction"] == "lower"
    assert client.get("/api/v1/metrics/sample.nothing").status_code == 404
    assert client.get("/api/v1/metrics/sample.nothing/series?site=MAIN").status_code == 404


def test_record_then_duplicate_is_409_with_the_way_to_correct(app, users, sample, api_as):
    client = api_as("qo")
    url = "/api/v1/metrics/sample.first_time_fix/measurements"
    created = client.post(url, json={"site": "MAIN", "period": "2026-02", "value": 84})
    assert created.status_code == 201
    assert (created.json["status"], created.json["source"]) == ("red", "api")
    duplicate = client.post(url, json={"site": "MAIN", "period": "2026-02", "value": 92})
    assert duplicate.status_code == 409
    assert "PUT /api/v1/metrics/sample.first_time_fix/measurements/MAIN/2026-02" in duplicate.json["detail"]
    corrected = client.put(
        f"{url}/MAIN/2026-02",
        json={"value": 92, "reason": "Wrong month's report", "row_version": created.json["row_version"]},
    )
    assert corrected.status_code == 200
    assert (corrected.json["value"], corrected.json["status"]) == (92, "green")
    stale = client.put(f"{url}/MAIN/2026-02", json={"value": 93, "reason": "x", "row_version": 1})
    assert stale.status_code == 409
    series = client.get("/api/v1/metrics/sample.first_time_fix/series?site=MAIN&from=2026-01&to=2026-12").json
    assert series == [{"period": "2026-02", "value": 92.0, "status": "green"}]


def test_bad_measurements_are_422_or_403(app, users, sample, api_as):
    url = "/api/v1/metrics/sample.first_time_fix/measurements"
    bad_period = api_as("qo").post(url, json={"site": "MAIN", "period": "2026-2", "value": 1})
    assert (bad_period.status_code, bad_period.json["errors"][0]["field"]) == (422, "period")
    bad_value = api_as("qo").post(url, json={"site": "MAIN", "period": "2026-02", "value": "high"})
    assert (bad_value.status_code, bad_value.json["errors"][0]["field"]) == (422, "value")
    assert api_as("staff").post(url, json={"site": "MAIN", "period": "2026-02", "value": 1}).status_code == 403
    computed = api_as("qo").post(
        "/api/v1/metrics/sample.nps/measurements", json={"site": "MAIN", "period": "2026-02", "value": 1}
    )
    assert computed.status_code == 409
    assert api_as("qo").get("/api/v1/metrics/sample.first_time_fix/series?site=MAIN&from=2026").status_code == 422


def test_computed_nps_follows_submissions(app, users, sample, api_as):
    from core.clock import current_period

    staff = api_as("staff")
    for score in (10, 10, 3):
        staff.post("/api/v1/forms/sample.survey/submissions", json={"site": "MAIN", "data": {"score": score}})
    series = staff.get("/api/v1/metrics/sample.nps/series?site=MAIN").json
    assert series == [{"period": current_period(), "value": 33.3, "status": "amber"}]
    again = api_as("qo").post("/api/v1/metrics/sample.nps/recompute", json={"site": "MAIN", "period": current_period()})
    assert (again.status_code, again.json["value"]) == (200, 33.3)


def test_site_target_override_only_by_quality_officer(app, users, sample, api_as):
    url = "/api/v1/metrics/sample.first_time_fix/targets/MAIN"
    body = {"target": 80, "warning": 70, "reason": "New workshop"}
    assert api_as("head").put(url, json=body).status_code == 403
    response = api_as("qo").put(url, json=body)
    assert (response.status_code, response.json["target"]) == (200, 80)


def test_csv_import_report(app, users, sample, api_as):
    csv_text = "metric,site,period,value\nsample.first_time_fix,MAIN,2026-01,91\nsample.first_time_fix,MAIN,x,1\n"
    client = api_as("qo")
    refused = client.post(
        "/api/v1/metrics/imports",
        data={"file": (io.BytesIO(csv_text.encode()), "kpis.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert refused.json["errors"] == [{"field": "row 3.period", "message": "'x' is not a period; write it as YYYY-MM"}]
    partial = client.post("/api/v1/metrics/imports?import_valid_rows=true", data=csv_text, content_type="text/csv")
    assert partial.status_code == 200
    assert (partial.json["rows"], partial.json["imported"], len(partial.json["errors"])) == (2, 1, 1)


def test_changing_a_site_target_needs_the_version_read(app, users, sample, api_as):
    url = "/api/v1/metrics/sample.first_time_fix/targets/MAIN"
    client = api_as("qo")
    first = client.put(url, json={"target": 80, "warning": 70, "reason": "New workshop"})
    assert first.status_code == 200 and first.json["row_version"] == 1
    unversioned = client.put(url, json={"target": 85, "reason": "Second year"})
    assert unversioned.status_code == 422 and unversioned.content_type == "application/problem+json"
    assert [e["field"] for e in unversioned.json["errors"]] == ["row_version"]
    assert client.put(url, json={"target": 85, "reason": "Second year", "row_version": 1}).status_code == 200
    assert client.put(url, json={"target": 90, "reason": "Stale copy", "row_version": 1}).status_code == 409
    assert client.get("/api/v1/metrics/sample.first_time_fix/series?site=MAIN").status_code == 200


def test_a_correction_needs_the_version_read(app, users, sample, api_as):
    client = api_as("qo")
    created = client.post(
        "/api/v1/metrics/sample.first_time_fix/measurements", json={"site": "MAIN", "period": "2026-03", "value": 91}
    )
    url = created.headers["Location"]
    unversioned = client.put(url, json={"value": 92, "reason": "Typo"})
    assert unversioned.status_code == 422
    assert [e["field"] for e in unversioned.json["errors"]] == ["row_version"]
    assert client.put(url, json={"value": 92, "reason": "Typo", "row_version": 1}).status_code == 200
    assert client.put(url, json={"value": 93, "reason": "Stale", "row_version": 1}).status_code == 409
