"""Sales figures per consultant (seed chapter 3): hand-worked values, who reads whose, the page in
Chinese, the API, and the appraisal form."""

from __future__ import annotations

import html
import re
from zoneinfo import ZoneInfo

import pytest

from core.plugins import last_complete_period, local_time, submit_forms
from tests.plugins_sales.test_sales import DELIVERY, LEAD, survey

MONTH = "2025-06"
JULY = local_time(2025, 7, 2, 10)
QUARTER = "2025-Q2"


def lead(consultant, source, minutes, drove):
    return LEAD | {
        "consultant": consultant,
        "source": source,
        "response_minutes": minutes,
        "test_drive": drove,
        "received_at": "2025-06-10T10:00:00",
    }


def record(form, data, by="staff", day=10):
    return {
        "form_key": form,
        "data": data,
        "site": "MAIN",
        "submitted_by": by,
        "submitted_at": local_time(2025, 6, day, 10),
    }


@pytest.fixture
def month(app, users, make_user):
    """June 2025 at MAIN: Sam Staff and Li Lei of the sales team, and Wang Gone, who is not in it.

    ========== ===== ============ ======== ========== ===== ==== ===
    consultant leads minutes      walk-ins test drives deliv SSI  NPS
    ========== ===== ============ ======== ========== ===== ==== ===
    Sam Staff  3     2, 4, 12     2        1          1     9/7  10/6
    Li Lei     1     1            1        1          1     10   9
    Wang Gone  1     30           0        0          0     –    –
    ========== ===== ============ ======== ========== ===== ==== ===
    """
    make_user("li.lei", "staff", department="SALES", display_name="Li Lei")
    make_user("service", "staff", department="AFTERSALES", display_name="Sid Service")
    with app.app_context():
        submit_forms(
            [
                record("sales.lead_log", lead("Sam Staff", "walk_in", 2, True)),
                record("sales.lead_log", lead("Sam Staff", "walk_in", 4, False)),
                record("sales.lead_log", lead("Sam Staff", "phone", 12, False)),
                record("sales.lead_log", lead("Li Lei", "walk_in", 1, True), by="li.lei"),
                record("sales.lead_log", lead("Wang Gone", "website", 30, False)),
                record("sales.delivery_checklist", DELIVERY | {"consultant": "Sam Staff"}),
                record("sales.delivery_checklist", DELIVERY | {"consultant": "Li Lei"}, by="li.lei"),
                record("sales.satisfaction_survey", survey(9, 10) | {"consultant": "Sam Staff"}),
                record("sales.satisfaction_survey", survey(7, 6) | {"consultant": "Sam Staff"}),
                record("sales.satisfaction_survey", survey(10, 9) | {"consultant": "Li Lei"}),
                # Another month's lead is not June's.
                record("sales.lead_log", lead("Sam Staff", "walk_in", 50, False))
                | {"submitted_at": local_time(2025, 7, 2, 10)},
            ]
        )


def figures(api, who_sees=None, **query):
    answer = api.get("/api/v1/sales/consultants", query_string={"site": "MAIN", "period": MONTH} | query)
    return answer


def rows(answer):
    return {row["consultant"]: row for row in answer.json["consultants"]}


def test_hand_worked_figures_per_consultant_and_for_the_site(month, api_as):
    answer = figures(api_as("department_head"))
    assert answer.status_code == 200, answer.json
    found = rows(answer)
    sam = found["Sam Staff"]
    assert (sam["leads"], sam["lead_response_time"], sam["walk_ins"], sam["test_drive_ratio"]) == (3, 6.0, 2, 50.0)
    # 1 delivery from 3 leads; SSI: every factor's mean is 8 of 10; one promoter, one detractor.
    assert (sam["deliveries"], sam["lead_conversion"], sam["survey_answers"], sam["ssi"], sam["nps"]) == (
        1,
        33.3,
        2,
        800.0,
        0.0,
    )
    assert set(sam["small_samples"]) == {"lead_response_time", "lead_conversion", "test_drive_ratio", "ssi", "nps"}
    li = found["Li Lei"]
    assert (li["leads"], li["lead_response_time"], li["test_drive_ratio"], li["lead_conversion"]) == (
        1,
        1.0,
        100.0,
        100.0,
    )
    assert (li["ssi"], li["nps"]) == (1000.0, 100.0)
    gone = found["Wang Gone"]
    assert gone["in_team"] is False and (gone["leads"], gone["test_drive_ratio"], gone["lead_conversion"]) == (
        1,
        None,
        0.0,
    )
    # The head of sales sells too: in the team, with nothing recorded.
    assert found["Hana Head"]["in_team"] is True and found["Hana Head"]["leads"] == 0
    assert found["Hana Head"]["lead_conversion"] is None and found["Hana Head"]["small_samples"] == []
    site = answer.json["site_figures"]
    # (2 + 4 + 12 + 1 + 30) / 5; 2 of 3 walk-ins drove; 2 deliveries of 5 leads; factor means 26/3 of 10.
    assert (site["leads"], site["lead_response_time"], site["test_drive_ratio"], site["lead_conversion"]) == (
        5,
        9.8,
        66.7,
        40.0,
    )
    assert (site["survey_answers"], site["ssi"], site["nps"]) == (3, 866.7, 33.3)
    assert answer.json["targets"] == {
        "lead_response_time": 5,
        "test_drive_ratio": 50,
        "lead_conversion": 12,
        "ssi": 850,
        "nps": 50,
    }
    # The team by name, then the names that are not in it.
    assert list(found) == ["Hana Head", "Li Lei", "Sam Staff", "Wang Gone"]


def test_a_quarter_adds_up_its_months(month, api_as):
    answer = figures(api_as("department_head"), period=QUARTER)
    assert (answer.json["first_month"], answer.json["last_month"]) == ("2025-04", "2025-06")
    assert rows(answer)["Sam Staff"]["leads"] == 3
    third = figures(api_as("department_head"), period="2025-Q3")
    assert rows(third)["Sam Staff"]["lead_response_time"] == 50.0


def test_who_reads_whose_figures(month, app, api_as, make_user):
    from core.accounts import services
    from core.database import commit

    with app.app_context():
        services.create_site(None, "NORTH", "North dealership")
        commit()
    make_user("north.head", "department_head", department="SALES", site="NORTH", display_name="Nora North")
    make_user("group.qo", "quality_officer", department="QUALITY", site=None, display_name="Gus Group")
    make_user("north.qo", "quality_officer", department="QUALITY", site="NORTH", display_name="Nina North")

    # A consultant reads their own row, whatever others sold.
    assert list(rows(figures(api_as("staff")))) == ["Sam Staff"]
    assert figures(api_as("staff")).json["scope"] == "own"
    assert list(rows(figures(api_as("li.lei")))) == ["Li Lei"]
    # The site's head of sales, its quality officer, the group office's and the administrator read the team.
    team = ["Hana Head", "Li Lei", "Sam Staff", "Wang Gone"]
    for reader in ("department_head", "quality_officer", "group.qo", "admin"):
        assert list(rows(figures(api_as(reader)))) == team, reader
    # The head of sales and the quality officer of another site, an auditor, after-sales staff: refused.
    for outsider in ("north.head", "north.qo", "auditor", "service"):
        answer = figures(api_as(outsider))
        assert answer.status_code == 403, outsider
        assert answer.headers["Content-Type"] == "application/problem+json"
    # NORTH's head reads NORTH.
    assert figures(api_as("north.head"), site="NORTH").status_code == 200


def test_bad_site_and_period_are_problems(month, api_as):
    api = api_as("department_head")
    unknown = figures(api, site="NOWHERE")
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == "application/problem+json"
    bad = figures(api, period="2025-13")
    assert bad.status_code == 422
    assert [error["field"] for error in bad.json["errors"]] == ["period"]
    # Without a period: the caller's site and the last complete month, as the dashboards show.
    plain = api.get("/api/v1/sales/consultants")
    assert plain.status_code == 200 and plain.json["period"] == last_complete_period(ZoneInfo("Asia/Shanghai"))
    assert api_as("staff").get("/api/v1/sales/consultants", headers={"Authorization": ""}).status_code == 401


def test_the_page_in_chinese(month, client_as, csrf_token):
    client = client_as("department_head")
    client.post("/language", data={"locale": "zh_CN", "next": "/", "csrf_token": csrf_token(client)})
    menu = client.get("/").get_data(as_text=True)
    assert "/sales/consultants" in menu and "销售顾问业绩" in menu
    page = client.get(f"/sales/consultants?period={MONTH}").get_data(as_text=True)
    assert "销售顾问业绩" in page and "Sam Staff" in page and "Wang Gone" in page
    assert "不在销售团队中" in page and "样本较少" in page and "开始考评" in page
    # The appraisal starts with Sam Staff's figures of the month (step 2's results).
    link = html.unescape(re.search(r'href="(/forms/sales\.appraisal/new\?site=MAIN[^"]*consultant=Sam[^"]*)"', page)[1])
    form = client.get(link).get_data(as_text=True)
    assert 'value="Sam Staff"' in form and f'value="{MONTH}"' in form
    for key, value in (("units_sold", "1"), ("ssi", "800"), ("ssi_answers", "2")):
        assert re.search(rf'<input[^>]*name="{key}"[^>]*value="{value}', form), key
    # The head of sales, in the team's list, is not offered to appraise themself.
    assert "consultant=Hana" not in page
    # A consultant's page has their own figures only, and no appraisal to start.
    own = client_as("staff").get(f"/sales/consultants?period={MONTH}").get_data(as_text=True)
    assert "Sam Staff" in own and "Li Lei" not in own and "Wang Gone" not in own
    assert "/forms/sales.appraisal/new" not in own
    assert client_as("auditor").get("/sales/consultants").status_code == 403
    assert "/sales/consultants" not in client_as("auditor").get("/").get_data(as_text=True)


APPRAISAL = {
    "consultant": "Sam Staff",
    "period": QUARTER,
    "appraiser": "Hana Head",
    "method": "combined",
    "units_sold": 14,
    "units_target": 15,
    "conversion": 33.3,
    "ssi": 800,
    "ssi_answers": 2,
    "sources": ["sales_reports", "customer_feedback", "colleagues"],
    "sales_skills": 4,
    "market_analysis": 3,
    "teamwork": 5,
    "work_attitude": 4,
    "dedication": 4,
    "team_spirit": 5,
    "overall": "meets",
    "feedback_on": "2025-07-08",
    "suggestions": "Offer the test drive to every walk-in.",
    "consultant_comment": "Agreed.",
    "acknowledged": True,
    "actions": "Shadow Li Lei on two walk-ins a week.",
    "next_review_on": "2025-10-08",
}


def test_the_appraisal_form_validates(app, users, api_as):
    api = api_as("department_head")
    url = "/api/v1/forms/sales.appraisal/submissions"
    assert api.post(url, json={"site": "MAIN", "data": APPRAISAL}).status_code == 201
    answer = api.post(
        url,
        json={
            "site": "MAIN",
            "data": {key: value for key, value in APPRAISAL.items() if key != "overall"} | {"teamwork": 6},
        },
    )
    assert answer.status_code == 422
    assert {error["field"] for error in answer.json["errors"]} == {"overall", "teamwork"}


def test_the_appraisal_page_follows_the_five_steps(app, users, client_as):
    page = client_as("department_head").get("/forms/sales.appraisal/new").get_data(as_text=True)
    steps = ["Step 1, plan", "Step 2, collect", "Step 3, analyse", "Step 4, feed back", "Step 5, follow up"]
    positions = [page.index(step) for step in steps]
    assert positions == sorted(positions)
    assert 'value="Hana Head"' in page  # the appraiser


def test_the_demo_shows_figures_per_consultant_and_an_appraisal(app, api_as):
    from core.clock import last_complete_period
    from core.database import db
    from core.demo import add_demo_group
    from plugins.sales import demo

    with app.app_context():
        add_demo_group()
        db.session.commit()
        demo.populate()
    for site, head in (("BJ01", "bj.sales.head"), ("SH01", "sh.sales.head")):
        answer = api_as(head).get(
            "/api/v1/sales/consultants", query_string={"site": site, "period": last_complete_period()}
        )
        assert answer.status_code == 200, answer.json
        consultants = answer.json["consultants"]
        # Every name in the records is a person of the team: the demo writes display names.
        assert all(row["in_team"] for row in consultants), consultants
        assert sum(row["leads"] for row in consultants) == answer.json["site_figures"]["leads"] > 0
        assert sum(1 for row in consultants if row["leads"]) >= 2
        appraisals = api_as(head).get(f"/api/v1/forms/sales.appraisal/submissions?site={site}").json
        [appraisal] = appraisals
        assert appraisal["data"]["acknowledged"] is True
        assert appraisal["data"]["consultant"] in {row["consultant"] for row in consultants}
