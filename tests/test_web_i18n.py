"""Languages: the catalogs are complete and compiled, and the user's choice sticks."""

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.accounts import services
from core.config import DEFAULTS
from core.i18n import catalog_name
from core.testing import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
# Every package with UI strings keeps a babel.cfg and its catalogs beside it;
# the built-in area plugins are packages one level down, in plugins/.
PACKAGES = sorted(
    path.parent.relative_to(ROOT).as_posix()
    for pattern in ("*/babel.cfg", "plugins/*/babel.cfg")
    for path in ROOT.glob(pattern)
)
LOCALES = DEFAULTS["DEALERQMS_LOCALES"]
CATALOGS = [(package, locale) for package in PACKAGES for locale in LOCALES]
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HOW_TO_UPDATE = "update the catalogs as core/i18n.py describes"


def page_token(client, path="/login"):
    return CSRF_META.search(client.get(path, follow_redirects=True).get_data(as_text=True)).group(1)


def catalog_folder(package, locale) -> Path:
    return ROOT / package / "translations" / catalog_name(locale) / "LC_MESSAGES"


def catalog(package, locale):
    with open(catalog_folder(package, locale) / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


def test_the_core_and_document_control_have_catalogs():
    assert {"core", "procedures"} <= set(PACKAGES)


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale != "en"])
def test_one_english_text_reads_the_same_in_every_catalog(locale):
    """The catalogs are merged into one at run time, the last loaded winning: an English text two
    packages translate differently would show one package's word on the other's page (the NC
    source "Manual" read 手册, handbook). Texts that mean different things get different English."""
    translations: dict[str, dict[str, str]] = {}
    for package in PACKAGES:
        for message in catalog(package, locale):
            if message.id and message.string and isinstance(message.id, str):
                translations.setdefault(message.id, {})[package] = message.string
    conflicting = {text: found for text, found in translations.items() if len(set(found.values())) > 1}
    assert not conflicting, f"one English text, several translations ({HOW_TO_UPDATE}): {conflicting}"


def source_messages(package) -> set:
    """Every marked string of a package, as ``pybabel extract -F <package>/babel.cfg`` would find them."""
    with open(ROOT / package / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    }


@pytest.mark.parametrize(("package", "locale"), CATALOGS)
def test_compiled_catalogs_match_their_sources(package, locale):
    compiled = io.BytesIO()
    write_mo(compiled, catalog(package, locale))
    committed = (catalog_folder(package, locale) / "messages.mo").read_bytes()
    assert committed == compiled.getvalue(), f"{package} {locale} messages.mo is older than its .po: {HOW_TO_UPDATE}"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_ui_string_is_in_both_catalogs(package):
    wanted = {message if isinstance(message, str) else message[0] for message in source_messages(package)}
    for locale in LOCALES:
        have = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog(package, locale)}
        missing = sorted(wanted - have)
        assert not missing, f"not in the {package} {locale} catalog ({HOW_TO_UPDATE}): {missing}"


@pytest.mark.parametrize("package", PACKAGES)
def test_chinese_is_complete_and_consistent(package):
    zh = catalog(package, "zh_CN")
    untranslated = [
        message.id
        for message in zh
        if message.id and not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]
    assert not untranslated, f"zh_CN has untranslated entries: {untranslated}"
    assert not [message.id for message in zh if message.id and message.fuzzy], "zh_CN has fuzzy entries"
    problems = [(message.id, [str(error) for error in errors]) for message, errors in zh.check()]
    assert not problems, f"placeholders differ between msgid and msgstr: {problems}"


@pytest.mark.parametrize(("package", "locale"), CATALOGS)
def test_catalog_texts_hold_no_markup(package, locale):
    """Templates treat catalog texts as markup (only the values put into them
    are escaped), so a stray '<' in a text would break or inject into the page."""
    for message in catalog(package, locale):
        texts = [
            *(message.id if isinstance(message.id, tuple) else [message.id]),
            *(message.string if isinstance(message.string, tuple) else [message.string]),
        ]
        assert not any("<" in text or ">" in text for text in texts), message.id


def switch(client, locale, next_path=""):
    return client.post(
        "/language", data={"locale": locale, "next": next_path, "csrf_token": page_token(client, next_path or "/login")}
    )


def test_switching_language_before_login_uses_the_session(client):
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    response = switch(client, "zh_CN", "/login")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert '<h1 id="login-heading">登录</h1>' in page and "登录名" in page
    assert 'aria-pressed="true" class="current">中文</button>' in page


def test_the_browser_language_is_the_default(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page


def test_a_logged_in_choice_is_saved_on_the_user(app, client_as):
    client = client_as("quality_officer")
    response = switch(client, "zh_CN", "/account")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/").status_code == 200, "saving the language keeps the session"
    assert "仪表板" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert services.user_by_login("qo").locale == "zh_CN"
    # Another device, a browser that prefers English: the saved choice wins.
    elsewhere = client_as("quality_officer")
    page = elsewhere.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "欢迎，Quinn Quality。" in page


def test_a_choice_made_on_the_login_page_is_kept_after_login(app, client, users):
    switch(client, "zh_CN", "/login")
    response = client.post(
        "/login", data={"login": "auditor", "password": TEST_PASSWORD, "csrf_token": page_token(client)}
    )
    assert response.status_code == 302
    assert "仪表板" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert services.user_by_login("auditor").locale == "zh_CN"


def test_the_language_survives_logout(client_as):
    client = client_as("quality_officer")
    switch(client, "zh_CN", "/")
    response = client.post("/logout", data={"csrf_token": page_token(client, "/")})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "您已退出登录。" in page and '<html lang="zh-CN">' in page


def test_an_unknown_language_is_refused(app, client_as):
    client = client_as("quality_officer")
    assert switch(client, "tlh", "/").status_code == 400
    with app.app_context():
        assert services.user_by_login("qo").locale == "en"


def test_form_errors_and_flashes_are_translated(client):
    switch(client, "zh_CN", "/login")
    response = client.post("/login", data={"login": "nobody", "password": "x", "csrf_token": page_token(client)})
    assert "登录名不存在或密码错误。" in response.get_data(as_text=True)
    response = client.post("/login", data={"login": "", "password": "", "csrf_token": page_token(client)})
    # WTForms' own messages come from its catalogs, in the same language.
    assert response.get_data(as_text=True).count("该字段是必填字段。") == 2


def test_default_department_names_follow_the_readers_language_until_renamed(app):
    from core.accounts.models import department_label

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert department_label("AFTERSALES", "After-sales") == "售后"
        # An administrator's own name is shown as written, in every language.
        assert department_label("AFTERSALES", "Service & Parts") == "Service & Parts"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert department_label("AFTERSALES", "After-sales") == "After-sales"


def test_a_template_follows_the_language_forced_for_a_while(app):
    """Templates find the reader's catalog once a request (core.i18n.request_translations): a
    part written in another language for a while (an e-mail to someone who reads English, sent
    from a Chinese page) is in that language, and the page after it in the reader's again."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = (
        "{{ _('Overdue') }} · {{ _('Due %(date)s', date='2026-12-07') }} · "
        "{{ ngettext('%(num)d site', '%(num)d sites', 2) }}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        chinese = render_template_string(page)
        assert chinese.startswith("逾期事项 · 2026-12-07 到期 · ")
        with force_locale("en"):
            assert render_template_string(page) == "Overdue · Due 2026-12-07 · 2 sites"
            with force_locale("zh_CN"):
                assert render_template_string(page) == chinese
            assert render_template_string(page) == "Overdue · Due 2026-12-07 · 2 sites"
        assert render_template_string(page) == chinese
