"""Document control in a real browser: a department head drafts revision 2 and
submits it, the quality officer and a second head of the department approve
it with their passwords, and staff acknowledge it from the tasks on their dashboard."""

import re

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def procedure(app, users, make_user):
    from core.accounts import organisation
    from core.accounts.services import department_by_code, site_by_code, user_by_login
    from core.database import commit
    from procedures import services

    make_user("deputy", "department_head", department="SALES", display_name="Dana Deputy")
    make_user("qo2", "quality_officer", department="QUALITY", display_name="Quincy Second")
    with app.app_context():
        # The deputy signs as head of sales while the head is the one who approved revision 1.
        organisation.set_heads(
            None,
            department_by_code("SALES"),
            site_by_code("MAIN"),
            head=user_by_login("head"),
            deputy=user_by_login("deputy"),
            row_version=organisation.headship(department_by_code("SALES").id, site_by_code("MAIN").id).row_version,
        )
        commit()
        author = user_by_login("qo2")
        procedure = services.create_procedure(
            author,
            code="SA-PR-001",
            title="Showroom reception",
            department=department_by_code("SALES"),
            body="# Showroom reception\n\nGreet every visitor within two minutes.\n",
        )
        revision = procedure.revisions[0]
        services.submit(author, revision, row_version=revision.row_version)
        commit()
        for login in ("head", "qo"):
            services.sign_revision(user_by_login(login), revision, meaning="approved", password=TEST_PASSWORD)
            commit()
        return procedure.code


def log_in(browser, live_server, login):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    return context, page


def sign(page, button):
    page.get_by_role("link", name=button, exact=True).click()
    page.get_by_label("Your password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign", exact=True).click()


def test_draft_submit_approve_twice_and_acknowledge(live_server, browser, procedure, tmp_path):
    base = f"{live_server}/procedures/{procedure}"

    context, page = log_in(browser, live_server, "head")
    page.goto(base)
    page.get_by_role("button", name="Start a new revision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit draft revision 2")
    page.get_by_label("Change summary").fill("Greeting within one minute")
    # The editor (EasyMDE over the textarea), its preview rendered by the server beside it.
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text("# Showroom reception\n\nGreet every visitor within one minute.\n")
    expect(page.locator(".editor-preview-side")).to_contain_text("one minute")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Revision 2 submitted for approval.")).to_be_visible()
    expect(page.get_by_role("link", name="Approve")).to_have_count(0)  # the author cannot approve
    context.close()

    for login in ("qo", "deputy"):
        context, page = log_in(browser, live_server, login)
        page.goto(base + "?rev=2")
        sign(page, "Approve")
        expect(page.locator(".flash")).to_contain_text(
            "revision 2 is now effective" if login == "deputy" else "Signed: Approved, "
        )
        context.close()

    # Staff find it at the top of their dashboard, as a task that opens the signature itself.
    context, page = log_in(browser, live_server, "staff")
    inbox = page.locator("section.task-inbox")
    expect(inbox).to_contain_text("SA-PR-001")
    inbox.get_by_role("link", name=re.compile("SA-PR-001")).click()
    expect(page.locator(".document")).to_contain_text("one minute")
    page.get_by_label("Your password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.locator(".flash-success").last).to_contain_text("Nothing more of this kind")
    page.goto(base)
    expect(page.get_by_text("You acknowledged this revision")).to_be_visible()
    page.screenshot(path=tmp_path / "acknowledged.png", full_page=True)
    for name, path in (("list", "/procedures/"), ("diff", f"/procedures/{procedure}/diff?mode=side")):
        page.goto(live_server + path)
        page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    page.goto(live_server + "/")
    expect(page.locator("section.task-inbox")).not_to_contain_text("SA-PR-001")
    context.close()

    context, page = log_in(browser, live_server, "qo")
    page.goto(base + "/acknowledgements")
    expect(page.locator("main")).to_contain_text("Sam Staff")
    page.goto(base + "?rev=1")
    expect(page.get_by_text("Superseded: this revision is no longer in force.")).to_be_visible()
    context.close()
