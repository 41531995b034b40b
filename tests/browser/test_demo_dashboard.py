"""A newcomer logs in to an ``init --demo`` instance as Shanghai's quality
officer: the dashboard is alive (overdue work, the off-target KPI tiles of every
area, the areas' panels and the way to their trends); switching the account to Chinese shows the same
dashboard in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_the_demo_dashboard_in_english_and_in_chinese(demo_server, page, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(demo_server + "/login")
    page.get_by_label("Login", exact=True).fill("sh.quality")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The demo is shared by the browser tests: another may have left this account in Chinese.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("Huajun Motors Shanghai Pudong")

    # Overdue work: the NC past its due date and the risks past their review.
    overdue = page.locator("section.panel-alert")
    expect(overdue).to_contain_text("Mandatory training completion below target")
    # A quality officer's dashboard shows what is off target (at Shanghai, many: one line each);
    # the KPI page shows every area.
    assert page.locator("table.kpi-rows tr.kpi.kpi-red").count() >= 9
    assert page.locator(".kpi.kpi-green").count() == 0
    expect(page.locator("tr.kpi", has_text="Net promoter score").first).to_have_class("kpi kpi-red")
    # The tasks come first: the site procedure to approve, the actions to verify.
    expect(page.locator("section.task-inbox")).to_contain_text("Verify effectiveness")
    # The areas' own panels, with their charts and the 三包 and risk behaviours.
    titles = page.locator("section.plugin-panel > h2")
    for title in (
        "Sales satisfaction index (SSI)",
        "Customer service index (CSI)",
        "Risk matrix",
        "三包 cases near a replacement or refund trigger",
    ):
        expect(titles.filter(has_text=title).first).to_be_visible()
    # The risk matrix is drawn; the chart panels show their latest value and lead to the trend
    # (the dashboard stays small; the KPI pages draw the charts).
    expect(page.locator("section.plugin-panel", has_text="Risk matrix").locator("svg")).to_have_count(1)
    trends = page.locator("section.plugin-panel .trend-summary a", has_text="See the trend")
    assert trends.count() >= 2, "the chart panels lead to their trend"
    expect(page.locator("section.plugin-panel", has_text="Sales satisfaction index (SSI)")).to_contain_text("points")
    expect(page.locator("section.plugin-panel", has_text="Risk matrix")).to_contain_text("Past their review date: 3")
    page.screenshot(path=str(tmp_path / "demo-dashboard-en.png"), full_page=True)
    page.goto(demo_server + "/metrics/?site=SH01")
    assert page.locator("li.kpi.kpi-green").count() >= 5
    for area in ("Sales", "After-sales", "Training", "Marketing", "Risk management", "Communication"):
        expect(page.locator("h2", has_text=area).first).to_be_visible()
    # The demo's records end last month: every tile shows that complete month, rounded by its unit;
    # but procedure acknowledgement, counted from the signatures, starts this month with the demo,
    # and the daily checks run up to the site's today, so their completion may be this month's to
    # date (it is at Shanghai after its midnight, from 16:00 UTC: the suite must pass at any hour).
    periods = set(page.locator(".kpi-period").all_inner_texts())
    assert len({period for period in periods if re.fullmatch(r"\d{4}-\d{2}", period)}) == 1, periods
    so_far = page.locator("li.kpi", has=page.locator(".kpi-period", has_text="to date"))
    this_month = {"Procedure acknowledgement completion", "Scheduled checks done"}
    assert set(so_far.locator(".kpi-label").all_inner_texts()) <= this_month
    values = page.locator(".kpi-value").all_inner_texts()
    assert not [value for value in values if re.search(r"\d\.\d{3}", value)], values
    # The comparison opens on a metric with values, charted; a metric's chart labels are rounded.
    page.get_by_role("link", name="Compare sites").click()
    expect(page.locator(".chart svg")).to_be_visible()
    expect(page.locator("table.data td.num", has_text=re.compile(r"\d"))).not_to_have_count(0)
    page.goto(demo_server + "/metrics/sales.lead_response_time?site=SH01")
    chart_labels = page.locator(".chart svg text").all_text_contents()
    assert chart_labels and not [label for label in chart_labels if re.search(r"\d\.\d{2}", label)], chart_labels
    page.screenshot(path=str(tmp_path / "demo-metric-en.png"), full_page=True)

    page.goto(demo_server + "/account")
    page.get_by_role("region", name="Language").get_by_label("Language").select_option("zh_CN")
    page.get_by_role("button", name="Use this language").click()
    page.goto(demo_server + "/")
    expect(page.get_by_role("heading", level=1, name="仪表板")).to_be_visible()
    expect(page.locator("section.panel-alert h2")).to_contain_text("逾期事项")
    titles = page.locator("section.plugin-panel > h2")
    for title in ("销售满意度指数（SSI）", "售后服务满意度指数（CSI）", "风险矩阵", "接近换车或退车条件的三包案件"):
        expect(titles.filter(has_text=title).first).to_be_visible()
    expect(page.locator("tr.kpi", has_text="净推荐值").first).to_be_visible()
    assert page.locator("tr.kpi.kpi-red").count() >= 9
    page.screenshot(path=str(tmp_path / "demo-dashboard-zh.png"), full_page=True)
    # Kept for a person to look at (pytest keeps the last few tmp_path folders).
    print(f"screenshots: {tmp_path}")
