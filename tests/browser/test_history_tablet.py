"""History on a tablet held upright (768 × 1024): the trail page and a procedure's history fit the
screen's width, in English and in Chinese, with long hashes shortened and the full value at hand."""

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD
from tests.procedures.test_history import _revision_2

pytestmark = pytest.mark.browser
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def history(app, users, make_user):
    make_user("qo2", "quality_officer", department="QUALITY", display_name="Quincy Second")
    with app.app_context():
        _revision_2()


def log_in(browser, live_server, login, locale="en-US"):
    context = browser.new_context(viewport=TABLET, locale=locale)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_be_visible()
    return context, page


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_trail_fits_a_tablet_with_short_hashes(live_server, browser, history, tmp_path):
    context, page = log_in(browser, live_server, "qo")
    try:
        page.goto(f"{live_server}/trail")
        expect(page.get_by_text("Hana Head approved revision 2 of SA-PR-001")).to_be_visible()
        assert _page_width(page) <= TABLET["width"]
        # Nothing inside the table scrolls sideways either: every column is on the screen.
        table = page.locator("table.trail")
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth")
        first = page.locator("td.hash code").first
        full = first.get_attribute("title")
        assert len(full) == 64 and first.inner_text() == full[:12] + "…"
        page.screenshot(path=str(tmp_path / "trail-tablet.png"))
    finally:
        context.close()


def test_a_procedures_history_in_chinese_on_a_tablet(live_server, browser, history, app, tmp_path):
    from core.accounts.services import user_by_login
    from core.database import commit

    with app.app_context():
        user_by_login("qo").locale = "zh_CN"
        commit()
    context, page = log_in(browser, live_server, "qo", locale="zh-CN")
    try:
        page.goto(f"{live_server}/procedures/SA-PR-001/history")
        expect(page.get_by_text("Hana Head 批准了 SA-PR-001 第 2 版").first).to_be_visible()
        expect(page.locator("table.revisions tbody tr")).to_have_count(2)
        assert _page_width(page) <= TABLET["width"]
        # Far from the 20,000 px of a field dump: two revisions' story in a few screens.
        assert page.evaluate("document.documentElement.scrollHeight") < 6 * TABLET["height"]
        page.screenshot(path=str(tmp_path / "history-zh-tablet.png"), full_page=True)
    finally:
        context.close()
