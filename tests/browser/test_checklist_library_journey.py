"""A quality officer imports the example brand standard on a tablet, sees a bad file's
problems in a table, and an auditor plans and starts an audit on the imported checklist."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser

TABLET = {"width": 768, "height": 1024}


def _as(browser, live_server, login):
    context = browser.new_context(viewport=TABLET, locale="en-US", has_touch=True)
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    return context, page


def test_import_a_brand_standard_and_audit_with_it_on_a_tablet(live_server, browser, tmp_path):
    from core.checklists.format import example
    from core.clock import today

    standard = tmp_path / "showroom-standard.xlsx"
    standard.write_bytes(example("xlsx"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("key: brand.bad\ntitle: {en: Bad}\nscale: stars\nquestions: []\n", encoding="utf-8")
    contexts = []
    try:
        qo_ctx, qo = _as(browser, live_server, "qo")
        contexts.append(qo_ctx)
        qo.get_by_role("link", name="Checklists").click()
        qo.get_by_role("link", name="Import a checklist").click()
        qo.locator('input[type="file"]').set_input_files(str(bad))
        qo.get_by_role("button", name="Import", exact=True).click()
        problems = qo.get_by_role("table")
        expect(qo.get_by_role("heading", name=re.compile("Nothing was imported"))).to_be_visible()
        expect(problems.get_by_role("columnheader", name="Sheet")).to_be_visible()
        expect(problems).to_contain_text("scale")
        qo.locator('input[type="file"]').set_input_files(str(standard))
        qo.get_by_role("button", name="Import", exact=True).click()
        expect(qo.get_by_text("Version 1 of brand.showroom imported.")).to_be_visible()
        expect(qo.get_by_role("heading", level=1, name="Showroom brand standard")).to_be_visible()
        overflow = qo.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the checklist page scrolls sideways by {overflow}px on a tablet"

        auditor_ctx, auditor = _as(browser, live_server, "auditor")
        contexts.append(auditor_ctx)
        auditor.get_by_role("link", name="Audits").click()
        auditor.get_by_role("link", name="Plan an audit").click()
        auditor.get_by_label("Title").fill("Brand showroom audit")
        auditor.get_by_label("Planned date").fill((today() + timedelta(days=1)).isoformat())
        auditor.get_by_role("checkbox", name="SALES — Sales", exact=True).check()
        auditor.locator('input[name=checklists][value="brand.showroom"]').check()
        auditor.get_by_role("button", name="Plan audit").click()
        expect(auditor.get_by_text("planned.", exact=False).first).to_be_visible()
        auditor.get_by_role("button", name="Start audit").click()
        expect(auditor.get_by_text("0 of 40 answered")).to_be_visible()
        expect(auditor.get_by_text("brand.showroom v1", exact=False).first).to_be_visible()
    finally:
        for context in contexts:
            context.close()
