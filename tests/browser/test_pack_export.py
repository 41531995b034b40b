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
        # Pages enough that laying them out takes a few seconds: a pack of a page or two is done before
        # the page can see a step between the start and the end.
        for position in range(1, len(audit.items)):
            findings = " ".join(
                f"Finding {number}: the price board at stand {number} was not updated." for number in range(300)
            )
            record(audit, position, "conforming", findings)
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
    # From here the page follows the job in place: no navigation, only its status asked as JSON.
    navigations, reported = [], []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    page.on(
        "response",
        lambda response: reported.append(response.json()["progress"]) if response.url.endswith("/status") else None,
    )
    shown, steps = set(), set()
    link = page.get_by_role("link", name=re.compile(r"^Download "))
    for _ in range(900):
        if link.is_visible():
            break
        if page.locator("[data-job-percent]").is_visible():
            shown.add(page.locator("[data-job-percent]").inner_text())
            steps.add(page.locator("[data-job-message]").inner_text())
        page.wait_for_timeout(100)
    expect(link).to_be_visible(timeout=1_000)
    assert navigations == [], "the page changed in place"
    assert reported and reported[-1] == 100, reported
    # The percentage moved on the page before the link replaced it: the job reported a step between the
    # start and the end (a step the progress throttle held back is written while the next one works).
    assert len(shown) >= 2 or len(set(reported)) >= 3, (shown, reported)
    assert any(0 < percent < 100 for percent in reported), reported
    # In words, the step it is at.
    assert steps & {"Gathering the records", "Laying out the pack", "Rendering the pages"}, steps
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"{reference}-evidence-pack.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert violations == []
