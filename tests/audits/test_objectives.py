"""Quality objectives (ISO 9001 6.2): their status from the data, who sets and reads them, the
owner's monthly update as a task, and the API's answers to bad input."""

import re
from datetime import timedelta

import pytest

from audits.objectives import services
from core.accounts.services import site_by_code
from core.clock import add_months, last_complete_period, today
from core.database import commit
from core.metrics import services as metrics
from tests.audits.conftest import user

pytestmark = pytest.mark.usefixtures("cast")
LEAD_CONVERSION = "sales.lead_conversion"  # a KPI kept by hand, higher is better


def _months_ago(months: int):
    first = today().replace(day=1)
    period = add_months(f"{first:%Y-%m}", -months)
    return first.replace(year=int(period[:4]), month=int(period[5:]))


def _objective(app, **overrides):
    fields = dict(
        title="Convert more leads",
        site="MAIN",
        department="SALES",
        metric=LEAD_CONVERSION,
        baseline=10,
        target=20,
        starts_on=_months_ago(3),
        due_date=_months_ago(3) + timedelta(days=365),
        owner="head",
        plan_what="Call back every lead within the hour",
    )
    fields.update(overrides)
    with app.app_context():
        objective = services.create(user(fields.pop("actor", "qo")), **fields)
        commit()
        return objective.id


def _measure(app, value, period=None):
    with app.app_context():
        metric = metrics.definitions_by_key()[LEAD_CONVERSION]
        metrics.record(
            None, metric, site_by_code("MAIN"), period or last_complete_period(), value, entered_by=user("qo")
        )
        commit()


def _status(app, objective_id):
    with app.app_context():
        return services.progress(services.objective_by_id(objective_id)).status


def test_the_status_follows_the_kpi_against_a_straight_line_to_the_target(app):
    objective_id = _objective(app)
    assert _status(app, objective_id) == "no_data"
    # Three months of twelve gone by the end of the last month: on the way from 10 to 20, near 12.5.
    _measure(app, 10.5)
    assert _status(app, objective_id) == "at_risk"
    with app.app_context():
        objective = services.objective_by_id(objective_id)
        assert 12.3 < services.progress(objective).expected < 12.7
        measurement = metrics.find(
            metrics.definitions_by_key()[LEAD_CONVERSION], site_by_code("MAIN"), last_complete_period()
        )
        metrics.correct(user("qo"), measurement, 14, reason="typo", row_version=measurement.row_version)
        commit()
    assert _status(app, objective_id) == "on_track"
    _measure(app, 21, period=add_months(last_complete_period(), -1))  # an earlier month does not count
    assert _status(app, objective_id) == "on_track"


def test_achieved_once_met_and_missed_when_the_date_passed_without(app):
    met = _objective(app, target=12)
    late = _objective(app, target=12, starts_on=today() - timedelta(days=400), due_date=today() - timedelta(days=1))
    _measure(app, 13)
    assert (_status(app, met), _status(app, late)) == ("achieved", "achieved")
    unmet = _objective(
        app, target=30, starts_on=today() - timedelta(days=400), due_date=today() - timedelta(days=1), title="Far"
    )
    assert _status(app, unmet) == "missed"


def test_a_measure_kept_by_hand_takes_its_values_from_the_owners_updates(app, api_as):
    body = {
        "title": "Certify every salesperson",
        "site": "MAIN",
        "department": "SALES",
        "measure": "Share of sales staff certified",
        "unit": "%",
        "direction": "higher",
        "target": 100,
        # Started before the last month: the owner owes a word on it.
        "starts_on": (today() - timedelta(days=62)).isoformat(),
        "due_date": (today() + timedelta(days=200)).isoformat(),
        "owner": "head",
        "plan": {"what": "Two training days a month", "who": "Training department"},
    }
    created = api_as("head").post("/api/v1/objectives", json=body)
    assert created.status_code == 201 and created.get_json()["status"] == "no_data"
    objective = created.get_json()
    # The owner's monthly word is a task until given.
    [task] = api_as("head").get("/api/v1/tasks?kind=audits.objective_update").get_json()
    assert task["title"].startswith(f"Update {objective['reference']} for {last_complete_period()}")
    missing = api_as("head").post(f"/api/v1/objectives/{objective['id']}/updates", json={"comment": "Started"})
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "value"
    updated = api_as("head").post(
        f"/api/v1/objectives/{objective['id']}/updates", json={"comment": "6 of 10 certified", "value": 60}
    )
    assert updated.status_code == 201 and updated.get_json()["latest"] == 60.0
    assert api_as("head").get("/api/v1/tasks?kind=audits.objective_update").get_json() == []
    # Staff of the department read it; they do not update it.
    assert api_as("staff").get(f"/api/v1/objectives/{objective['id']}").status_code == 200
    refused = api_as("staff").post(f"/api/v1/objectives/{objective['id']}/updates", json={"comment": "x", "value": 1})
    assert refused.status_code == 403


def test_who_sets_and_who_reads_which_objectives(app, api_as, make_user):
    make_user("service.head", "department_head", department="AFTERSALES")
    make_user("service.staff", "staff", department="AFTERSALES")
    make_user("group.qo", "quality_officer", department="QUALITY", site=None)
    body = {
        "title": "Fewer complaints",
        "site": "MAIN",
        "department": "SALES",
        "metric": LEAD_CONVERSION,
        "target": 20,
        "due_date": (today() + timedelta(days=100)).isoformat(),
        "owner": "head",
        "plan": {"what": "Weekly review of every complaint"},
    }
    for who, status in [("staff", 403), ("service.head", 403), ("head", 201), ("qo", 201)]:
        assert api_as(who).post("/api/v1/objectives", json=body).status_code == status, who
    group = {**body, "site": None, "department": None, "owner": "group.qo"}
    assert api_as("qo").post("/api/v1/objectives", json=group).status_code == 403
    group_objective = api_as("group.qo").post("/api/v1/objectives", json=group).get_json()
    sales = api_as("qo").get("/api/v1/objectives?department=SALES").get_json()[0]
    # Another department's staff read the group's objectives, not SALES's own.
    assert api_as("service.staff").get(f"/api/v1/objectives/{sales['id']}").status_code == 404
    assert [o["reference"] for o in api_as("service.staff").get("/api/v1/objectives").get_json()] == [
        group_objective["reference"]
    ]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"plan": {"what": " "}}, "plan"),
        ({"metric": "nope.nothing"}, "metric"),
        ({"due_date": "2020-01-01"}, "due_date"),
        ({"owner": "nobody"}, "owner"),
        ({"site": None}, "site"),
    ],
)
def test_bad_input_names_the_field_and_sets_nothing(api_as, change, field):
    body = {
        "title": "Faster handovers",
        "site": "MAIN",
        "department": "SALES",
        "metric": LEAD_CONVERSION,
        "target": 20,
        "due_date": (today() + timedelta(days=100)).isoformat(),
        "owner": "head",
        "plan": {"what": "A handover checklist"},
    }
    refused = api_as("qo").post("/api/v1/objectives", json={**body, **change})
    assert refused.status_code == 422 and refused.headers["Content-Type"] == "application/problem+json"
    assert field in str(refused.get_json()["errors"])
    assert api_as("qo").get("/api/v1/objectives").get_json() == []


def test_the_pages_in_chinese_set_update_and_withdraw(app, client_as):
    with app.app_context():
        user("head").locale = "zh_CN"
        commit()
    client = client_as("head")
    page = client.get("/objectives/new").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = {
        "csrf_token": token,
        "title": "Convert more leads",
        "site": "MAIN",
        "department": "SALES",
        "metric": LEAD_CONVERSION,
        "target": "20",
        "due_date": (today() + timedelta(days=100)).isoformat(),
        "owner": "head",
        "plan_what": "",
    }
    assert "设定目标" in page and "以关键绩效指标衡量" in page
    refused = client.post("/objectives/new", data=form)
    # The service's message in the reader's language.
    assert refused.status_code == 422 and "请填写将做什么。" in refused.get_data(as_text=True)
    created = client.post("/objectives/new", data={**form, "plan_what": "Call back within the hour"})
    assert created.status_code == 302
    objective_url = created.headers["Location"]
    listed = client.get("/objectives/").get_data(as_text=True)
    assert "Convert more leads" in listed and "暂无数据" in listed
    updated = client.post(objective_url, data={"csrf_token": token, "comment": "Rota in place"})
    assert updated.status_code == 302
    assert "Rota in place" in client.get(objective_url).get_data(as_text=True)
    qo = client_as("qo")
    qo_page = qo.get(objective_url).get_data(as_text=True)
    qo_token = re.search(r'name="csrf-token" content="([^"]+)"', qo_page).group(1)
    withdrawn = qo.post(
        objective_url + "/withdraw", data={"csrf_token": qo_token, "reason": "Merged", "row_version": "1"}
    )
    assert withdrawn.status_code == 302 and "withdrawn" in qo.get(objective_url).get_data(as_text=True)
