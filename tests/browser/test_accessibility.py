"""axe-core on every main page of the demo, in English and in Chinese, at tablet and desktop
size, as a quality officer, a department head and staff: no serious or critical violation.

axe-core comes with axe-playwright-python; the context bypasses the page's CSP so that the
script can be injected (the pages themselves run no inline script)."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

LISTS = (
    "/",
    "/tasks/",
    "/procedures/",
    "/audits/",
    "/nonconformities",
    "/actions/mine",
    "/forms/",
    "/metrics/?site=SH01",
    "/trail",
    "/improvements/",
    "/objectives/",
    "/reviews/",
    "/inspections/",
    "/notifications/",
    "/account",
)
# A record of each list, found by following its first link: detail pages have their own tables and forms.
RECORD_OF = ("/audits/", "/nonconformities", "/procedures/", "/forms/", "/improvements/", "/objectives/", "/reviews/")
TABLET, DESKTOP = {"width": 768, "height": 1024}, {"width": 1366, "height": 768}
# The quality officer sees every page both ways in both languages; the others in Chinese on a
# tablet, their everyday (and the pages they see are the quality officer's, with less on them).
RUNS = [
    ("sh.quality", "zh_CN", TABLET),
    ("sh.quality", "en", DESKTOP),
    ("sh.quality", "zh_CN", DESKTOP),
    ("sh.quality", "en", TABLET),
    ("sh.sales.head", "zh_CN", TABLET),
    ("sh.sales", "zh_CN", TABLET),
]


def _first_record(page, url: str, listing: str) -> str | None:
    page.goto(url + listing)
    prefix = listing.split("?")[0].rstrip("/") + "/"
    for href in page.locator("main a[href^='/']").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if href.startswith(prefix) and "?" not in href and not href.endswith((".csv", ".xlsx", ".pdf", "/new")):
            return href
    return None


@pytest.mark.parametrize(("login", "language", "size"), RUNS, ids=[f"{r[0]}-{r[1]}-{r[2]['width']}" for r in RUNS])
def test_no_serious_accessibility_violations(demo_instance, browser, login, language, size):
    context = browser.new_context(viewport=size, bypass_csp=True, locale="en-US")
    try:
        page = context.new_page()
        page.goto(demo_instance.url + "/login")
        page.get_by_label("Login", exact=True).fill(login)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        # The language is the account's: an earlier run may have left it in the other one.
        page.get_by_role("button", name="中文" if language == "zh_CN" else "English").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang").startswith("zh" if language == "zh_CN" else "en")
        records = [_first_record(page, demo_instance.url, listing) for listing in RECORD_OF]
        axe, problems = Axe(), []
        for path in [*LISTS, *(r for r in records if r)]:
            answer = page.goto(demo_instance.url + path)
            if answer.status in (403, 404):
                continue  # not this person's page
            assert answer.status == 200, path
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    target = violation["nodes"][0]["target"]
                    problems.append(f"{path}: {violation['id']} ({len(violation['nodes'])}×, first {target})")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
