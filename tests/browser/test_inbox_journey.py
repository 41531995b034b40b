"""The task inbox in a real browser, at tablet size: a head submits a revision; the quality
officer sees it in the inbox with the count, signs it from there and is brought back; the
author is notified; staff find the procedures to read as tasks and acknowledge three in a row
with "next" — in English and in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def library(app, users, make_user):
    """Three effective SALES procedures for staff to read, and a draft of a fourth by the head."""
    from core.accounts.services import department_by_code, user_by_login
    from core.database import commit
    from procedures import services

    make_user("qo2", "quality_officer", department="QUALITY", display_name="Quincy Second")
    with app.app_context():
        for number, code in enumerate(("SA-PR-001", "SA-PR-002", "SA-PR-003", "SA-PR-004"), start=1):
            author = user_by_login("head" if code == "SA-PR-004" else "qo2")
            procedure = services.create_procedure(
                author,
                code=code,
                title=f"Sales step {number}",
                department=department_by_code("SALES"),
                body=f"# Sales step {number}\n\nDo step {number} for every customer.\n",
            )
            commit()
            if code == "SA-PR-004":
                continue
            revision = procedure.revisions[0]
            services.submit(author, revision, row_version=revision.row_version)
            for login in ("head", "qo"):
                services.sign_revision(user_by_login(login), revision, meaning="approved", password=TEST_PASSWORD)
            commit()


def log_in(browser, live_server, login, locale="en-US"):
    context = browser.new_context(viewport=TABLET, locale=locale)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill(TEST_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_be_visible()
    return context, page


def test_from_submission_to_signature_and_three_acknowledgements_with_next(live_server, browser, library, tmp_path):
    context, page = log_in(browser, live_server, "head")
    page.goto(f"{live_server}/procedures/SA-PR-004")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".flash-success")).to_contain_text("submitted for approval")
    context.close()

    context, page = log_in(browser, live_server, "qo")
    expect(page.locator(".main-nav a", has_text="My tasks").locator(".nav-count")).to_have_text("1")
    page.screenshot(path=str(tmp_path / "qo-dashboard-tablet.png"), full_page=True)
    page.get_by_role("link", name="Approve revision 1 of SA-PR-004 — Sales step 4").click()
    expect(page).to_have_url(re.compile(r"/sign/approved\?task=procedures.approve$"))
    page.get_by_label("Your password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    expect(page.locator(".flash-success").last).to_contain_text("Nothing more of this kind")
    expect(page.locator(".main-nav a", has_text="My tasks").locator(".nav-count")).to_have_count(0)
    context.close()

    context, page = log_in(browser, live_server, "staff")
    page.get_by_role("button", name="中文").click()
    page.goto(f"{live_server}/tasks/?kind=procedures.acknowledge")
    page.screenshot(path=str(tmp_path / "staff-inbox-zh-tablet.png"), full_page=True)
    expect(page.locator("li.task")).to_have_count(3)
    page.locator("li.task a.task-title").first.click()
    for code in ("SA-PR-001", "SA-PR-002", "SA-PR-003"):
        expect(page).to_have_url(re.compile(rf"/procedures/{code}/revisions/1/sign/acknowledged\?task="))
        page.locator("#password").fill(TEST_PASSWORD)
        page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    expect(page.locator(".flash-success").last).to_contain_text("这类事项已全部处理完毕")
    context.close()


def test_a_daily_showroom_walk_scheduled_ticked_and_done_on_a_tablet(live_server, browser, app, tmp_path):
    context, page = log_in(browser, live_server, "head")
    page.goto(f"{live_server}/inspections/schedules/new")
    page.locator("#f-checklist").select_option("sales.showroom_walk")
    page.locator("#f-title").fill("Daily showroom walk")
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Daily showroom walk is scheduled.")
    context.close()

    from core.clock import utcnow
    from core.scheduler import run_tick

    with app.app_context():
        assert utcnow() and any("scheduled checks created: 1" in line for line in run_tick())

    context, page = log_in(browser, live_server, "staff")
    page.get_by_role("button", name="中文").click()
    page.goto(f"{live_server}/tasks/?kind=audits.inspection")
    page.locator("li.task a.task-title").first.click()
    expect(page.locator("h1")).to_have_text("Daily showroom walk")
    for radio in page.locator("input[type=radio][value=ok]").all():
        radio.check()
    page.screenshot(path=str(tmp_path / "showroom-walk-zh-tablet.png"), full_page=True)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/tasks/$"))
    expect(page.locator(".flash-success").first).to_contain_text("已记录")
    context.close()
