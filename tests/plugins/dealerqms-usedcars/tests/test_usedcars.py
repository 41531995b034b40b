"""The used-car plugin's own tests, with the fixtures dealerqms ships to
plugin authors (no conftest needed): the plugin is loaded through its
installed entry point, as on a real instance."""

import pytest
from dealerqms_usedcars import computations

from core.plugins import today
from core.testing import describe_plugins, registry

VIN = "LSVAU2180N2183294"
THIS_MONTH = today().replace(day=1)
RECORD = {
    "vin": VIN,
    "appraised_on": THIS_MONTH.isoformat(),
    "odometer_km": 48_200,
    "condition": 4,
    "history_checked": True,
    "offer": 86000,
}


@pytest.fixture
def app_config():
    # The plugin, and the built-in features it relies on (audits: raising nonconformities).
    return {"DEALERQMS_LOAD_ENTRYPOINTS": True, "DEALERQMS_PLUGINS_ALLOW": ("usedcars", "audits", "procedures")}


def appraise(api, **changes):
    return api.post(
        "/api/v1/forms/usedcars.appraisal_record/submissions", json={"site": "MAIN", "data": RECORD | changes}
    )


def test_the_appraisal_checklist_cites_the_appraisal_procedure(app):
    appraisal = registry(app).checklists["usedcars.appraisal"]
    templates = registry(app).procedure_templates
    assert {question.reference.split()[0] for question in appraisal.questions} == {"UC-PR-001"}
    assert "UC-PR-001" in templates
    assert "## 4 Service history" in templates["UC-PR-001"].body


def test_a_missing_service_history_asks_what_is_missing(app):
    record = registry(app).forms["usedcars.appraisal_record"]
    assert record.field("history_gap").visible_when == ("history_checked", False)


def test_the_plugin_is_listed_by_the_api(app, api_as):
    response = api_as("admin").get("/api/v1/plugins")
    assert response.status_code == 200
    assert response.json == describe_plugins(app)
    [usedcars] = [p for p in response.json if not p["builtin"]]
    assert usedcars["name"] == "usedcars" and usedcars["counts"]["metrics"] == 3


def test_history_checked_rate_on_a_hand_worked_example():
    # Four records, three checked: 3 / 4 × 100 = 75 %.
    records = [
        {"history_checked": True},
        {"history_checked": True},
        {"history_checked": False},
        {"history_checked": True},
    ]
    assert computations.history_checked_rate(records) == 75.0
    assert computations.history_checked_rate([]) is None


def test_reconditioning_days_leave_out_cars_still_in_the_workshop():
    # Ready after 5 and after 12 days; the third is not ready: (5 + 12) / 2 = 8.5 days.
    records = [
        {"appraised_on": "2026-03-01", "ready_for_sale_on": "2026-03-06"},
        {"appraised_on": "2026-03-10", "ready_for_sale_on": "2026-03-22"},
        {"appraised_on": "2026-03-20"},
    ]
    assert computations.reconditioning_days(records) == 8.5
    assert computations.reconditioning_days(records[2:]) is None


def test_appraisals_compute_the_reconditioning_time_and_refuse_bad_data(app, users, api_as):
    staff = api_as("staff")
    ready = (THIS_MONTH.replace(day=THIS_MONTH.day + 6)).isoformat()
    assert appraise(staff, ready_for_sale_on=ready).status_code == 201
    assert appraise(staff).status_code == 201
    refused = appraise(staff, vin="not a vin", condition=9, odometer_km=-5)
    assert refused.status_code == 422
    assert {error["field"] for error in refused.json["errors"]} == {"vin", "condition", "odometer_km"}
    qo = api_as("qo")
    [point] = qo.get("/api/v1/metrics/usedcars.reconditioning_days/series?site=MAIN").json
    # One car ready after 6 days (the other still in the workshop): 6 days, within the 7-day target.
    assert (point["value"], point["status"]) == (6.0, "green")
    [point] = qo.get("/api/v1/metrics/usedcars.history_checked/series?site=MAIN").json
    assert point["value"] == 100.0


def test_an_appraisal_without_a_history_check_raises_a_nonconformity(app, users, api_as):
    assert appraise(api_as("staff"), history_checked=False, history_gap="Service book lost").status_code == 201
    [nc] = api_as("qo").get("/api/v1/nonconformities?source=plugin:usedcars").json
    assert nc["title"] == f"Trade-in {VIN} appraised without a service-history check"
    assert nc["department"] == "SALES" and nc["severity"] == "minor"


def test_the_used_car_page_is_for_managers(app, users, api_as, client_as):
    appraise(api_as("staff"))
    page = client_as("qo").get("/p/usedcars/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<th scope="row">Appraisals</th><td>1</td>' in text
    assert '<th scope="row">Cars still in reconditioning</th><td>1</td>' in text
    refused = client_as("staff").get("/p/usedcars/")
    assert refused.status_code == 403
    assert "review the used-car stock" in refused.get_data(as_text=True)


def test_the_plugin_declares_who_may_review_the_stock(app, users, client_as):
    assert registry(app).permissions["usedcars.review_stock"].roles == ("quality_officer", "department_head")
    assert client_as("head").get("/p/usedcars/").status_code == 200
    assert client_as("auditor").get("/p/usedcars/").status_code == 403


def test_the_texts_follow_the_readers_language(app, users, client_as, csrf_token):
    metric = registry(app).metrics["usedcars.reconditioning_days"]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(metric.name) == "整备时长"
    client = client_as("qo")
    client.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_token(client)})
    assert "整备时长" in client.get("/p/usedcars/").get_data(as_text=True)
