"""Search in a real browser, at tablet size, in Chinese: Shanghai's quality officer types 三包
into the box in the header and finds the after-sales procedure and Shanghai's 三包 records,
not Beijing's; the words are marked; the procedures alone are a click away; a search for
nothing says so."""

import os

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_searching_the_demo_in_chinese_at_tablet_size(demo_server, page, tmp_path):
    page.set_viewport_size({"width": 768, "height": 1024})
    page.goto(demo_server + "/login")
    page.get_by_label("Login", exact=True).fill("sh.quality")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator(".language-switch button[lang='zh-CN']").click()
    box = page.locator("#header-search-q")
    expect(box).to_be_visible()
    box.fill("三包")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1, name="搜索")).to_be_visible()
    expect(page.locator(".search-count")).to_contain_text("三包")
    hits = page.locator(".search-hit")
    assert hits.count() >= 1
    expect(page.locator(".search-results mark").first).to_have_text("三包")
    sites = {text.strip() for text in page.locator(".search-site").all_inner_texts()}
    assert "BJ01" not in sites, "Shanghai's quality officer finds nothing of Beijing's"
    page.screenshot(path=str(tmp_path / "search-zh.png"), full_page=True)
    if os.environ.get("DEALERQMS_SCREENSHOTS"):
        page.screenshot(path=os.environ["DEALERQMS_SCREENSHOTS"], full_page=True)
    # The starter procedures mention 三包 in long texts: the kind's link lists them alone.
    page.locator(".search-kinds a[href$='kind=procedure']").click()
    expect(page.locator(".search-hit-procedure").first).to_be_visible()
    assert page.locator(".search-hit").count() == page.locator(".search-hit-procedure").count()
    box = page.locator("#search-page-q")
    box.fill("不存在的词语")
    box.press("Enter")
    expect(page.locator(".search-count")).to_contain_text("没有找到")
