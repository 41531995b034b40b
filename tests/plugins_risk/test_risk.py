"""The risk plugin: definitions, the register and its heat map, review flags, consent NCs, languages, an audit."""

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.plugin_engine.manager import registry
from core.testing import TEST_PASSWORD
from plugins.risk import computations, plugin

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "risk"


def entry(risk_id="RK-2026-001", likelihood=3, impact=4, review_date="2030-01-31", status="open", **overrides):
    return {
        "risk_id": risk_id,
        "risk": "Price war with the neighbouring dealer",
        "category": "competition",
        "likelihood": likelihood,
        "impact": impact,
        "owner": "Chen Jing",
        "controls": "Weekly price watch",
        "treatment": "reduce",
        "review_date": review_date,
        "status": status,
        **overrides,
    }


def consent(**overrides):
    return {
        "customer": "Liu Yang",
        "notice_given": True,
        "purposes": ["sales_contact", "finance"],
        "sensitive": True,
        "separate_consent": True,
        "channel": "paper",
        "given_at": "2026-03-02T09:30:00",
        "third_party_consent": False,
        **overrides,
    }


# Definitions ---------------------------------------------------------------------------


def test_the_plugin_loads_through_its_entry_point(app):
    found = registry(app)
    checklist = found.checklists["risk.compliance"]
    assert checklist.area == "RISK" and 8 <= len(checklist.questions) <= 15
    assert all(q.reference and q.guidance for q in checklist.questions)
    assert checklist.question("filing").reference == "销管办法 Art.27"
    assert {"risk.register_entry", "risk.consent_record"} <= set(found.forms)
    assert {"risk.compliance_score", "risk.hotline_complaints", "risk.data_incidents"} <= set(found.metrics)
    assert found.metrics["risk.data_incidents"].direction == "lower"
    assert "RK-PR-002" in found.procedure_templates
    assert found.plugin_of("forms", "risk.register_entry") == "risk"


def test_the_plugin_imports_only_the_public_plugin_api():
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert {m for m in modules if m.startswith("core")} <= {"core.plugins"}, source.name
        assert not {m for m in modules if m.split(".")[0] in ("procedures", "audits")}, source.name


# The register, worked by hand ------------------------------------------------------------


@pytest.mark.parametrize(
    ("likelihood", "impact", "score", "level"),
    [
        (1, 1, 1, "low"),
        (2, 2, 4, "low"),
        (1, 5, 5, "medium"),
        (3, 3, 9, "medium"),
        (2, 5, 10, "high"),
        (4, 4, 16, "high"),
        (4, 5, 20, "critical"),
        (5, 5, 25, "critical"),
    ],
)
def test_score_is_likelihood_times_impact_in_four_bands(likelihood, impact, score, level):
    assert computations.score(entry(likelihood=likelihood, impact=impact)) == score
    assert computations.level(score) == level


def test_the_register_keeps_the_latest_entry_of_each_open_risk():
    entries = [
        entry("RK-1", 2, 2),
        entry("RK-2", 4, 5),
        entry("rk-1", 3, 4),  # RK-1 re-assessed
        entry("RK-3", 1, 1),
        entry("RK-3", 1, 1, status="closed"),
    ]  # RK-3 closed
    register = computations.current_register(entries)
    assert [(e["risk_id"].upper(), e["likelihood"], e["impact"]) for e in register] == [("RK-1", 3, 4), ("RK-2", 4, 5)]
    counts = computations.matrix(register)
    assert len(counts) == 25 and counts[(3, 4)] == 1 and counts[(4, 5)] == 1 and sum(counts.values()) == 2


def test_only_risks_whose_review_date_has_passed_are_flagged():
    register = [
        entry("RK-1", review_date="2026-03-01"),
        entry("RK-2", review_date="2026-02-01"),
        entry("RK-3", review_date="2026-03-02"),
    ]
    late = computations.overdue(register, date(2026, 3, 2))
    assert [e["risk_id"] for e in late] == ["RK-2", "RK-1"]  # longest overdue first; due today is not late


# Forms ----------------------------------------------------------------------------------


def test_a_register_entry_is_accepted(app, users, api_as):
    response = api_as("head").post(
        "/api/v1/forms/risk.register_entry/submissions",
        json={"site": "MAIN", "data": entry(residual_likelihood=2, residual_impact=3)},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"likelihood": 6}, "likelihood"),
        ({"impact": 0}, "impact"),
        ({"category": "weather"}, "category"),
        ({"review_date": "soon"}, "review_date"),
        ({"owner": ""}, "owner"),
    ],
)
def test_bad_register_entries_are_refused(app, users, api_as, change, field):
    response = api_as("head").post(
        "/api/v1/forms/risk.register_entry/submissions", json={"site": "MAIN", "data": entry(**change)}
    )
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json["errors"]}


def test_a_consent_record_needs_the_separate_consent_answer_only_for_sensitive_data(app, users, api_as):
    client = api_as("staff")
    url = "/api/v1/forms/risk.consent_record/submissions"
    assert client.post(url, json={"site": "MAIN", "data": consent()}).status_code == 201
    plain = {
        k: v for k, v in consent(sensitive=False, purposes=["service_reminders"]).items() if k != "separate_consent"
    }
    assert client.post(url, json={"site": "MAIN", "data": plain}).status_code == 201
    unanswered = {k: v for k, v in consent().items() if k != "separate_consent"}
    response = client.post(url, json={"site": "MAIN", "data": unanswered})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "separate_consent"
    bad_purpose = client.post(url, json={"site": "MAIN", "data": consent(purposes=["resale"])})
    assert bad_purpose.status_code == 422


# Behaviour ------------------------------------------------------------------------------


def test_sensitive_data_without_separate_consent_raises_a_major_nc(app, users, api_as):
    from audits.models import Nonconformity
    from core.database import db

    client = api_as("staff")
    client.post("/api/v1/forms/risk.consent_record/submissions", json={"site": "MAIN", "data": consent()})
    with app.app_context():
        assert db.session.execute(db.select(Nonconformity)).scalars().all() == []
    response = client.post(
        "/api/v1/forms/risk.consent_record/submissions",
        json={"site": "MAIN", "data": consent(customer="Zhou Min", separate_consent=False)},
    )
    assert response.status_code == 201
    with app.app_context():
        [nc] = db.session.execute(db.select(Nonconformity)).scalars().all()
        assert nc.severity == "major" and nc.department.code == "RISK" and "Zhou Min" in nc.title
        assert nc.source == "plugin:risk" and nc.source_ref == f"form-submission:{response.json['id']}"


def test_the_dashboard_shows_the_matrix_and_flags_overdue_reviews(app, users, api_as, client_as):
    yesterday = (plugin.today() - timedelta(days=1)).isoformat()
    client = api_as("head")
    for data in (
        entry("RK-1", 4, 5, review_date=yesterday, risk="Tax audit of <b>2024</b> bonuses"),
        entry("RK-2", 2, 3),
        entry("RK-3", 4, 5),
        entry("RK-2", 2, 3, status="closed"),
    ):
        assert (
            client.post(
                "/api/v1/forms/risk.register_entry/submissions", json={"site": "MAIN", "data": data}
            ).status_code
            == 201
        )
    page = client_as("qo").get("/").get_data(as_text=True)
    assert "Risk matrix" in page and 'aria-label="Risk matrix: 2 open risks' in page
    # the (4, 5) cell holds both open risks; RK-2 was closed
    assert ">2</text>" in page
    assert "Critical: 2" in page and "Medium: 0" in page
    assert "Past their review date: 1" in page and "RK-1" in page and "RK-3</strong>" not in page
    assert "Tax audit of &lt;b&gt;2024&lt;/b&gt; bonuses" in page and "<b>2024</b>" not in page


def test_the_panel_says_when_nothing_is_overdue(app):
    with app.test_request_context():
        html = plugin.panel_html([entry(review_date="2030-01-01")], date(2026, 3, 2))
    assert "No open risk is past its review date." in html and "<svg" in html


# Languages ------------------------------------------------------------------------------


def test_texts_follow_the_readers_language(app):
    found = registry(app)
    question = found.checklists["risk.compliance"].question("sensitive")
    metric = found.metrics["risk.data_incidents"]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(question.text).startswith("处理敏感个人信息")
        assert str(metric.name) == "个人信息安全事件"
        html = plugin.panel_html([entry(review_date="2020-01-01")], date(2026, 3, 2))
        assert "风险矩阵" in html and "可能性" in html and "超过评审日期：1 项" in html
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(metric.name) == "Personal data incidents"


# An audit with the checklist -------------------------------------------------------------


def test_an_audit_runs_end_to_end_with_the_risk_checklist(app, users):
    from audits.services import audits
    from core.accounts.services import user_by_login
    from core.clock import today
    from core.database import commit

    with app.app_context():
        auditor = user_by_login("auditor")
        audit = audits.plan_audit(
            user_by_login("qo"),
            title="Compliance audit",
            site="MAIN",
            departments=["RISK"],
            scope="Regulatory and data protection",
            criteria=[],
            lead_auditor="auditor",
            auditors=["qo"],
            planned_date=today(),
            checklists=["risk.compliance"],
        )
        commit()
        audits.start_audit(auditor, audit, row_version=audit.row_version)
        commit()
        assert len(audit.items) == 13 and audit.items[0].reference == "销管办法 Art.27"
        for item in audit.items:
            result = "major_nc" if item.question_key == "sensitive" else "conforming"
            audits.record_result(
                auditor,
                audit,
                item,
                result=result,
                note="Finance applications without separate consent" if result == "major_nc" else "",
                row_version=item.row_version,
            )
            commit()
        audits.report_audit(
            auditor,
            audit,
            summary="One major finding on consent",
            conclusion="Not yet effective",
            password=TEST_PASSWORD,
            row_version=audit.row_version,
        )
        commit()
        assert audit.state == "reported"
        [nc] = audits.nonconformities_of(audit)
        assert nc.severity == "major" and nc.department.code == "RISK"


def test_the_starter_risk_procedure_is_loaded_as_effective(app):
    from core.database import db
    from core.maintenance import initialise
    from procedures.models import Procedure

    with app.app_context():
        initialise(admin_password="correct horse battery staple")
        procedure = db.session.execute(db.select(Procedure).filter_by(code="RK-PR-001")).scalar_one()
        [revision] = procedure.revisions
        assert procedure.department.code == "RISK" and revision.state == "effective"
        assert "Score = likelihood × impact" in revision.body


def test_the_overdue_list_shows_the_longest_overdue_and_links_to_the_register(app):
    register = [
        entry(f"RK-{n:02d}", review_date=(date(2026, 3, 1) - timedelta(days=n)).isoformat())
        for n in range(plugin.OVERDUE_SHOWN + 4)
    ]
    with app.test_request_context():
        html = plugin.panel_html(register, date(2026, 3, 2), "/forms/risk.register_entry/submissions?site=MAIN")
    assert f"Past their review date: {plugin.OVERDUE_SHOWN + 4}" in html
    assert html.count("<li><strong>RK-") == plugin.OVERDUE_SHOWN
    # Longest overdue first: the four most recently due are the ones left out.
    assert "RK-13</strong>" in html and "RK-04</strong>" in html and "RK-03</strong>" not in html
    assert '<a href="/forms/risk.register_entry/submissions?site=MAIN">and 4 more</a>' in html
    # The matrix still counts every open risk.
    assert f'aria-label="Risk matrix: {plugin.OVERDUE_SHOWN + 4} open risks' in html


def test_risks_added_and_re_assessed_in_a_period():
    earlier = [entry("RK-1"), entry("RK-2")]
    in_period = [entry("rk-1", likelihood=5), entry("RK-3"), entry("RK-3", impact=5)]
    assert computations.register_changes(earlier, in_period) == (1, 1)


def test_the_management_review_shows_the_register_by_level_and_its_changes(app, users, api_as):
    from core.accounts.services import site_by_code
    from core.clock import today

    for data in (entry("RK-1", likelihood=5, impact=5), entry("RK-2", likelihood=2, impact=3), entry("RK-2")):
        assert (
            api_as("head")
            .post("/api/v1/forms/risk.register_entry/submissions", json={"site": "MAIN", "data": data})
            .status_code
            == 201
        )
    with app.test_request_context():
        [section] = plugin.review_inputs(site_by_code("MAIN"), today() - timedelta(days=30), today())
        rows = {str(label): value for label, value in section.rows}
    # RK-1 scores 25 (critical); RK-2's latest entry 3 × 4 = 12 (high). Both first entered in the period.
    assert section.key == "risk.register"
    assert rows == {
        "Open risks rated critical": 1,
        "Open risks rated high": 1,
        "Open risks rated medium": 0,
        "Open risks rated low": 0,
        "Risks added in the period": 2,
        "Risks re-assessed in the period": 0,
    }
