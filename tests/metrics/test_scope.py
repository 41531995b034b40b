"""Measurements in scope: a head enters and corrects their department's metrics at their own site only."""

URL = "/api/v1/metrics/sample.first_time_fix/measurements"


def test_a_head_corrects_only_measurements_of_their_own_site(app, users, sample, north, make_user, api_as):
    make_user("north.as.head", "department_head", department="AFTERSALES", site="NORTH")
    make_user("main.as.head", "department_head", department="AFTERSALES")
    created = api_as("qo").post(URL, json={"site": "MAIN", "period": "2026-02", "value": 84})
    assert created.status_code == 201
    body = {"value": 92, "reason": "Typo", "row_version": created.json["row_version"]}
    # Another site's value is not there for them; entering one there is refused with the reason.
    assert api_as("north.as.head").put(f"{URL}/MAIN/2026-02", json=body).status_code == 404
    entered = api_as("north.as.head").post(URL, json={"site": "MAIN", "period": "2026-03", "value": 90})
    assert entered.status_code == 403 and "another site" in entered.json["detail"]
    assert (
        api_as("north.as.head").post(URL, json={"site": "NORTH", "period": "2026-03", "value": 90}).status_code == 201
    )
    assert api_as("main.as.head").put(f"{URL}/MAIN/2026-02", json=body).status_code == 200
