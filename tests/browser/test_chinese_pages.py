"""Every main page in 中文 holds no English word but codes, names, units and the few words an
allowlist names: what a plugin contributes, what a service says and what a record keeps from a
checklist must reach a Chinese reader in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from core.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# Words that stay as they are in a Chinese page: abbreviations and names of things
# Chinese dealership staff use in Latin letters, and units.
ALLOWED = {
    "dealerqms",
    "PDF",
    "CSV",
    "KPI",
    "KPIs",
    "API",
    "ISO",
    "IATF",
    "UTC",
    "PDCA",
    "DMAIC",
    "OFI",
    "NC",
    "NCs",
    "SSI",
    "CSI",
    "NPS",
    "CRM",
    "DMS",
    "PIPL",
    "VIN",
    "SOP",
    "FMEA",
    "ID",
    "OK",
    "SHA",
    "km",
    "kg",
    "min",
    "ppm",
    "Excel",
    "Word",
    "WeChat",
    "PDF/A",
    "Markdown",
    "Pareto",
    "D0",
    "Art",
}
# A word counts as English from three letters on; codes (SH01, AS-PR-003, NC-2026-0001, SALES) are not words.
WORD = re.compile(r"(?<![\w-])[A-Za-z][a-z]{2,}(?![\w-])")

# (list page, a detail page's address pattern to follow from it, or None)
PAGES = [
    ("/", None),
    ("/tasks/", None),
    ("/procedures/", r"^/procedures/[A-Z0-9-]+$"),
    ("/audits/", r"^/audits/AU-\d{4}-\d+$"),
    ("/nonconformities/", r"^/nonconformities/NC-\d{4}-\d+$"),
    ("/actions/mine", None),
    ("/forms/", r"^/forms/[a-z0-9_.]+$"),
    ("/metrics/", r"^/metrics/[a-z0-9_.]+"),
    ("/inspections/", None),
    ("/trail", None),
    ("/improvements/", r"^/improvements/[A-Z]+-\d{4}-\d+$"),
    ("/objectives/", r"^/objectives/\d+$"),
    ("/reviews/", r"^/reviews/MR-\d{4}-\d+$"),
    ("/notifications/", None),
    ("/account", None),
]
WHO = ["sh.quality", "sh.sales.head", "sh.sales"]


def _names(app) -> set[str]:
    """The words of people's, sites' and brands' names: proper names stay as they are written."""
    from core.accounts.models import Site, User
    from core.database import db

    with app.app_context():
        words = set()
        for (name,) in db.session.execute(db.select(User.display_name)):
            words.update(WORD.findall(name))
        for (name,) in db.session.execute(db.select(Site.name)):
            words.update(WORD.findall(name))
        return words


def _english(page, allowed) -> list[str]:
    text = page.evaluate("document.body.innerText")
    return sorted({word for word in WORD.findall(text) if word not in allowed})


def _in_chinese(page, server, login):
    page.goto(server + "/login")
    page.get_by_label("Login", exact=True).fill(login)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(server + "/account")
    page.get_by_role("region", name="Language").get_by_label("Language").select_option("zh_CN")
    page.get_by_role("button", name="Use this language").click()
    page.goto(server + "/")
    expect(page.get_by_role("heading", level=1, name="仪表板")).to_be_visible()


@pytest.mark.parametrize("login", WHO)
def test_every_main_page_is_chinese_in_chinese(demo_instance, page, login):
    allowed = ALLOWED | _names(demo_instance.app)
    _in_chinese(page, demo_instance.url, login)
    found = {}
    for path, detail in PAGES:
        response = page.goto(demo_instance.url + path)
        if response.status in (403, 404):
            continue  # not this user's page
        assert response.status == 200, path
        visited = [path]
        words = _english(page, allowed)
        if words:
            found[path] = words
        if detail:
            links = [href for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")]
            target = next((href for href in links if re.match(detail, href.split("?")[0])), None)
            if target:
                page.goto(demo_instance.url + target)
                visited.append(target)
                words = _english(page, allowed)
                if words:
                    found[target] = words
    assert not found, "English on Chinese pages:\n" + "\n".join(f"{p}: {' '.join(w)}" for p, w in found.items())
