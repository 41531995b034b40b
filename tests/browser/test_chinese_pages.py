"""Every main page in 中文 holds no English word but codes, names, units and the few words an
allowlist names: what a plugin contributes, what a service says and what a record keeps from a
checklist must reach a Chinese reader in Chinese. The pages are those of the demo of an instance
whose language is Chinese (``DEALERQMS_LANGUAGE=zh_CN``), whose records people wrote in Chinese,
as a Chinese dealer group's are."""

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
    "App",
    "PDF/A",
    "Markdown",
    "Pareto",
    # "5 Why", the root-cause technique, is called so in Chinese quality practice too.
    "Why",
    "D0",
    "Art",
    # Each language is named in itself in the language menus.
    "English",
    # The account page: the API's header as a script sends it, and the browsers of one's sessions.
    "Authorization",
    "Bearer",
    "Chrome",
    "Chromium",
    "Firefox",
    "Safari",
    "Linux",
    "Windows",
    "Android",
}
# A word counts as English from three letters on; codes (SH01, AS-PR-003, NC-2026-0001, SALES,
# the form key aftersales.repair_order a procedure cites) are not words.
WORD = re.compile(r"(?<![\w.-])[A-Za-z][a-z]{2,}(?![\w-]|\.\w)")

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


def _names(app) -> set[str]:
    """The words of people's names and logins and of sites' names: proper names stay as they are written."""
    from core.accounts.models import Site, User
    from core.database import db

    with app.app_context():
        words = set()
        for name, login in db.session.execute(db.select(User.display_name, User.login)):
            words.update(WORD.findall(name) + WORD.findall(login.replace(".", " ")))
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
    # The header's switch, which reads the same in either language: the demo is shared by the
    # browser tests, and another may have left this account in Chinese already.
    page.get_by_role("button", name="中文").click()
    page.goto(server + "/")
    expect(page.get_by_role("heading", level=1, name="仪表板")).to_be_visible()


WHO = ["sh.quality", "sh.sales.head", "sh.sales"]


def test_every_main_page_is_chinese_in_chinese(chinese_demo_instance, browser):
    allowed = ALLOWED | _names(chinese_demo_instance.app)
    english = {}
    for login in WHO:
        context = browser.new_context(
            viewport={"width": 1024, "height": 768}, locale="en-US"
        )  # logs in in English, then chooses 中文
        try:
            page = context.new_page()
            for path, words in _visit(page, chinese_demo_instance.url, login, allowed).items():
                if words:
                    english[f"{login} {path}"] = words
        finally:
            context.close()
    assert not english, "English on Chinese pages:\n" + "\n".join(f"{p}: {' '.join(w)}" for p, w in english.items())


def _visit(page, server, login, allowed) -> dict[str, list[str]]:
    """The English words of every main page (and one record of each list) as ``login`` sees them in 中文."""
    _in_chinese(page, server, login)
    found = {}
    for path, detail in PAGES:
        response = page.goto(server + path)
        if response.status in (403, 404):
            continue  # not this user's page
        assert response.status == 200, path
        found[path] = _english(page, allowed)
        if detail:
            links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
            target = next((href for href in links if re.match(detail, href.split("?")[0])), None)
            if target:
                page.goto(server + target)
                found[target] = _english(page, allowed)
    return found
