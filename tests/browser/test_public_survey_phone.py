"""Customers on a phone, in Chinese, without an account: a buyer scans the QR code printed with
the delivery, answers the sales survey and sees the thank-you page (the month's NPS has the
answer); a customer scans the site's complaint code, complains and gets a reference number."""

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD
from tests.intake.test_public_intake import DELIVERY

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_customer_scans_the_delivery_qr_code_and_answers_in_chinese_on_a_phone(
    app, users, api_as, live_server, browser, tmp_path
):
    staff_api = api_as("staff")
    response = staff_api.post(
        "/api/v1/forms/sales.delivery_checklist/submissions", json={"site": "MAIN", "data": DELIVERY}
    )
    assert response.status_code == 201, response.json
    delivery = response.json["id"]

    # The consultant prints the delivery's page: the QR code, with the link it encodes beside it.
    desk = browser.new_context(viewport={"width": 1024, "height": 768}, locale="en-US")
    staff = desk.new_page()
    staff.goto(live_server + "/login")
    staff.get_by_label("Login", exact=True).fill("staff")
    staff.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.goto(f"{live_server}/forms/submissions/{delivery}")
    expect(staff.locator("section.survey-link svg.qr-code")).to_be_visible()
    link = staff.locator("a.survey-url").get_attribute("href")
    assert link.startswith(live_server + "/s/")
    desk.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    violations = []
    page = phone.new_page()
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    try:
        page.goto(link)
        expect(page.get_by_role("heading", level=1, name="销售满意度调查")).to_be_visible()
        # Nothing of the dealership's inside: no menu, no staff, no login.
        expect(page.locator(".site-nav")).to_have_count(0)
        expect(page.get_by_text("Li Lei")).to_have_count(0)
        scales = page.locator("fieldset.rating")
        assert scales.count() == 7
        # Each scale's top mark, tapped with a thumb: the targets are at least 44 px square.
        for index in range(scales.count()):
            top = scales.nth(index).locator("li label").last
            box = top.bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, box
            top.tap()
        page.get_by_label("意见").fill("交车很顺利，谢谢！")
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=tmp_path / "survey-phone.png", full_page=True)
        page.get_by_role("button", name="提交").tap()
        expect(page.get_by_role("heading", level=1, name="谢谢")).to_be_visible()
        expect(page.get_by_text("已收到您的回答")).to_be_visible()
        # The link answered once is closed with thanks.
        page.goto(link)
        expect(page.get_by_text("此问卷已经填写过了")).to_be_visible()
    finally:
        phone.close()
    assert violations == []

    [point] = api_as("qo").get("/api/v1/metrics/sales.nps/series?site=MAIN").json
    assert point["value"] == 100.0


def test_a_customer_scans_the_sites_complaint_code_complains_in_chinese_and_gets_a_reference(
    app, users, api_as, live_server, browser, tmp_path
):
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        # The code on the reception desk's stand opens the site's complaint page.
        page.goto(live_server + "/c/MAIN")
        page.get_by_label("类别").select_option(label="等待时间")
        page.get_by_label("您的姓名").fill("王芳")
        page.get_by_label("您的电话号码").fill("138 0013 8000")
        page.get_by_label("发生了什么？").fill("保养等了四个小时，没有人告诉我进度。")
        page.get_by_label("您希望我们如何处理？").fill("下次保养请按时交车。")
        page.locator("label.public-consent input").check()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.screenshot(path=tmp_path / "complaint-phone.png", full_page=True)
        page.get_by_role("button", name="提交").tap()
        expect(page.get_by_role("heading", level=1, name="谢谢")).to_be_visible()
        reference = page.locator(".public-reference").inner_text()
        assert reference.startswith("CP-MAIN-")
        expect(page.get_by_text("24 小时内")).to_be_visible()
    finally:
        phone.close()

    # The register has it as a new, open complaint from the web, not yet acknowledged by anyone.
    [stored] = api_as("qo").get("/api/v1/forms/aftersales.complaint/submissions").json
    assert stored["data"]["complaint_id"] == reference and stored["data"]["channel"] == "web"
    assert stored["data"]["received_at"] and "acknowledged_at" not in stored["data"]
