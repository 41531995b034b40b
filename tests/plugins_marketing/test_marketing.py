"""The marketing plugin: definitions, hand-worked campaign metrics, forms, dashboard, languages, an audit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core.plugin_engine.manager import describe_plugins, registry
from core.testing import TEST_PASSWORD
from plugins.marketing import computations
from plugins.marketing.plugin import last_periods

ROOT = Path(__file__).resolve().parents[2]

PLAN = {
    "campaign": "Spring SUV week",
    "kind": "vehicle_sales",
    "objective": "60 leads, 10 sales",
    "segment": "Young families",
    "offer": "Free first two services with every SUV",
    "channels": ["platform", "event"],
    "start_date": "2026-04-01",
    "end_date": "2026-04-14",
    "budget": 30000,
    "target_leads": 60,
    "target_sales": 10,
    "legal_review": True,
    "legal_reviewer": "Zhao Min",
    "contingency": "Transfer stock from the north site",
}
# Two campaigns evaluated in the same month (hand-worked totals in the tests below).
EVALUATION_A = {
    "campaign": "Spring SUV week",
    "start_date": "2026-04-01",
    "end_date": "2026-04-14",
    "channels": [
        {"source": "website", "spend": 10000, "leads": 50, "sales": 5},
        {"source": "event", "spend": 20000, "leads": 30, "sales": 5},
    ],
    "campaign_sales": 14,
    "baseline_sales": 10,
    "incremental_gross_profit": 45000,
    "lessons": "Events bring buyers, at twice the cost.",
}
EVALUATION_B = {
    "campaign": "Platform test",
    "start_date": "2026-04-01",
    "end_date": "2026-04-30",
    "channels": [{"source": "platform", "spend": 6000, "leads": 40, "sales": 2}],
    "campaign_sales": 4,
    "baseline_sales": 5,
    "incremental_gross_profit": 3000,
    "lessons": "Platform leads need faster answers.",
}


def post(api, form, data):
    return api.post(f"/api/v1/forms/{form}/submissions", json={"site": "MAIN", "data": data})


def test_definitions_load(app):
    found = registry(app)
    checklist = found.checklists["marketing.promotions"]
    assert checklist.area == "MARKETING" and 8 <= len(checklist.questions) <= 15
    assert all(str(q.reference).strip() and str(q.guidance).strip() for q in checklist.questions)
    assert checklist.question("prices-match").reference == "销管办法 Art.10"
    metrics = {key: metric for key, metric in found.metrics.items() if key.startswith("marketing.")}
    assert {key for key, metric in metrics.items() if metric.computed} == {
        "marketing.sales_lift",
        "marketing.cost_per_lead",
        "marketing.cost_per_sale",
        "marketing.roi",
    }
    assert metrics["marketing.market_share"].period == "quarter" and not metrics["marketing.market_share"].computed
    assert metrics["marketing.cost_per_lead"].direction == "lower"
    assert {"marketing.campaign_plan", "marketing.campaign_evaluation"} <= set(found.forms)
    assert found.procedure_templates["MK-WI-001"].department == "MARKETING"
    [marketing] = [plugin for plugin in describe_plugins(app) if plugin["name"] == "marketing"]
    assert marketing["counts"] == {"checklists": 1, "metrics": 5, "forms": 2, "procedure_templates": 1}


def test_the_plugin_uses_only_the_public_plugin_api():
    for path in (ROOT / "plugins" / "marketing").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert {m for m in imported if m.split(".")[0] in {"core", "audits", "procedures"}} <= {"core.plugins"}, path
        # The demo records (demo.py) draw seeded random numbers from the standard library.
        assert {m.split(".")[0] for m in imported} <= {
            "__future__",
            "collections",
            "datetime",
            "math",
            "pathlib",
            "random",
            "core",
            "flask_babel",
            "markupsafe",
            "plugins",
        }, path


def test_the_starter_procedure_is_complete(app):
    from procedures.library import read_folder

    documents = {doc.code: doc for doc in read_folder(ROOT / "procedures" / "library")}
    doc = documents["MK-PR-001"]
    headings = [line.split(". ", 1)[-1] for line in doc.body.splitlines() if line.startswith("## ")]
    assert {"Purpose", "Scope", "Responsibilities", "Procedure", "Records", "References"} <= set(headings)
    assert doc.department == "MARKETING" and "广告法" in doc.body
    assert "MK-WI-001" not in documents


# --- computations, hand-worked -----------------------------------------------------------------


def test_campaign_metrics_sum_over_the_months_campaigns():
    evaluations = [EVALUATION_A, EVALUATION_B]
    # spend 10,000 + 20,000 + 6,000 = 36,000; leads 50 + 30 + 40 = 120; attributed sales 5 + 5 + 2 = 12
    assert computations.cost_per_lead(evaluations) == pytest.approx(300.0)
    assert computations.cost_per_sale(evaluations) == pytest.approx(3000.0)
    # units 14 + 4 = 18 against a baseline of 10 + 5 = 15: (18 - 15) / 15 = 20 %
    assert computations.sales_lift(evaluations) == pytest.approx(20.0)
    # gross profit 45,000 + 3,000 = 48,000: (48,000 - 36,000) / 36,000 = 33.33 %
    assert computations.roi(evaluations) == pytest.approx(100 / 3)
    assert computations.cost_per_sale_by_source({"website": (10000.0, 5.0), "platform": (6000.0, 2.0)}) == {
        "website": (10000.0, 5, 2000.0),
        "platform": (6000.0, 2, 3000.0),
    }


def test_nothing_to_divide_by_gives_no_value():
    assert computations.cost_per_sale([]) is None
    no_sales = {**EVALUATION_B, "channels": [{"source": "social", "spend": 800, "leads": 0, "sales": 0}]}
    assert computations.cost_per_lead([no_sales]) is None
    assert computations.cost_per_sale_by_source({"social": (800.0, 0.0)}) == {"social": (800.0, 0, None)}
    # Spending 800 for no extra profit loses it all: (3,000 - 800) / 800 = 275 %.
    assert computations.roi([no_sales]) == pytest.approx(275.0)


def test_last_periods_cross_the_year():
    assert last_periods(3, "2026-02") == ["2026-02", "2026-01", "2025-12"]


def series(api, key):
    [point] = api.get(f"/api/v1/metrics/{key}/series?site=MAIN").json
    return point["value"], point["status"]


def test_submitted_evaluations_compute_the_site_metrics(app, users, api_as):
    head = api_as("staff")
    for evaluation in (EVALUATION_A, EVALUATION_B):
        assert post(head, "marketing.campaign_evaluation", evaluation).status_code == 201
    qo = api_as("qo")
    assert series(qo, "marketing.cost_per_lead") == (300.0, "green")
    assert series(qo, "marketing.cost_per_sale") == (3000.0, "green")
    assert series(qo, "marketing.sales_lift") == (20.0, "green")
    # 33.3 %: short of the 100 % target, above the 0 % warning.
    assert series(qo, "marketing.roi") == (33.3, "amber")


# --- forms ------------------------------------------------------------------------------------


def test_valid_plans_and_evaluations_are_accepted(app, users, api_as):
    api = api_as("staff")
    assert post(api, "marketing.campaign_plan", PLAN).status_code == 201
    service = {
        **PLAN,
        "kind": "service",
        "capacity_checked": True,
        "channels": ["direct"],
        # 广告法 Art.43 (see test_advertising_law.py).
        "message_consent": "confirmed",
        "sender_identity": "Shanghai Demo Motors, 021-5555 0000",
        "opt_out": "Reply TD",
    }
    assert post(api, "marketing.campaign_plan", service).status_code == 201
    assert (
        post(
            api, "marketing.campaign_evaluation", {**EVALUATION_A, "satisfaction": 4, "showroom_visits": 120}
        ).status_code
        == 201
    )


def test_invalid_plans_and_evaluations_are_refused_naming_each_field(app, users, api_as):
    api = api_as("staff")
    plan = {**PLAN, "kind": "service", "budget": -1, "channels": ["television"]}
    del plan["legal_reviewer"]
    response = post(api, "marketing.campaign_plan", plan)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"capacity_checked", "budget", "channels", "legal_reviewer"}
    evaluation = {
        **EVALUATION_B,
        "baseline_sales": 0,
        "channels": [{"source": "radio", "spend": 100, "leads": 1, "sales": 0}],
    }
    response = post(api, "marketing.campaign_evaluation", evaluation)
    assert {e["field"] for e in response.json["errors"]} == {"baseline_sales", "channels.0.source"}
    response = post(api, "marketing.campaign_evaluation", {**EVALUATION_B, "channels": []})
    assert "channels" in {e["field"] for e in response.json["errors"]}
    assert api_as("qo").get("/api/v1/forms/marketing.campaign_plan/submissions").json == []


# --- dashboard --------------------------------------------------------------------------------


def test_the_dashboard_ranks_lead_sources_and_flags_unreviewed_plans(app, users, api_as, client_as):
    api = api_as("staff")
    post(api, "marketing.campaign_evaluation", EVALUATION_A)
    post(api, "marketing.campaign_evaluation", EVALUATION_B)
    post(api, "marketing.campaign_plan", {**PLAN, "campaign": "<b>Flash</b> sale", "legal_review": False})
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    assert "Cost per sale by lead source, last 12 months" in page
    # Cheapest first: website 2,000, platform 3,000, event 4,000 per sale.
    assert page.index("Dealer website") < page.index("Third-party car platform") < page.index("Event or roadshow")
    assert '<td class="num">2,000</td>' in page
    assert "Campaigns planned without legal review" in page
    assert "&lt;b&gt;Flash&lt;/b&gt; sale (2026-04-01)" in page and "<b>Flash</b>" not in page


def test_the_unreviewed_campaigns_panel_lists_the_first_and_counts_them_all(app, users, api_as, client_as):
    from plugins.marketing.plugin import CAMPAIGNS_SHOWN

    api = api_as("staff")
    for n in range(CAMPAIGNS_SHOWN + 2):
        assert (
            post(
                api, "marketing.campaign_plan", {**PLAN, "campaign": f"Campaign {n:02d}", "legal_review": False}
            ).status_code
            == 201
        )
    page = client_as("quality_officer").get("/").get_data(as_text=True)
    assert f"Campaigns planned without legal review ({CAMPAIGNS_SHOWN + 2})" in page
    assert sum(f"Campaign {n:02d} (" in page for n in range(CAMPAIGNS_SHOWN + 2)) == CAMPAIGNS_SHOWN
    assert 'href="/forms/marketing.campaign_plan/submissions?site=MAIN">and 2 more</a>' in page


# --- languages --------------------------------------------------------------------------------


def test_questions_and_metrics_in_chinese(app):
    found = registry(app)
    question = found.checklists["marketing.promotions"].question("prices-match")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(question.text) == "促销价格是否与展厅标价一致，没有隐藏收费？"
        assert str(found.metrics["marketing.cost_per_sale"].name) == "单车获客成本"
        assert str(found.forms["marketing.campaign_plan"].field("legal_review").label) == "优惠和广告已经过合规审核"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(found.metrics["marketing.cost_per_sale"].name) == "Cost per sale"


# --- an audit ---------------------------------------------------------------------------------


def test_an_audit_runs_end_to_end_with_the_marketing_checklist(app, users, make_user):
    from datetime import timedelta

    from audits.services import audits
    from core.accounts.services import user_by_login
    from core.clock import today
    from core.database import commit

    make_user("mkhead", "department_head", department="MARKETING", display_name="Ma Ke")
    with app.app_context():
        from procedures.library import load_starter_library

        load_starter_library()
        commit()
        audit = audits.plan_audit(
            user_by_login("qo"),
            title="Marketing audit",
            site="MAIN",
            departments=["MARKETING"],
            scope="Spring campaigns",
            criteria=["MK-PR-001"],
            lead_auditor="auditor",
            auditors=[],
            planned_date=today() + timedelta(days=1),
            checklists=["marketing.promotions"],
        )
        commit()
        audits.start_audit(user_by_login("auditor"), audit, row_version=audit.row_version)
        commit()
        assert audit.criteria_revisions["MK-PR-001"]["revision"] == 1
        assert len(audit.items) == 12 and audit.checklists[0].plugin == "marketing"
        for item in audit.items:
            result, note = (
                ("major_nc", "An SMS campaign went to 300 numbers without consent records.")
                if item.question_key == "consent"
                else ("conforming", "")
            )
            audits.record_result(
                user_by_login("auditor"), audit, item, result=result, note=note, row_version=item.row_version
            )
            commit()
        audits.report_audit(
            user_by_login("auditor"),
            audit,
            summary="One major finding on consent.",
            conclusion="Not effective for direct marketing.",
            password=TEST_PASSWORD,
            row_version=audit.row_version,
        )
        commit()
        assert audit.state == "reported"
        [nc] = audits.nonconformities_of(audit)
        assert (nc.department.code, nc.severity, nc.owner.login) == ("MARKETING", "major", "mkhead")
