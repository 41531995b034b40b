"""The after-sales plugin: definitions, computed metrics on hand-worked examples, forms,
the complaint → NC rule, 三包 warnings, the dashboard panel, both languages and an audit."""

import ast
from pathlib import Path

import pytest

from core.clock import today as clock_today
from core.database import commit, db
from core.plugin_engine.manager import registry
from core.testing import TEST_PASSWORD
from plugins.aftersales import computations
from plugins.aftersales.plugin import flag_text
from tests.plugins_aftersales.conftest import (
    VIN,
    repair_order,
    series,
    submit,
    this_month,
)

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "aftersales"


# -- definitions ---------------------------------------------------------------------------------------------------


def test_the_plugin_is_loaded_through_its_entry_point_with_its_definitions(app, api_as, users):
    plugins = {p["name"]: p for p in api_as("auditor").get("/api/v1/plugins").json}
    assert "aftersales" in plugins
    with app.app_context():
        found = registry(app)
        service, complaints = found.checklists["aftersales.service"], found.checklists["aftersales.complaints"]
        for checklist in (service, complaints):
            assert checklist.area == "AFTERSALES"
            assert 8 <= len(checklist.questions) <= 15
            assert all(str(q.reference).strip() and str(q.guidance).strip() for q in checklist.questions)
        assert any("ISO 10002" in q.reference for q in complaints.questions)
        assert {
            "aftersales.repair_order",
            "aftersales.complaint",
            "aftersales.sanbao_case",
            "aftersales.servqual",
            "aftersales.csi_survey",
        } <= set(found.forms)
        metrics = {key: m for key, m in found.metrics.items() if key.startswith("aftersales.")}
        assert {
            "aftersales.csi",
            "aftersales.first_time_fix",
            "aftersales.service_retention",
            "aftersales.technician_productivity",
            "aftersales.technician_efficiency",
            "aftersales.warranty_rejection",
            "aftersales.complaints_on_time",
            "aftersales.complaint_resolution_days",
            "aftersales.servqual_empathy",
        } <= set(metrics)
        assert all(str(m.formula).strip() for m in metrics.values())
        assert metrics["aftersales.complaint_resolution_days"].direction == "lower"
        assert not metrics["aftersales.service_retention"].computed and metrics["aftersales.csi"].computed
        templates = {code for code in found.procedure_templates if code.startswith("AS-")}
        assert templates == {"AS-WI-001", "AS-PR-003"}
        assert "三包" in found.procedure_templates["AS-WI-001"].body_in("en")


def test_the_servqual_survey_rates_22_items_twice_on_seven_points(app):
    with app.app_context():
        form = registry(app).forms["aftersales.servqual"]
    ratings = [f for f in form.fields if f.type == "rating"]
    assert len(ratings) == 44 and {f.scale for f in ratings} == {(1, 7)}
    assert {f.key for f in ratings} == {f"{side}{n}" for side in "ep" for n in range(1, 23)}


def test_the_plugin_imports_only_the_public_plugin_api():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        internal = {m for m in modules if m.split(".")[0] in ("core", "procedures", "audits")}
        assert internal <= {"core.plugins"}, f"{path.name} imports {internal}"


# -- computed metrics, hand-worked ---------------------------------------------------------------------------------


def test_csi_is_the_weighted_index_of_the_months_surveys(app, users, api_as):
    client = api_as("staff")
    for answers in (
        {"initiation": 8, "advisor": 9, "facility": 7, "pickup": 10, "service_quality": 9},
        {"initiation": 10, "advisor": 7, "facility": 9, "pickup": 8, "service_quality": 7},
    ):
        assert submit(client, "aftersales.csi_survey", answers).status_code == 201
    # Factor means: initiation 9, advisor 8, facility 8, pick-up 9, quality 8 (scale max 10).
    # 1000 × (.32×.8 + .19×.8 + .19×.9 + .15×.8 + .15×.9) = 1000 × (.256 + .152 + .171 + .12 + .135) = 834
    assert series(client, "aftersales.csi")[this_month()] == pytest.approx(834)


def test_first_time_fix_and_technician_efficiency_come_from_repair_orders(app, users, api_as):
    client = api_as("staff")
    for data in (
        repair_order("RO-1", hours_sold=2.0, hours_clocked=1.6),
        repair_order("RO-2", hours_sold=3.0, hours_clocked=3.0),
        repair_order("RO-3", hours_sold=1.5, comeback=True),
        repair_order("RO-4", hours_sold=0.5, hours_clocked=0.4),
    ):
        assert submit(client, "aftersales.repair_order", data).status_code == 201
    # 4 repair orders, 1 comeback: 3 ÷ 4 = 75 %.
    assert series(client, "aftersales.first_time_fix")[this_month()] == pytest.approx(75)
    # RO-3 has no clocked hours and is left out: (2.0 + 3.0 + 0.5) ÷ (1.6 + 3.0 + 0.4) = 5.5 ÷ 5.0 = 110 %.
    assert series(client, "aftersales.technician_efficiency")[this_month()] == pytest.approx(110)


def complaint(number, **overrides):
    data = {
        "complaint_id": number,
        "entry": "update",
        "received_on": "2026-03-01",
        "channel": "phone",
        "category": "waiting_time",
        "severity": "low",
        "customer": "Wang Fang",
        "description": "The car was ready two hours late.",
        "owner": "Zhang Min",
        "status": "open",
    }
    data.update(overrides)
    return data


def test_complaint_resolution_time_and_closure_on_time(app, users, api_as):
    client = api_as("staff")
    for data in (
        complaint("C-1", received_on="2026-03-01", status="closed", closed_on="2026-03-05"),
        complaint("C-2", received_on="2026-03-02", status="closed", closed_on="2026-03-12"),
        complaint(
            "C-3", received_on="2026-03-10", agreed_close_by="2026-03-15", status="closed", closed_on="2026-03-16"
        ),
        complaint("C-4", received_on="2026-03-11"),
    ):
        assert submit(client, "aftersales.complaint", data).status_code == 201, data
    # Closed: 4, 10 and 6 days (C-4 is still open): (4 + 10 + 6) ÷ 3 = 6.67 days.
    assert series(client, "aftersales.complaint_resolution_days")[this_month()] == pytest.approx(6.67)
    # Due: C-1 03-08 (default 7 days) met; C-2 03-09 missed; C-3 agreed 03-15 missed: 1 ÷ 3 = 33.33 %.
    assert series(client, "aftersales.complaints_on_time")[this_month()] == pytest.approx(33.33)


def servqual_answer(expectation, perception):
    """expectation/perception: {dimension: rating for every item of it}."""
    answer = {}
    for dimension, items in computations.SERVQUAL_DIMENSIONS.items():
        for n in items:
            answer[f"e{n}"], answer[f"p{n}"] = expectation[dimension], perception[dimension]
    return answer


def test_servqual_gap_per_dimension():
    first = servqual_answer(
        {"tangibles": 6, "reliability": 7, "responsiveness": 5, "assurance": 6, "empathy": 7},
        {"tangibles": 6, "reliability": 5, "responsiveness": 6, "assurance": 6, "empathy": 4},
    )
    first.update({"p1": 7, "p4": 5})  # tangibles: +1, 0, 0, −1
    second = servqual_answer(
        {d: 4 for d in computations.SERVQUAL_DIMENSIONS}, {d: 4 for d in computations.SERVQUAL_DIMENSIONS}
    )
    gaps = computations.servqual_gaps([first, second])
    # tangibles (1 + 0 + 0 − 1 + 4 × 0) ÷ 8 = 0; reliability (5 × −2 + 5 × 0) ÷ 10 = −1;
    # responsiveness (4 × 1 + 4 × 0) ÷ 8 = 0.5; assurance 0; empathy (5 × −3 + 5 × 0) ÷ 10 = −1.5
    assert gaps == pytest.approx(
        {"tangibles": 0, "reliability": -1, "responsiveness": 0.5, "assurance": 0, "empathy": -1.5}
    )


def test_servqual_metrics_are_computed_from_the_survey_form(app, users, api_as):
    client = api_as("staff")
    answer = servqual_answer(
        {d: 6 for d in computations.SERVQUAL_DIMENSIONS},
        {"tangibles": 7, "reliability": 4, "responsiveness": 6, "assurance": 5, "empathy": 6},
    )
    assert submit(client, "aftersales.servqual", answer).status_code == 201
    # One respondent: P − E = +1, −2, 0, −1, 0.
    assert series(client, "aftersales.servqual_tangibles")[this_month()] == pytest.approx(1)
    assert series(client, "aftersales.servqual_reliability")[this_month()] == pytest.approx(-2)
    assert series(client, "aftersales.servqual_assurance")[this_month()] == pytest.approx(-1)


# -- 三包 -------------------------------------------------------------------------------------------------------------


def repair(date_in, days, fault="Engine stalls at idle", system="engine", **extra):
    # The loan car of a repair over 5 days (三包 Art.21) was given: these tests are about the other rules.
    return {"date_in": date_in, "days_off_road": days, "fault": fault, "system": system, "loan_car": True, **extra}


def case(*repairs, purchase="2025-01-10", mileage=20000):
    return {
        "case_number": "SB-2025-001",
        "vin": VIN,
        "customer": "Li Wei",
        "purchase_date": purchase,
        "record_date": "2025-12-01",
        "mileage": mileage,
        "status": "open",
        "repairs": list(repairs),
    }


def rules(found):
    return {(flag.rule, flag.level, flag.count) for flag in found}


def test_repair_days_warn_from_20_and_trigger_above_30():
    assert computations.sanbao_flags(case(repair("2025-03-01", 10, "a"), repair("2025-05-01", 9, "b"))) == []
    # 10 + 8 + 5 = 23 days: a warning; + 9 = 32 > 30: the trigger.
    near = case(repair("2025-03-01", 10, "a"), repair("2025-05-01", 8, "b"), repair("2025-07-01", 5, "c"))
    assert rules(computations.sanbao_flags(near)) == {("repair_days", "warning", 23)}
    over = case(*near["repairs"], repair("2025-09-01", 9, "d"))
    assert rules(computations.sanbao_flags(over)) == {("repair_days", "trigger", 32)}
    # Exactly 30 days does not trigger (the rule is "more than 30").
    assert rules(computations.sanbao_flags(case(repair("2025-03-01", 30, "a")))) == {("repair_days", "warning", 30)}


def test_the_same_fault_warns_at_3_repairs_and_triggers_above_4():
    spellings = [
        "Engine stalls at idle",
        "engine stalls at  idle",
        "ENGINE STALLS AT IDLE",
        "Engine stalls at idle",
        "Engine stalls at idle",
    ]
    three = case(*[repair(f"2025-0{m}-01", 1, fault) for m, fault in zip((3, 4, 5), spellings[:3], strict=True)])
    assert rules(computations.sanbao_flags(three)) == {("same_fault", "warning", 3)}
    four = case(*[repair(f"2025-0{m}-01", 1, fault) for m, fault in zip((3, 4, 5, 6), spellings[:4], strict=True)])
    assert rules(computations.sanbao_flags(four)) == {("same_fault", "warning", 4)}
    five = case(*[repair(f"2025-0{m}-01", 1, fault) for m, fault in zip((3, 4, 5, 6, 7), spellings, strict=True)])
    [flag] = computations.sanbao_flags(five)
    assert (flag.rule, flag.level, flag.count, flag.limit, flag.subject) == (
        "same_fault",
        "trigger",
        5,
        4,
        "engine stalls at idle",
    )


def test_a_serious_safety_fault_triggers_after_two_repairs():
    one = case(repair("2025-06-01", 2, "Brake pedal sinks", "brakes", serious_safety=True))
    assert rules(computations.sanbao_flags(one)) == {("serious_safety", "warning", 1)}
    # A different serious safety fault counts too.
    two = case(*one["repairs"], repair("2025-08-01", 2, "Steering locks", "steering", serious_safety=True))
    assert rules(computations.sanbao_flags(two)) == {("serious_safety", "trigger", 2)}


def test_the_7_day_and_60_day_rules():
    # Engine replaced 5 days after purchase: the 7-day rule (and one main-part replacement so far).
    early = case(repair("2025-01-15", 3, main_part_replaced=True))
    assert ("seven_day", "trigger", 5) in rules(computations.sanbao_flags(early))
    # Replaced on day 8: not the 7-day rule.
    assert "seven_day" not in {
        f.rule for f in computations.sanbao_flags(case(repair("2025-01-18", 3, main_part_replaced=True)))
    }
    # Brake failure on day 41 at 2,100 km: the 60-day / 3,000 km rule.
    brakes = case(repair("2025-02-20", 1, "Brake failure", "brakes", serious_safety=True, mileage=2100))
    assert ("sixty_day", "trigger", 41) in rules(computations.sanbao_flags(brakes))
    # The same at 3,500 km: whichever comes first ends the rule.
    late = case(repair("2025-02-20", 1, "Brake failure", "brakes", serious_safety=True, mileage=3500))
    assert "sixty_day" not in {f.rule for f in computations.sanbao_flags(late)}


def test_a_main_part_replaced_twice_triggers():
    # 三包规定 Art.24(3): the same main part, named the same way each time (see test_sanbao_articles.py).
    twice = case(
        repair("2025-03-01", 2, "Gearbox jerks", "transmission", main_part_replaced=True, main_part="Valve body"),
        repair("2025-06-01", 2, "Gearbox slips", "transmission", main_part_replaced=True, main_part="valve  body"),
    )
    assert rules(computations.sanbao_flags(twice)) == {("part_replaced", "trigger", 2)}


def test_repairs_after_the_sanbao_period_do_not_count():
    # Purchased 2023-01-10: the 三包 period ended 2025-01-10, so 40 days in 2025 count for nothing.
    old = case(repair("2025-03-01", 40, "a"), purchase="2023-01-10")
    assert computations.sanbao_flags(old) == []
    # Past 50,000 km the period has ended too.
    assert computations.sanbao_flags(case(repair("2025-03-01", 40, "a", mileage=51000))) == []


def test_the_latest_entry_of_each_case_counts():
    first = {**case(repair("2025-03-01", 10, "a")), "record_date": "2025-03-05"}
    later = {**case(repair("2025-03-01", 10, "a"), repair("2025-06-01", 25, "b")), "record_date": "2025-06-30"}
    assert computations.latest_cases([later, first]) == [later]


def test_warnings_read_in_both_languages(app):
    flag = computations.SanbaoFlag("repair_days", "trigger", 32, 30)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert flag_text(flag) == "Repairs total 32 days (more than 30): replacement or refund is due."
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert flag_text(flag) == "累计修理 32 日（超过 30 日）：应予换车或退车。"
        assert "发动机" in flag_text(computations.SanbaoFlag("seven_day", "trigger", 5, 7, "engine"))


def test_the_dashboard_lists_open_cases_near_a_trigger_escaping_what_users_typed(app, users, api_as, client_as):
    today = clock_today()
    recent = today.replace(day=1).isoformat()
    data = {
        "case_number": "SB-2026-007",
        "vin": VIN,
        "customer": "<b>Li</b> Wei",
        "purchase_date": (today.replace(day=1).replace(year=today.year - 1)).isoformat(),
        "record_date": today.isoformat(),
        "mileage": 18000,
        "status": "open",
        "repairs": [{"date_in": recent, "days_off_road": 31, "fault": "<script>x</script>", "system": "other"}],
    }
    assert submit(api_as("staff"), "aftersales.sanbao_case", data).status_code == 201
    closed = {**data, "case_number": "SB-2026-008", "status": "closed"}
    assert submit(api_as("staff"), "aftersales.sanbao_case", closed).status_code == 201
    page = client_as("qo").get("/").get_data(as_text=True)
    assert "三包 cases near a replacement or refund trigger" in page
    assert "SB-2026-007" in page and "Repairs total 31 days (more than 30)" in page
    assert "SB-2026-008" not in page
    assert "<script>x</script>" not in page and "&lt;b&gt;Li&lt;/b&gt; Wei" in page
    # Sales staff do not see after-sales cases.
    assert "SB-2026-007" not in client_as("staff").get("/").get_data(as_text=True)


# -- forms accept and refuse ---------------------------------------------------------------------------------------


def test_forms_refuse_bad_values_naming_the_fields(app, users, api_as):
    client = api_as("staff")
    bad = repair_order("RO-9", vin="LSVAU2180N218329O", mileage=-1)
    del bad["concern"]
    response = submit(client, "aftersales.repair_order", bad)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"vin", "mileage", "concern"}

    response = submit(client, "aftersales.complaint", complaint("C-9", status="closed", severity="urgent"))
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"closed_on", "severity"}

    answer = servqual_answer(
        {d: 5 for d in computations.SERVQUAL_DIMENSIONS}, {d: 5 for d in computations.SERVQUAL_DIMENSIONS}
    )
    answer["p7"] = 8
    del answer["e22"]
    response = submit(client, "aftersales.servqual", answer)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"p7", "e22"}

    broken_case = case(
        repair("2025-03-01", 2, ""), {"date_in": "2025-04-01", "days_off_road": 1, "fault": "Noise", "system": "wings"}
    )
    response = submit(client, "aftersales.sanbao_case", broken_case)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"repairs.0.fault", "repairs.1.system"}

    response = submit(client, "aftersales.csi_survey", {"initiation": 0, "advisor": 11, "facility": 5, "pickup": 5})
    assert {e["field"] for e in response.json["errors"]} == {"initiation", "advisor", "service_quality"}


def test_forms_accept_valid_records(app, users, api_as):
    client = api_as("staff")
    full = repair_order(
        "RO-10",
        existing_damage="Scratch on the rear bumper",
        estimate=860.5,
        promised_at="2026-03-02T09:00:00",
        parts_types=["original", "equivalent"],
        non_original_agreed=True,
        customer_updated=True,
        hours_sold=1.2,
        hours_clocked=1.0,
    )
    assert submit(client, "aftersales.repair_order", full).status_code == 201
    assert submit(client, "aftersales.sanbao_case", case(repair("2025-03-01", 2))).status_code == 201
    closed = complaint(
        "C-10",
        status="closed",
        closed_on="2026-03-04",
        customer_satisfied=True,
        root_cause="Parts ordered late",
        action="Parts stock reviewed weekly",
    )
    assert submit(client, "aftersales.complaint", closed).status_code == 201


# -- a high-severity complaint raises an NC ------------------------------------------------------------------------


def test_a_new_high_severity_complaint_raises_a_major_nc(app, users, api_as):
    from audits.models import Nonconformity

    client = api_as("staff")
    response = submit(
        client,
        "aftersales.complaint",
        complaint(
            "C-20",
            entry="new",
            severity="high",
            category="repair_quality",
            description="Brakes failed again a day after the repair.",
        ),
    )
    assert response.status_code == 201
    # An update of the same complaint and a new low-severity complaint raise nothing.
    assert submit(client, "aftersales.complaint", complaint("C-20", severity="high")).status_code == 201
    assert submit(client, "aftersales.complaint", complaint("C-21", entry="new")).status_code == 201
    with app.app_context():
        [nc] = db.session.execute(db.select(Nonconformity)).scalars().all()
        assert (nc.severity, nc.source, nc.source_ref) == (
            "major",
            "complaint",
            f"form-submission:{response.json['id']}",
        )
        assert nc.department.code == "AFTERSALES" and nc.site.code == "MAIN"
        assert nc.title == "High-severity complaint C-20: Repair quality"
        assert nc.description == "Brakes failed again a day after the repair."


# -- languages -----------------------------------------------------------------------------------------------------


def test_questions_metrics_and_forms_switch_to_chinese(app):
    with app.app_context():
        found = registry(app)
        question = found.checklists["aftersales.complaints"].question("channels")
        metric = found.metrics["aftersales.first_time_fix"]
        label = found.forms["aftersales.servqual"].field("p7").label
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(metric.name) == "First-time fix rate"
        assert str(label) == "Perception 7: The dealership performs the service right the first time."
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert str(question.text) == "投诉渠道是否公开、便于使用且免费？"
        assert str(metric.name) == "一次修复率"
        assert str(label) == "感知 7：经销店第一次就把服务做好。"


# -- an audit with the plugin's checklist, end to end --------------------------------------------------------------


def test_an_audit_runs_end_to_end_with_the_service_checklist(app, users):
    from datetime import timedelta

    from audits.services import audits
    from core.accounts.services import user_by_login
    from core.clock import today

    with app.app_context():
        audit = audits.plan_audit(
            user_by_login("qo"),
            title="Workshop process audit",
            site="MAIN",
            departments=["AFTERSALES"],
            scope="Reception to delivery",
            criteria=[],
            lead_auditor="auditor",
            auditors=["qo"],
            planned_date=today() + timedelta(days=1),
            checklists=["aftersales.service", "aftersales.complaints"],
        )
        commit()
        audits.start_audit(user_by_login("auditor"), audit, row_version=audit.row_version)
        commit()
        assert len(audit.items) == 11 + 10
        first = audit.items[0]
        assert first.reference == "机动车维修管理规定 Art.38" and "100 days" in first.text
        for item in audit.items:
            result = "minor_nc" if item.question_key == "sanbao_ledger" else "conforming"
            audits.record_result(
                user_by_login("auditor"),
                audit,
                item,
                result=result,
                note="No 三包 ledger for two VINs" if result == "minor_nc" else "",
                row_version=item.row_version,
            )
            commit()
        audits.report_audit(
            user_by_login("auditor"),
            audit,
            summary="One finding on the 三包 ledger",
            conclusion="Effective apart from the ledger",
            password=TEST_PASSWORD,
            row_version=audit.row_version,
        )
        commit()
        assert audit.state == "reported"
        [nc] = audits.nonconformities_of(audit)
        assert nc.severity == "minor" and nc.department.code == "AFTERSALES"


def test_the_sanbao_panel_lists_the_first_cases_and_counts_them_all(app, users, api_as, client_as):
    from plugins.aftersales.plugin import CASES_SHOWN

    today = clock_today()
    recent = today.replace(day=1).isoformat()
    api = api_as("staff")
    for n in range(CASES_SHOWN + 3):
        # The first three only warn (25 days off the road); the others are past the trigger.
        days = 25 if n < 3 else 31
        data = {
            "case_number": f"SB-2026-{n:03d}",
            "vin": VIN,
            "customer": "Li Wei",
            "purchase_date": today.replace(day=1).replace(year=today.year - 1).isoformat(),
            "record_date": today.isoformat(),
            "mileage": 18000,
            "status": "open",
            "repairs": [{"date_in": recent, "days_off_road": days, "fault": "Gearbox", "system": "other"}],
        }
        assert submit(api, "aftersales.sanbao_case", data).status_code == 201
    page = client_as("qo").get("/").get_data(as_text=True)
    assert f"三包 cases near a replacement or refund trigger ({CASES_SHOWN + 3})" in page
    listed = [n for n in range(CASES_SHOWN + 3) if f"SB-2026-{n:03d}" in page]
    # Cases past a trigger come first, so the three that only warn are the ones left out.
    assert listed == list(range(3, CASES_SHOWN + 3))
    assert 'href="/forms/aftersales.sanbao_case/submissions?site=MAIN">and 3 more</a>' in page


def test_the_management_review_counts_complaints_by_category_and_the_days_to_close_them(app, users, api_as):
    from datetime import timedelta

    from core.accounts.services import site_by_code
    from plugins.aftersales import plugin

    day = clock_today()
    client = api_as("staff")
    for data in (
        complaint("C-1", entry="new", received_on=f"{day - timedelta(days=10)}"),
        complaint(
            "C-1", received_on=f"{day - timedelta(days=10)}", status="closed", closed_on=f"{day - timedelta(days=6)}"
        ),
        complaint(
            "C-2",
            entry="new",
            category="price",
            received_on=f"{day - timedelta(days=5)}",
            status="closed",
            closed_on=f"{day}",
        ),
        complaint("C-3", entry="new", received_on=f"{day - timedelta(days=3)}"),
        # Received before the period: not counted among those received in it.
        complaint("C-4", entry="new", category="parts", received_on=f"{day - timedelta(days=120)}"),
    ):
        assert submit(client, "aftersales.complaint", data).status_code == 201, data
    with app.test_request_context():
        [section] = plugin.review_inputs(site_by_code("MAIN"), day - timedelta(days=60), day)
        rows = [(str(label), value) for label, value in section.rows]
    # Received: C-1 and C-3 waiting time, C-2 price; closed: C-1 in 4 days, C-2 in 5: 4.5 days.
    assert (section.key, str(section.title)) == ("aftersales.complaints", "Complaints by category")
    assert rows == [
        ("Complaints received", 3),
        ("Waiting time", 2),
        ("Price or invoice", 1),
        ("Complaints closed", 2),
        ("Mean days to close", 4.5),
    ]
