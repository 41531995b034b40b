"""An internal audit from plan to close, on a tablet, with the people who do it:
the auditor plans and records a major finding with a photo, the head of the
department contains it and finds the cause, staff do the action, a quality
officer verifies it, and the lead auditor signs the report and closes."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

# The audit tests' cast and checklist plugin, used here as fixtures.
from tests.audits.conftest import JPEG, cast, fieldcheck  # noqa: F401

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}


def _as(browser, live_server, login):
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_server + "/login")
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    return context, page, violations


@pytest.mark.usefixtures("cast")
def test_audit_from_plan_to_close_on_a_tablet(live_server, browser, tmp_path):
    from core.clock import today

    photo = tmp_path / "reception.jpg"
    photo.write_bytes(JPEG)
    contexts = []
    try:
        auditor_ctx, auditor, violations = _as(browser, live_server, "auditor")
        contexts.append(auditor_ctx)
        auditor.get_by_role("link", name="Audits").click()
        auditor.get_by_role("link", name="Plan an audit").click()
        auditor.get_by_label("Title").fill("Showroom process audit")
        auditor.get_by_label("Planned date").fill((today() + timedelta(days=1)).isoformat())
        auditor.get_by_role("checkbox", name="SALES — Sales", exact=True).check()
        auditor.locator('input[name=checklists][value="fieldcheck.showroom"]').check()
        auditor.get_by_role("button", name="Plan audit").click()
        expect(auditor.get_by_text("planned.", exact=False).first).to_be_visible()
        reference = re.search(r"IA-\d{4}-\d{3}", auditor.locator("h1").inner_text()).group(0)

        auditor.get_by_role("button", name="Start audit").click()
        expect(auditor.get_by_text("0 of 3 answered")).to_be_visible()
        first = auditor.locator("article.audit-item").first
        first.get_by_label("Note").fill("Two visitors waited ten minutes; nobody at reception")
        first.get_by_role("button", name="Major NC").click()
        expect(auditor.get_by_text("1 of 3 answered")).to_be_visible()
        first = auditor.locator("article.audit-item").first
        first.locator('input[type="file"]').set_input_files(str(photo))
        first.get_by_role("button", name="Upload").click()
        expect(auditor.locator("article.audit-item").first.locator("img.evidence-thumb")).to_be_visible()
        for index in (1, 2):
            auditor.locator("article.audit-item").nth(index).get_by_role("button", name="Conforming").click()
        expect(auditor.get_by_text("3 of 3 answered")).to_be_visible()
        overflow = auditor.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the audit page scrolls sideways by {overflow}px on a tablet"
        nc_reference = (
            auditor.locator("article.audit-item")
            .first.get_by_role("link", name=re.compile(r"NC-\d{4}-\d{4}"))
            .inner_text()
        )

        head_ctx, head, head_violations = _as(browser, live_server, "head")
        contexts.append(head_ctx)
        head.goto(f"{live_server}/nonconformities/{nc_reference}")
        head.get_by_label("Immediate containment").fill("Receptionist posted at the door during opening hours")
        head.get_by_role("button", name="Record containment").click()
        head.get_by_label("Why? (1)").fill("Visitors waited")
        head.get_by_label("Because (1)").fill("Nobody at the desk at lunchtime")
        head.get_by_label("Why? (2)").fill("Nobody at the desk at lunchtime")
        head.get_by_label("Because (2)").fill("No lunch rota")
        head.get_by_role("button", name="Record root cause").click()
        expect(head.locator("ol.why-chain li")).to_have_count(2)
        head.locator("#f-action-description").fill("Introduce a lunch rota for reception")
        head.locator("#f-action-owner").select_option("staff")
        head.locator("#f-action-due").fill((today() + timedelta(days=7)).isoformat())
        head.get_by_role("button", name="Add action").click()
        head.get_by_role("button", name="Actions are planned").click()
        expect(head.locator(".page-header .badge")).to_have_text("actions planned")

        staff_ctx, staff, staff_violations = _as(browser, live_server, "staff")
        contexts.append(staff_ctx)
        staff.get_by_role("link", name="My actions").click()
        staff.get_by_role("link", name=re.compile(r"^NC-\d{4}-\d{4}.A1$")).click()
        staff.get_by_label("What was done").fill("Rota posted in the staff room and agreed")
        staff.get_by_role("button", name="Mark as done").click()
        expect(staff.locator(".page-header .badge")).to_have_text("done")

        head.reload()
        head.get_by_role("button", name="Start effectiveness verification").click()

        qo_ctx, qo, qo_violations = _as(browser, live_server, "qo")
        contexts.append(qo_ctx)
        qo.goto(f"{live_server}/nonconformities/{nc_reference}")
        qo.get_by_role("link", name=re.compile(r"^NC-\d{4}-\d{4}.A1$")).click()
        qo.get_by_label("Evidence of effectiveness").fill("No waiting observed on ten visits over two weeks")
        qo.get_by_label("Your password").fill(TEST_PASSWORD)
        qo.get_by_role("button", name="Record verification").click()
        expect(qo.get_by_text("Quinn Quality — Verified effective")).to_be_visible()

        head.reload()
        head.get_by_role("button", name="Close the nonconformity").click()
        expect(head.locator(".page-header .badge")).to_have_text("closed")

        auditor.goto(f"{live_server}/audits/{reference}")
        auditor.get_by_role("link", name="Write and sign the report").click()
        auditor.get_by_label("Summary").fill("One major finding at reception, contained and corrected.")
        auditor.get_by_label("Conclusion").fill("The sales process is effective.")
        auditor.get_by_label("Your password").fill(TEST_PASSWORD)
        auditor.get_by_role("button", name="Sign and issue the report").click()
        expect(auditor.get_by_text("Aiden Auditor — Report issued")).to_be_visible()
        auditor.get_by_role("button", name="Close audit").click()
        expect(auditor.locator(".page-header .badge")).to_have_text("closed")
        auditor.screenshot(path=tmp_path / "audit-closed-1024x768.png", full_page=True)

        blocked = violations + head_violations + staff_violations + qo_violations
        assert not blocked, f"the Content Security Policy blocked something: {blocked}"
    finally:
        for context in contexts:
            context.close()
