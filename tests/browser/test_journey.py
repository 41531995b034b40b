"""The first thing anyone does: log in, look at the dashboard, switch to
Chinese, log out — in a real browser, on tablet-sized screens."""

import re

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

TABLET_VIEWPORTS = [(1024, 768), (768, 1024)]
TOUCH_TARGET = 44  # px, the smallest comfortable target for a finger


def _policy_violations(page) -> list[str]:
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return violations


def _check_tablet_layout(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}×{height}"
    for control in page.locator(".main-nav a, .site-header button, main .btn").all():
        if control.is_visible():
            box = control.bounding_box()
            assert box["height"] >= TOUCH_TARGET, f"{control.inner_text()!r} is {box['height']}px high"


def test_log_in_see_the_dashboard_switch_to_chinese_and_log_out(live_server, page, tmp_path):
    violations = _policy_violations(page)

    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Login", exact=True).fill("qo")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(page.locator(".user-link")).to_have_text("Quinn Quality")
    expect(page.get_by_role("link", name="Audit trail")).to_be_visible()
    # The stylesheet loaded (the CSP lets it through): the header is dark.
    expect(page.locator(".site-header")).to_have_css("background-color", "rgb(23, 35, 59)")

    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", level=1, name="仪表板")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("link", name="审计追踪")).to_be_visible()
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert font.startswith('"Noto Sans CJK SC"'), f"Chinese pages pick a CJK font first, got {font}"

    for width, height in TABLET_VIEWPORTS:
        _check_tablet_layout(page, width, height)
        page.screenshot(path=tmp_path / f"dashboard-zh_CN-{width}x{height}.png", full_page=True)

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", level=1, name="登录")).to_be_visible()
    expect(page.get_by_text("您已退出登录。")).to_be_visible()
    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"/login"))

    assert not violations, f"the Content Security Policy blocked something: {violations}"
