"""An auditor exports the evidence pack from the audit page: progress page, then the download."""

import re

import pytest
from playwright.sync_api import expect

from core.testing import TEST_PASSWORD

# The audit tests' cast and checklist plugin, used here as fixtures.
from tests.audits.conftest import cast, fieldcheck, record, started  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("cast")
def test_export_the_evidence_pack_and_download_it(app, live_server, page, tmp_path):
    with app.app_context():
        audit = started()
        record(audit, 0, "observation", "Brochures out of date")
        reference = audit.reference
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_server + "/login")
    page.get_by_label("Login", exact=True).fill("auditor")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/audits/{reference}")

    page.get_by_role("button", name="Export evidence pack").click()
    expect(page.get_by_role("heading", level=1, name=f"Evidence pack · {reference}")).to_be_visible()
    assert re.search(r"/jobs/[\w-]{20,}$", page.url)
    # The page reloads itself (no script) until the link appears.
    link = page.get_by_role("link", name=re.compile(r"^Download "))
    expect(link).to_be_visible(timeout=90_000)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{reference}-evidence-pack.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert violations == []
