"""The communication plugin: definitions, computed metrics on hand-worked examples, forms,
overdue meeting actions on the dashboard, both languages and an audit end to end."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import today as clock_today
from core.database import commit
from core.plugin_engine.manager import registry
from core.testing import TEST_PASSWORD
from plugins.communication import computations

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "communication"
VIN = "LSVAU2180N2183294"
FIRST = clock_today().replace(day=1)
PERIOD = FIRST.strftime("%Y-%m")


def day(n):
    return (FIRST + timedelta(days=n)).isoformat()


def submit(client, form, data):
    return client.post(f"/api/v1/forms/{form}/submissions", json={"site": "MAIN", "data": data})


def series(client, key):
    return {p["period"]: p["value"] for p in client.get(f"/api/v1/metrics/{key}/series?site=MAIN").json}


def meeting(held, *actions, **extra):
    return {
        "meeting_date": held,
        "meeting_type": "coordination",
        "departments": ["SALES", "AFTERSALES"],
        "chair": "Zhang Min",
        "actions": list(actions),
        **extra,
    }


def action(text, due, status="open", closed_on=None, owner="Li Na"):
    row = {"action": text, "owner": owner, "due": due, "status": status}
    if closed_on:
        row["closed_on"] = closed_on
    return row


def handoff(introduced, **extra):
    return {
        "delivery_date": day(1),
        "vin": VIN,
        "customer": "Chen Jie",
        "sales_consultant": "Wang Lei",
        "service_advisor": "Zhao Min",
        "service_introduced": introduced,
        "first_service_explained": True,
        "preferred_channel": "messaging",
        "contact_consent": False,
        **extra,
    }


def test_definitions_load_with_references_guidance_and_formulas(app, users, api_as):
    assert "communication" in {p["name"] for p in api_as("auditor").get("/api/v1/plugins").json}
    with app.app_context():
        found = registry(app)
        checklist = found.checklists["communication.internal"]
        assert checklist.area == "COMMS" and 8 <= len(checklist.questions) <= 15
        assert all(str(q.reference).strip() and str(q.guidance).strip() for q in checklist.questions)
        assert {"communication.matrix", "communication.meeting", "communication.handoff"} <= set(found.forms)
        metrics = {k: m for k, m in found.metrics.items() if k.startswith("communication.")}
        assert set(metrics) == {
            "communication.actions_on_time",
            "communication.handoff_rate",
            "communication.ro_updates",
            "communication.survey_score",
        }
        assert all(str(m.formula).strip() for m in metrics.values())
        assert {code for code in found.procedure_templates if code.startswith("CM-")} == {"CM-WI-001", "CM-PR-002"}


def test_the_plugin_imports_only_the_public_plugin_api():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        internal = {m for m in modules if m.split(".")[0] in ("core", "procedures", "audits")}
        assert internal <= {"core.plugins"}, f"{path.name} imports {internal}"


MEETINGS = [
    meeting(
        day(0),
        action("Fix the booking phone line", day(5)),
        action("Share the CSI results", day(3), "done", day(2)),
        action("Train advisors on 三包", day(10), "done", day(12)),
        action("Plan the spring campaign", day(40)),
    ),
    meeting(
        day(7),
        action("fix the booking  phone line", day(5), "done", day(6)),
        action("Share the CSI results", day(3), "done", day(2)),
        action("Order loan cars", day(8)),
    ),
]


def test_actions_on_time_counts_each_action_once_as_last_recorded():
    # Due by the end of the month: phone line (done day 6, due day 5: late), CSI (done day 2, due day 3: on time,
    # recorded twice, counted once), training (done day 12, due day 10: late), loan cars (open): 1 ÷ 4 = 25 %.
    # The spring campaign is due next month and not counted.
    assert computations.actions_on_time_rate(MEETINGS, PERIOD) == pytest.approx(25)
    # On day 9 only the loan cars (due day 8) are open and overdue.
    assert [a["action"] for a in computations.overdue_actions(MEETINGS, FIRST + timedelta(days=9))] == [
        "Order loan cars"
    ]


def test_the_metrics_are_computed_from_the_forms(app, users, api_as):
    client = api_as("staff")
    for data in MEETINGS:
        assert submit(client, "communication.meeting", data).status_code == 201
    for introduced in (True, False, True):
        assert submit(client, "communication.handoff", handoff(introduced)).status_code == 201
    assert series(client, "communication.actions_on_time")[PERIOD] == pytest.approx(25)
    # 2 of 3 handoffs introduced a service advisor: 66.67 %.
    assert series(client, "communication.handoff_rate")[PERIOD] == pytest.approx(66.67)


def test_forms_accept_valid_and_refuse_invalid_data(app, users, api_as):
    client = api_as("staff")
    matrix = {
        "valid_from": day(0),
        "approved_by": "General manager",
        "rows": [
            {
                "topic": "Recall notices",
                "frequency": "event",
                "audience": "Manufacturer",
                "external": True,
                "channel": "portal",
                "responsible": "Warranty administrator",
            }
        ],
    }
    assert submit(client, "communication.matrix", matrix).status_code == 201
    response = submit(client, "communication.matrix", {**matrix, "rows": []})
    assert response.status_code == 422 and {e["field"] for e in response.json["errors"]} == {"rows"}
    response = submit(client, "communication.matrix", {**matrix, "rows": [{**matrix["rows"][0], "channel": "fax"}]})
    assert {e["field"] for e in response.json["errors"]} == {"rows.0.channel"}

    response = submit(
        client,
        "communication.meeting",
        meeting(day(0), {"action": "x", "due": day(1), "status": "open"}, departments=["NOPE"]),
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"actions.0.owner", "departments"}

    booked = handoff(True, first_service_booked=True, first_service_date=day(60))
    assert submit(client, "communication.handoff", booked).status_code == 201
    bad = handoff(True, vin="LSVAU2180N218329")
    del bad["service_introduced"]
    response = submit(client, "communication.handoff", bad)
    assert {e["field"] for e in response.json["errors"]} == {"vin", "service_introduced"}


def test_overdue_actions_reach_the_dashboard_of_heads_and_quality_officers(app, users, api_as, client_as):
    overdue = (clock_today() - timedelta(days=3)).isoformat()
    data = meeting(clock_today().isoformat(), action("Repaint the <b>lounge</b>", overdue, owner="Zhou <i>Yu</i>"))
    assert submit(api_as("staff"), "communication.meeting", data).status_code == 201
    page = client_as("head").get("/").get_data(as_text=True)
    assert "Meeting actions overdue" in page
    assert "Repaint the &lt;b&gt;lounge&lt;/b&gt;" in page and f"Zhou &lt;i&gt;Yu&lt;/i&gt;, due {overdue}" in page
    assert "Repaint the" not in client_as("staff").get("/").get_data(as_text=True)


def test_texts_switch_to_chinese(app):
    with app.app_context():
        found = registry(app)
        question = found.checklists["communication.internal"].question("matrix")
        metric = found.metrics["communication.actions_on_time"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(metric.name) == "Meeting actions closed on time"
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(metric.name) == "会议行动按时关闭率"
        assert str(question.text) == "是否有沟通矩阵，规定沟通什么、何时沟通、与谁沟通、如何沟通以及由谁沟通？"


def test_an_audit_runs_end_to_end_with_the_communication_checklist(app, users):
    from audits.services import audits
    from core.accounts.services import user_by_login
    from core.clock import today

    with app.app_context():
        audit = audits.plan_audit(
            user_by_login("qo"),
            title="Communication audit",
            site="MAIN",
            departments=["COMMS"],
            scope="Matrix, meetings, handoffs",
            criteria=[],
            lead_auditor="auditor",
            auditors=[],
            planned_date=today() + timedelta(days=2),
            checklists=["communication.internal"],
        )
        commit()
        audits.start_audit(user_by_login("auditor"), audit, row_version=audit.row_version)
        commit()
        assert [item.question_key for item in audit.items][:2] == ["matrix", "external"]
        for item in audit.items:
            result = "observation" if item.question_key == "evaluation" else "conforming"
            audits.record_result(user_by_login("auditor"), audit, item, result=result, row_version=item.row_version)
            commit()
        audits.report_audit(
            user_by_login("auditor"),
            audit,
            summary="Communication works; no survey yet",
            conclusion="Effective",
            password=TEST_PASSWORD,
            row_version=audit.row_version,
        )
        commit()
        assert audit.state == "reported" and audits.nonconformities_of(audit) == []


def test_the_overdue_panel_lists_the_longest_overdue_and_counts_them_all(app, users, api_as, client_as):
    today = clock_today()
    late = [action(f"Late action {n:02d}", (today - timedelta(days=30 - n)).isoformat()) for n in range(12)]
    assert submit(api_as("staff"), "communication.meeting", meeting(today.isoformat(), *late)).status_code == 201
    page = client_as("qo").get("/").get_data(as_text=True)
    assert "Meeting actions overdue (12)" in page
    shown = [n for n in range(12) if f"Late action {n:02d}" in page]
    assert shown == list(range(10)), "the ten longest overdue are listed"
    assert 'href="/forms/communication.meeting/submissions?site=MAIN">and 2 more</a>' in page
