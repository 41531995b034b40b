"""The page header on a tablet held upright (768 × 1024): one tidy line in English and in Chinese,
even for a long name, with the log-out button beside the others and every control reachable by key."""

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser
TABLET = {"width": 768, "height": 1024}
LONG_NAME = "沈佳 Shen Jia (Quality officer, Shanghai)"


def test_the_header_stays_on_one_line_in_both_languages(live_server, browser, make_user, tmp_path):
    make_user("shen.jia", "quality_officer", department="QUALITY", display_name=LONG_NAME)
    context = browser.new_context(viewport=TABLET)
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        page.locator("#login").fill("shen.jia")
        page.locator("#password").fill(TEST_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        expect(page.locator("h1")).to_be_visible()
        for locale in ("zh_CN", "en"):
            page.locator(f"button[name=locale][value={locale}]").click()
            expect(page.locator(f"button[name=locale][value={locale}]")).to_have_attribute("aria-pressed", "true")
            brand = page.locator(".site-header .brand").bounding_box()
            log_out = page.locator(".site-header form[action$='/logout'] button").bounding_box()
            name = page.locator(".site-header .user-link")
            assert abs(log_out["y"] - brand["y"]) < 2, locale
            assert log_out["x"] + log_out["width"] <= TABLET["width"], locale
            assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
            # The name gives way, and is still there in full for who needs it.
            assert LONG_NAME in name.get_attribute("title") and name.inner_text() == LONG_NAME
            page.screenshot(
                path=str(tmp_path / f"header-{locale}.png"), clip={"x": 0, "y": 0, "width": 768, "height": 120}
            )
        # Keyboard: from the language buttons on, the search, the name and log out, in that order.
        page.locator(".language-switch button").first.focus()
        reached = []
        for _ in range(4):
            page.keyboard.press("Tab")
            reached.append(
                page.evaluate(
                    "(e => e.closest('form[action$=\"/logout\"]') ? 'log out' : e.name || e.className)"
                    "(document.activeElement)"
                )
            )
        assert reached == ["locale", "q", "user-link", "log out"]
    finally:
        context.close()
