"""A customer fills in the satisfaction survey on the showroom tablet; the
month's NPS is computed at once, the dashboard shows it red, and a red
measurement leads straight to raising a nonconformity."""

import re

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD
from tests.forms.sample_plugin import SamplePlugin

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def sample(app, register_plugin):
    return register_plugin(SamplePlugin(), "sample")


def log_in(page, base, login):
    page.goto(base + "/login")
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()


def test_survey_on_a_tablet_updates_the_nps_the_dashboard_and_offers_an_nc(sample, live_server, page, tmp_path):
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.set_viewport_size(TABLET)
    log_in(page, live_server, "staff")

    page.get_by_role("link", name="Forms").click()
    page.get_by_role("link", name="Customer satisfaction survey").click()
    # Submitting without a score keeps the comment and says what is missing.
    page.get_by_label("Comment").fill("Waited too long for the car")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page.get_by_label("Comment")).to_have_value("Waited too long for the car")
    page.get_by_label("3", exact=True).check()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=tmp_path / "survey-tablet.png", full_page=True)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Thank you")).to_be_visible()
    expect(page.get_by_text("Waited too long for the car")).to_be_visible()

    # One detractor: NPS −100, red on the KPI page (staff's dashboard shows their tasks, not KPIs).
    page.get_by_role("link", name="KPIs").click()
    tile = page.locator(".kpi", has_text="Net promoter score").first
    expect(tile).to_have_class(re.compile(r"\bkpi-red\b"))
    expect(tile.locator(".kpi-value")).to_contain_text("-100")
    # Only this month has a value: shown, and said to be partial.
    expect(tile.locator(".kpi-period")).to_contain_text("month to date")
    page.screenshot(path=tmp_path / "kpis-tablet.png", full_page=True)
    page.get_by_role("button", name="Log out").click()

    # The quality officer finds it among the off-target KPIs on the dashboard, with the trend
    # chart, and the red month offers an NC.
    log_in(page, live_server, "qo")
    page.locator(".kpi", has_text="Net promoter score").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1, name="Net promoter score")).to_be_visible()
    expect(page.locator(".chart svg")).to_be_visible()
    raise_nc = page.get_by_role("link", name="Raise nonconformity")
    expect(raise_nc).to_have_count(1)
    raise_nc.click()
    expect(page).to_have_url(re.compile(r"/nonconformities/new\?.*source=metric.*metric=sample\.nps"))
    assert "sample.nps" in page.content()
    page.screenshot(path=tmp_path / "raise-nc.png", full_page=True)

    assert not violations, f"the Content Security Policy blocked something: {violations}"


def test_date_time_phone_and_file_inputs_take_a_finger_on_a_tablet_in_chinese(app, sample, live_server, page, tmp_path):
    from core.accounts.services import user_by_login
    from core.database import db

    page.set_viewport_size(TABLET)
    log_in(page, live_server, "qo")
    with app.app_context():
        user_by_login("qo").locale = "zh_CN"
        db.session.commit()
    page.goto(live_server + "/forms/sample.inspection/new")
    expect(page.get_by_role("heading", level=1, name="Vehicle inspection")).to_be_visible()

    def box(selector):
        found = page.locator(selector).first.bounding_box()
        assert found, selector
        return found

    text = box("input[name='customer']")
    for selector in ("input[type='date']", "input[type='datetime-local']", "input[type='tel']", "select"):
        shown = box(selector)
        assert shown["height"] >= 44, (selector, shown)
        # As wide as a text input: a full line of the form on an upright tablet.
        assert abs(shown["width"] - text["width"]) <= 1, (selector, shown, text)
    # The native pickers stay: a tap opens the tablet's own calendar or wheel.
    page.locator("input[type='date']").first.fill("2026-12-24")
    expect(page.locator("input[type='date']").first).to_have_value("2026-12-24")
    # Buttons side by side keep a gap.
    submit, cancel = box("main button[type='submit']"), box("main .actions a.btn")
    assert cancel["x"] - (submit["x"] + submit["width"]) >= 8 or cancel["y"] - (submit["y"] + submit["height"]) >= 8
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=tmp_path / "inputs-tablet-zh.png", full_page=True)

    page.goto(live_server + "/metrics/import")
    assert box("input[type='file']")["height"] >= 44
