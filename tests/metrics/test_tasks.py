"""The KPIs kept by hand ask their area's head for last month's value until it is entered."""

from __future__ import annotations

from core.clock import last_complete_period


def test_a_head_is_asked_for_last_months_value_of_their_areas_manual_kpis(app, users, sample, make_user, api_as):
    make_user("service.head", "department_head", department="AFTERSALES")
    period = last_complete_period()

    def asked(who):
        tasks = api_as(who).get("/api/v1/tasks?kind=core.metrics.enter&limit=1000").get_json()
        return [t for t in tasks if t["record"].startswith("sample.")]

    [task] = asked("head")
    assert task["title"] == f"Enter Lead response time of {period} at MAIN"
    assert task["url"] == "/metrics/sample.lead_response?site=MAIN"
    assert [t["title"] for t in asked("service.head")] == [f"Enter First-time fix rate of {period} at MAIN"]
    # Staff and quality officers are not asked for an area's KPIs.
    assert asked("staff") == [] and asked("qo") == []
    entered = api_as("head").post(
        "/api/v1/metrics/sample.lead_response/measurements", json={"site": "MAIN", "period": period, "value": 30}
    )
    assert entered.status_code == 201
    assert asked("head") == []
