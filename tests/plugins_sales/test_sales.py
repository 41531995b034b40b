"""The sales plugin: definitions, hand-worked metric values, forms, behaviour, languages, an audit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.plugin_engine.manager import describe_plugins, registry
from core.testing import TEST_PASSWORD
from plugins.sales import computations

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "plugins" / "sales"
LIBRARY = Path(__file__).resolve().parents[2] / "procedures" / "library"
VIN = "LSVAU2180N2183294"  # a Chinese VIN: no check digit is required

LEAD = {
    "received_at": "2026-03-02T09:15:00",
    "source": "walk_in",
    "customer_name": "Wang Fang",
    "customer_phone": "138 0013 8000",
    "consultant": "Li Lei",
    "model": "Sedan 2.0",
    "response_minutes": 1,
    "test_drive": True,
    "privacy_notice": True,
    "marketing_consent": False,
}
DELIVERY = {
    "vin": VIN,
    "delivery_date": "2026-03-05",
    "consultant": "Li Lei",
    "pdi_signed_off": True,
    "pdi_defects_found": False,
    "origin": "domestic",
    "invoice_issued": True,
    "documents": [
        "conformity_certificate",
        "consistency_certificate",
        "owner_manual",
        "warranty_manual",
        "sanbao_certificate",
    ],
    "configuration_matches": True,
    "feature_walkthrough": True,
    "sanbao_explained": True,
    "first_service_booked": True,
    "first_service_date": "2026-06-05",
    "customer_signed": True,
}
FACTORS = ("salesperson", "delivery", "deal", "paperwork", "facility")


def survey(rating, recommend, website=None):
    answer = {factor: rating for factor in FACTORS} | {"recommend": recommend}
    if website is not None:
        answer["website"] = website
    return answer


def post(api, form, data):
    return api.post(f"/api/v1/forms/{form}/submissions", json={"site": "MAIN", "data": data})


# --- definitions -------------------------------------------------------------------------------


def test_definitions_load_with_references_guidance_and_formulas(app):
    found = registry(app)
    compliance, process = found.checklists["sales.compliance"], found.checklists["sales.process"]
    for checklist in (compliance, process):
        assert checklist.area == "SALES" and 8 <= len(checklist.questions) <= 15
        assert all(str(q.reference).strip() and str(q.guidance).strip() for q in checklist.questions)
    assert compliance.question("delivery-documents").reference == "销管办法 Art.16"
    computed = {key for key, metric in found.metrics.items() if key.startswith("sales.") and metric.computed}
    assert computed == {
        "sales.ssi",
        "sales.nps",
        "sales.lead_response_time",
        "sales.test_drive_ratio",
        "sales.pdi_defect_rate",
        "sales.order_processing_days",
    }
    assert not found.metrics["sales.lead_conversion"].computed
    assert all(str(found.metrics[key].formula) for key in found.metrics if key.startswith("sales."))
    assert (found.metrics["sales.lead_response_time"].direction, found.metrics["sales.lead_response_time"].target) == (
        "lower",
        5,
    )
    assert {
        "sales.lead_log",
        "sales.test_drive_agreement",
        "sales.delivery_checklist",
        "sales.satisfaction_survey",
    } <= set(found.forms)
    assert {"SA-WI-001", "SA-WI-002"} <= set(found.procedure_templates)
    [sales] = [plugin for plugin in describe_plugins(app) if plugin["name"] == "sales"]
    assert sales["builtin"] is True
    assert sales["counts"] == {"checklists": 3, "metrics": 7, "forms": 5, "procedure_templates": 2}


def test_the_plugin_uses_only_the_public_plugin_api():
    for path in PLUGIN_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert {m for m in imported if m.split(".")[0] in {"core", "audits", "procedures"}} <= {"core.plugins"}, path
        # The demo records (demo.py) draw seeded random numbers from the standard library; the
        # pages and the API are Flask's and flask-smorest's.
        allowed = {
            "__future__",
            "collections",
            "dataclasses",
            "datetime",
            "math",
            "pathlib",
            "random",
            "re",
            "core",
            "flask",
            "flask_babel",
            "flask_login",
            "flask_smorest",
            "markupsafe",
            "marshmallow",
            "plugins",
        }
        assert {m.split(".")[0] for m in imported} <= allowed, path


def test_starter_procedures_are_complete_and_codes_unique(app):
    from procedures.library import read_folder

    documents = {doc.code: doc for doc in read_folder(LIBRARY)}
    for code in ("SA-PR-001", "SA-PR-002"):
        doc = documents[code]
        assert doc.department == "SALES"
        headings = [line.split(". ", 1)[-1] for line in doc.body.splitlines() if line.startswith("## ")]
        assert {"Purpose", "Scope", "Responsibilities", "Procedure", "Records", "References"} <= set(headings), code
    assert "销管办法" in documents["SA-PR-002"].body or "汽车销售管理办法" in documents["SA-PR-002"].body
    templates = set(registry(app).procedure_templates)
    assert not templates & set(documents), "a template code is also a library code"
    # The checklists cite sections that exist in the procedures.
    assert "### 4.4 Test drive" in documents["SA-PR-001"].body
    assert "### 4.6 Follow-up" in documents["SA-PR-002"].body


# --- computations, hand-worked from the formulas --------------------------------------------------


def test_nps_from_promoters_and_detractors():
    # 4 promoters (10, 9, 9, 10), 2 passives (8, 7), 2 detractors (6, 3) of 8: (4 - 2) / 8 = 25 %.
    assert computations.nps([10, 9, 9, 8, 7, 6, 3, 10]) == pytest.approx(25.0)
    assert computations.nps([0, 6, 6]) == pytest.approx(-100.0)
    assert computations.nps([]) is None


def test_ssi_weights_factor_means():
    answers = [
        {"salesperson": 10, "delivery": 9, "deal": 8, "paperwork": 7, "facility": 10, "website": 6},
        {"salesperson": 8, "delivery": 9, "deal": 6, "paperwork": 9, "facility": 8},
    ]
    # means 9, 9, 7, 8, 9, 6 (website from one answer):
    # 0.28*.9 + 0.21*.9 + 0.18*.7 + 0.16*.8 + 0.13*.9 + 0.04*.6 = .252+.189+.126+.128+.117+.024 = .836
    assert computations.ssi(answers) == pytest.approx(836.0)


def test_ssi_leaves_out_a_factor_nobody_rated_and_rescales_the_weights():
    answers = [{"salesperson": 10, "delivery": 10, "deal": 5, "paperwork": 10, "facility": 10}]
    # (.28 + .21 + .18*.5 + .16 + .13) / (1 - .04) = .87 / .96 = .90625
    assert computations.ssi(answers) == pytest.approx(906.25)
    assert computations.ssi([]) is None


def test_lead_response_test_drive_ratio_and_pdi_defect_rate():
    leads = [
        {"source": "walk_in", "response_minutes": 3, "test_drive": True},
        {"source": "walk_in", "response_minutes": 12, "test_drive": True},
        {"source": "walk_in", "response_minutes": 0, "test_drive": False},
        {"source": "walk_in", "response_minutes": 5, "test_drive": True},
        {"source": "website", "response_minutes": 0, "test_drive": True},
    ]
    # (3 + 12 + 0 + 5 + 0) / 5 = 4 minutes; 3 of 4 walk-ins drove = 75 % (the web lead is no showroom visit).
    assert computations.mean_response_minutes(leads) == pytest.approx(4.0)
    assert computations.test_drive_ratio(leads) == pytest.approx(75.0)
    assert computations.test_drive_ratio([{"source": "phone", "test_drive": True}]) is None
    # 1 of 8 inspected vehicles had a defect: 12.5 %.
    deliveries = [{"pdi_defects_found": index == 0} for index in range(8)]
    assert computations.pdi_defect_rate(deliveries) == pytest.approx(12.5)


def series_value(api, key):
    [point] = api.get(f"/api/v1/metrics/{key}/series?site=MAIN").json
    return point["value"], point["status"]


def test_submitted_surveys_and_leads_compute_the_site_metrics(app, users, api_as):
    api = api_as("staff")
    for answer in (survey(10, 10, website=10), survey(10, 10), survey(8, 8), survey(6, 2)):
        assert post(api, "sales.satisfaction_survey", answer).status_code == 201
    qo = api_as("qo")
    # NPS: 2 promoters, 1 detractor of 4 = 25. SSI: factor means (10+10+8+6)/4 = 8.5, website 10:
    # (.96 * .85 + .04 * 1.0) * 1000 = 856.
    assert series_value(qo, "sales.nps") == (25.0, "red")
    assert series_value(qo, "sales.ssi") == (856.0, "green")
    for minutes in (2, 10):
        assert post(api, "sales.lead_log", LEAD | {"response_minutes": minutes}).status_code == 201
    # (2 + 10) / 2 = 6 minutes: worse than the target 5, better than the warning 15.
    assert series_value(qo, "sales.lead_response_time") == (6.0, "amber")
    assert series_value(qo, "sales.test_drive_ratio") == (100.0, "green")


# --- forms ------------------------------------------------------------------------------------


def test_valid_forms_are_accepted(app, users, api_as):
    api = api_as("staff")
    assert post(api, "sales.lead_log", LEAD).status_code == 201
    assert (
        post(
            api,
            "sales.test_drive_agreement",
            {
                "customer_name": "Wang Fang",
                "licence_number": "110101199003077777",
                "licence_copied": True,
                "insurer": "PICC",
                "vin": VIN,
                "route": "urban",
                "time_out": "2026-03-02T10:00:00",
                "odometer_out": 1200,
                "damage_before": "none",
                "time_in": "2026-03-02T10:40:00",
                "odometer_in": 1218,
                "customer_signed": True,
                "consultant": "Li Lei",
            },
        ).status_code
        == 201
    )
    assert post(api, "sales.delivery_checklist", DELIVERY).status_code == 201
    assert post(api, "sales.satisfaction_survey", survey(9, 10)).status_code == 201


def test_invalid_forms_are_refused_naming_each_field(app, users, api_as):
    api = api_as("staff")
    response = post(
        api,
        "sales.lead_log",
        {**LEAD, "source": "billboard", "response_minutes": -1, "customer_phone": "call me"} | {"test_drive": None},
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} >= {
        "source",
        "response_minutes",
        "customer_phone",
        "test_drive",
    }
    response = post(api, "sales.test_drive_agreement", {"customer_name": "Wang", "vin": "LSVAU2180N218329I"})
    assert response.status_code == 422
    assert {
        "vin",
        "licence_number",
        "licence_copied",
        "insurer",
        "route",
        "time_out",
        "odometer_out",
        "customer_signed",
        "consultant",
    } <= {e["field"] for e in response.json["errors"]}
    response = post(
        api,
        "sales.delivery_checklist",
        {**DELIVERY, "pdi_defects_found": True, "documents": ["owner_manual", "brochure"]},
    )
    assert {e["field"] for e in response.json["errors"]} == {"pdi_defects", "documents"}
    response = post(api, "sales.satisfaction_survey", {**survey(9, 10), "deal": 11, "recommend": None})
    assert {e["field"] for e in response.json["errors"]} == {"deal", "recommend"}
    assert api_as("qo").get("/api/v1/forms/sales.lead_log/submissions").json == []


# --- behaviour --------------------------------------------------------------------------------


def nonconformities(api):
    return api.get("/api/v1/nonconformities?source=plugin:sales").json


def test_an_incomplete_delivery_raises_a_nonconformity(app, users, api_as):
    api = api_as("staff")
    assert post(api, "sales.delivery_checklist", DELIVERY).status_code == 201
    assert nonconformities(api_as("qo")) == []
    missing = {**DELIVERY, "documents": ["owner_manual", "warranty_manual", "sanbao_certificate"]}
    assert post(api, "sales.delivery_checklist", missing).status_code == 201
    [nc] = nonconformities(api_as("qo"))
    assert nc["severity"] == "minor" and nc["department"] == "SALES" and "Art.16" in nc["title"]
    detail = api_as("qo").get(f"/api/v1/nonconformities/{nc['reference']}").json
    assert "conformity_certificate, consistency_certificate" in detail["description"]
    assert post(api, "sales.delivery_checklist", {**DELIVERY, "configuration_matches": False}).status_code == 201
    assert {nc["severity"] for nc in nonconformities(api_as("qo"))} == {"minor", "major"}


def test_the_dashboard_shows_this_months_sales(app, users, api_as, client_as):
    post(api_as("staff"), "sales.lead_log", LEAD | {"response_minutes": 4})
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    assert "Sales this month" in page
    assert '<th scope="row">Mean minutes to first response</th><td class="num">4</td>' in page
    # The SSI trend appears once there is a survey to draw it from.
    assert "Sales satisfaction index (SSI)" not in page
    post(api_as("staff"), "sales.satisfaction_survey", survey(9, 10))
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    assert "Sales satisfaction index (SSI)" in page


def _panel_figures(page: str) -> dict[str, str]:
    import re

    panel = page[page.index("Sales this month") :]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]*)</td>', panel)[:6])


def test_the_sales_panel_shows_the_figures_of_the_months_records(app, users, api_as, client_as):
    leads = [
        LEAD | {"response_minutes": 3, "test_drive": True},
        LEAD | {"response_minutes": 10, "test_drive": False, "source": "phone"},
        LEAD | {"response_minutes": 4, "test_drive": True, "source": "website"},
        LEAD | {"response_minutes": 2, "test_drive": False},
    ]
    surveys = [survey(9, 10), survey(8, 6), survey(7, 9), survey(9, 8), survey(5, 3)]
    staff = api_as("staff")
    for lead in leads:
        assert post(staff, "sales.lead_log", lead).status_code == 201
    for answer in surveys:
        assert post(staff, "sales.satisfaction_survey", answer).status_code == 201
    for _ in range(2):
        assert post(staff, "sales.delivery_checklist", DELIVERY).status_code == 201
    # What the panel showed when it read every record of the month, worked out from them here.
    mean = computations.mean_response_minutes(leads)
    score = computations.nps(answer["recommend"] for answer in surveys)
    assert _panel_figures(client_as("quality_officer").get("/").get_data(as_text=True)) == {
        "Leads": "4",
        "Mean minutes to first response": f"{round(mean, 1):g}",
        "Test drives": "2",
        "Deliveries": "2",
        "Survey answers": "5",
        "Net promoter score": f"{round(score, 1):g}",
    }
    # A new record shows at once: the metric it changed is recomputed before the panel reads it.
    assert post(staff, "sales.lead_log", LEAD | {"response_minutes": 31, "test_drive": True}).status_code == 201
    figures = _panel_figures(client_as("quality_officer").get("/").get_data(as_text=True))
    assert figures["Leads"] == "5" and figures["Test drives"] == "3"
    assert figures["Mean minutes to first response"] == "10"


def test_the_sales_panel_reads_no_records_however_full_the_month(app, users, api_as, client_as):
    from core.accounts.services import site_by_code
    from core.plugins import submit_forms
    from plugins.sales import plugin
    from tests.statements import statements

    def panel_statements() -> list[str]:
        client_as("quality_officer").get("/")  # computes what the new records left pending
        with app.test_request_context(), statements(app) as seen:
            plugin.dashboard_panels(site_by_code("MAIN"))
        return seen

    def add(count: int) -> None:
        with app.app_context():
            entries = [("sales.lead_log", LEAD), ("sales.satisfaction_survey", survey(9, 10))] * count
            submit_forms([{"form_key": k, "data": d, "site": "MAIN", "submitted_by": "staff"} for k, d in entries])

    add(2)
    quiet = panel_statements()
    add(40)
    busy = panel_statements()
    assert len(busy) == len(quiet)
    # Whatever the month holds, the submissions are counted by the database, never read.
    reads = [statement for statement in busy if "form_submission" in statement]
    assert reads and all(statement.lstrip().startswith("SELECT count(") for statement in reads)


# --- languages --------------------------------------------------------------------------------


def test_questions_metrics_and_forms_in_chinese(app):
    found = registry(app)
    question = found.checklists["sales.process"].question("test-drive-agreement")
    metric = found.metrics["sales.ssi"]
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(question.text).startswith("每次试驾前是否核验并复印驾驶证")
        assert str(metric.name) == "销售满意度指数（SSI）"
        assert str(found.forms["sales.lead_log"].title) == "线索登记表"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(metric.name) == "Sales satisfaction index (SSI)"


def test_the_form_page_follows_the_users_language(app, users, client_as, csrf_token):
    client = client_as("staff")
    assert "Minutes to first response" in client.get("/forms/sales.lead_log/new").get_data(as_text=True)
    client.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_token(client)})
    page = client.get("/forms/sales.lead_log/new").get_data(as_text=True)
    assert "首次响应分钟数" in page and "展厅到店" in page


# --- an audit with the plugin's checklist ------------------------------------------------------


def test_an_audit_runs_end_to_end_with_the_process_checklist(app, users):
    from datetime import timedelta

    from audits.services import audits
    from core.accounts.services import user_by_login
    from core.clock import today
    from core.database import commit

    with app.app_context():
        audit = audits.plan_audit(
            user_by_login("qo"),
            title="Sales process audit",
            site="MAIN",
            departments=["SALES"],
            scope="Showroom, test drive and delivery",
            criteria=[],
            lead_auditor="auditor",
            auditors=["qo"],
            planned_date=today() + timedelta(days=1),
            checklists=["sales.process"],
        )
        commit()
        audits.start_audit(user_by_login("auditor"), audit, row_version=audit.row_version)
        commit()
        assert [item.reference for item in audit.items][:1] == ["SA-PR-001 §4.1"]
        assert audit.checklists[0].plugin == "sales" and len(audit.items) == 10
        for item in audit.items:
            if item.question_key == "follow-up":
                audits.record_result(
                    user_by_login("auditor"),
                    audit,
                    item,
                    result="minor_nc",
                    note="Four of ten buyers had no follow-up call within three days.",
                    row_version=item.row_version,
                )
            else:
                audits.record_result(
                    user_by_login("auditor"), audit, item, result="conforming", row_version=item.row_version
                )
            commit()
        audits.report_audit(
            user_by_login("auditor"),
            audit,
            summary="One minor finding on follow-up.",
            conclusion="The sales process is effective.",
            password=TEST_PASSWORD,
            row_version=audit.row_version,
        )
        commit()
        assert audit.state == "reported"
        [nc] = audits.nonconformities_of(audit)
        assert nc.department.code == "SALES" and nc.severity == "minor"
