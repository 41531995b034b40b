"""The training plugin: definitions, Kirkpatrick computations, forms, languages, an audit with its checklist."""

import ast
from pathlib import Path

import pytest

from core.plugin_engine.manager import registry
from core.testing import TEST_PASSWORD
from plugins.training import computations

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "plugins" / "training"


def record(*attendees, mandatory=True, pass_mark=None, **overrides):
    data = {
        "course": "High-voltage safety",
        "course_type": "ev_safety",
        "mandatory": mandatory,
        "method": "classroom",
        "date": "2026-03-02",
        "hours": 4,
        "trainer": "Zhao Lei",
        "attendees": [dict(name=f"Person {n}", role="technician", **row) for n, row in enumerate(attendees)],
    }
    if pass_mark is not None:
        data["pass_mark"] = pass_mark
    data.update(overrides)
    return data


# Definitions ---------------------------------------------------------------------------


def test_the_plugin_loads_through_its_entry_point(app):
    with app.app_context():
        found = registry(app)
        checklist = found.checklists["training.competence"]
        assert checklist.area == "TRAINING" and 8 <= len(checklist.questions) <= 15
        assert all(q.reference and q.guidance for q in checklist.questions)
        assert {"training.needs_matrix", "training.record", "training.certificate"} <= set(found.forms)
        computed = {key for key, metric in found.metrics.items() if key.startswith("training.") and metric.computed}
        assert computed == {
            "training.mandatory_completion",
            "training.reaction_score",
            "training.test_pass_rate",
            "training.certified_technicians",
            "training.procedure_acknowledgement",
        }
        assert found.metrics["training.mandatory_completion"].target == 100
        assert "TR-PR-002" in found.procedure_templates
        assert found.plugin_of("checklists", "training.competence") == "training"


def test_the_plugin_imports_only_the_public_plugin_api():
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert {m for m in modules if m.startswith("core")} <= {"core.plugins"}, source.name
        assert not {m for m in modules if m.split(".")[0] in ("procedures", "audits")}, source.name


def test_plugins_lists_training_with_its_counts(app, api_as, users):
    [training] = [p for p in api_as("auditor").get("/api/v1/plugins").json if p["name"] == "training"]
    assert training["counts"] == {"checklists": 1, "forms": 4, "metrics": 7, "procedure_templates": 1}
    assert training["builtin"] is True


# Computations, worked by hand from the formulas ------------------------------------------


def test_mandatory_completion_counts_only_mandatory_courses():
    records = [
        # mandatory: 3 required, 2 completed
        record({"completed": True}, {"completed": True}, {"completed": False}),
        # mandatory: 2 required, 2 completed
        record({"completed": True}, {"completed": True}),
        # optional course: ignored however it went
        record({"completed": False}, {"completed": False}, mandatory=False),
    ]
    # completed 4 ÷ required 5 × 100 = 80 %
    assert computations.mandatory_completion(records) == pytest.approx(80.0)
    assert computations.mandatory_completion([record({"completed": False}, mandatory=False)]) is None


def test_reaction_score_is_the_mean_of_given_ratings():
    records = [
        record({"completed": True, "reaction": 5}, {"completed": True, "reaction": 4}, {"completed": True}),
        record({"completed": True, "reaction": 3}, mandatory=False),
    ]
    # (5 + 4 + 3) ÷ 3 = 4.0; the attendee without a rating is not counted
    assert computations.reaction_score(records) == pytest.approx(4.0)
    assert computations.reaction_score([record({"completed": True})]) is None


def test_pass_rate_compares_scores_with_each_courses_pass_mark():
    records = [
        # pass mark 80: 85 and 80 pass, 79.5 fails
        record(
            {"completed": True, "score": 85},
            {"completed": True, "score": 80},
            {"completed": True, "score": 79.5},
            pass_mark=80,
        ),
        # pass mark 60: 60 passes; the attendee without a score was not tested
        record({"completed": True, "score": 60}, {"completed": True}, pass_mark=60),
        # no pass mark: no test, left out even with a score
        record({"completed": True, "score": 10}),
    ]
    # passed 3 ÷ tested 4 × 100 = 75 %
    assert computations.pass_rate(records) == pytest.approx(75.0)


def test_completion_is_computed_from_submitted_training_records(app, users, api_as):
    from core.clock import current_period

    staff = api_as("staff")
    for data in (
        record({"completed": True, "reaction": 5, "score": 90}, {"completed": False, "reaction": 3}, pass_mark=80),
        record({"completed": True, "reaction": 4, "score": 70}, {"completed": True}, pass_mark=80),
    ):
        response = staff.post("/api/v1/forms/training.record/submissions", json={"site": "MAIN", "data": data})
        assert response.status_code == 201, response.json

    def series(key):
        return staff.get(f"/api/v1/metrics/{key}/series?site=MAIN").json

    # 3 of 4 required attendees completed: 75 % (below the 95 % warning: red)
    assert series("training.mandatory_completion") == [{"period": current_period(), "value": 75.0, "status": "red"}]
    # (5 + 3 + 4) ÷ 3 = 4.0: between warning 3.8 and target 4.2
    assert series("training.reaction_score") == [{"period": current_period(), "value": 4.0, "status": "amber"}]
    # 90 passes, 70 fails: 50 %
    assert series("training.test_pass_rate")[0]["value"] == 50.0
    refused = api_as("qo").post(
        "/api/v1/metrics/training.mandatory_completion/measurements",
        json={"site": "MAIN", "period": current_period(), "value": 100},
    )
    assert refused.status_code == 409


def test_manual_metrics_take_entered_values(app, users, api_as):
    # The certified technician ratio is computed from the technician roster now (test_computed_training.py),
    # the procedure acknowledgement from the read-and-understood records (tests/procedures).
    response = api_as("qo").post(
        "/api/v1/metrics/training.behaviour_change/measurements",
        json={"site": "MAIN", "period": "2026-01", "value": 3},
    )
    assert response.status_code == 201
    series = api_as("qo").get("/api/v1/metrics/training.behaviour_change/series?site=MAIN").json
    # 3 points is short of the 5-point target but above the 0-point warning
    assert series == [{"period": "2026-01", "value": 3.0, "status": "amber"}]
    refused = api_as("qo").post(
        "/api/v1/metrics/training.procedure_acknowledgement/measurements",
        json={"site": "MAIN", "period": "2026-01", "value": 95},
    )
    assert refused.status_code == 409


# Forms ----------------------------------------------------------------------------------


def test_a_training_record_with_attendees_is_accepted_and_kept(app, users, api_as):
    data = record(
        {"completed": True, "score": 92.5, "reaction": 5},
        pass_mark=80,
        behaviour_plan="Mystery shop in 60 days",
        result_measure="csi",
    )
    response = api_as("staff").post("/api/v1/forms/training.record/submissions", json={"site": "MAIN", "data": data})
    assert response.status_code == 201
    assert response.json["data"]["attendees"][0]["score"] == 92.5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"attendees": []}, "attendees"),
        ({"hours": 0}, "hours"),
        ({"course_type": "cooking"}, "course_type"),
        ({"pass_mark": 120}, "pass_mark"),
        ({"attendees": [{"name": "Wang Fang", "role": "technician", "completed": True, "reaction": 6}]}, "attendees"),
        ({"date": "2026-02-30"}, "date"),
    ],
)
def test_bad_training_records_are_refused(app, users, api_as, change, field):
    data = {**record({"completed": True}), **change}
    response = api_as("staff").post("/api/v1/forms/training.record/submissions", json={"site": "MAIN", "data": data})
    assert response.status_code == 422
    assert field in {error["field"].split(".")[0] for error in response.json["errors"]}


def test_the_needs_matrix_takes_a_gap_and_refuses_a_missing_due_date(app, users, api_as):
    entry = {
        "role": "technician",
        "competence": "High-voltage isolation",
        "current_level": 2,
        "required_level": 4,
        "gap": "Cannot isolate the traction battery alone",
        "action": "manufacturer",
        "due_date": "2026-06-30",
        "status": "planned",
    }
    client = api_as("head")
    assert (
        client.post("/api/v1/forms/training.needs_matrix/submissions", json={"site": "MAIN", "data": entry}).status_code
        == 201
    )
    missing = {k: v for k, v in entry.items() if k != "due_date"}
    response = client.post("/api/v1/forms/training.needs_matrix/submissions", json={"site": "MAIN", "data": missing})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "due_date"


# Languages ------------------------------------------------------------------------------


def test_texts_follow_the_readers_language(app):
    found = registry(app)
    question = found.checklists["training.competence"].question("records")
    metric = found.metrics["training.mandatory_completion"]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(question.text) == "是否保留了证明每位员工能力的记录？"
        assert str(metric.name) == "必修培训完成率"
        assert str(found.forms["training.record"].field("attendees").label) == "参训人员"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(metric.name) == "Mandatory training completion"


def test_the_form_page_is_in_chinese_for_a_chinese_reader(app, client_as):
    client = client_as("staff")
    page = client.get("/forms/training.record/new", headers={"Accept-Language": "zh-CN"})
    english = page.get_data(as_text=True)
    assert page.status_code == 200 and "Attendees" in english
    token = client.get("/").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": token})
    chinese = client.get("/forms/training.record/new").get_data(as_text=True)
    assert "参训人员" in chinese and "柯氏第三级" in chinese


# An audit with the checklist ---------------------------------------------------------------


def test_an_audit_runs_end_to_end_with_the_training_checklist(app, users):
    from audits.services import audits
    from core.accounts.services import user_by_login
    from core.clock import today
    from core.database import commit

    with app.app_context():
        qo = user_by_login("qo")
        # The auditor belongs to TRAINING and may not audit it (ISO 9001 9.2.2 c); the quality officer leads.
        audit = audits.plan_audit(
            qo,
            title="Training audit",
            site="MAIN",
            departments=["TRAINING"],
            scope="Competence and training records",
            criteria=[],
            lead_auditor="qo",
            auditors=[],
            planned_date=today(),
            checklists=["training.competence"],
        )
        commit()
        audits.start_audit(qo, audit, row_version=audit.row_version)
        commit()
        assert [item.question_key for item in audit.items][:2] == ["roles", "needs"]
        assert len(audit.items) == 10
        for item in audit.items:
            result = "minor_nc" if item.question_key == "certification" else "conforming"
            audits.record_result(
                qo,
                audit,
                item,
                result=result,
                note="Two expired high-voltage certificates" if result == "minor_nc" else "",
                row_version=item.row_version,
            )
            commit()
        audits.report_audit(
            qo,
            audit,
            summary="Training is planned and recorded",
            conclusion="Effective with one finding",
            password=TEST_PASSWORD,
            row_version=audit.row_version,
        )
        commit()
        assert audit.state == "reported"
        [nc] = audits.nonconformities_of(audit)
        assert nc.severity == "minor" and nc.department.code == "TRAINING"


def test_the_starter_training_procedure_is_loaded_as_effective(app):
    from core.database import db
    from core.maintenance import initialise
    from procedures.models import Procedure

    with app.app_context():
        initialise(admin_password="correct horse battery staple")
        procedure = db.session.execute(db.select(Procedure).filter_by(code="TR-PR-001")).scalar_one()
        [revision] = procedure.revisions
        assert procedure.department.code == "TRAINING" and revision.state == "effective"
        assert "## 4. Procedure" in revision.body and "Kirkpatrick" in revision.body
