"""A buyer scans the QR code printed with the delivery, answers the sales survey on a phone in
Chinese, without an account, and sees the thank-you page; the month's NPS has the answer."""

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
