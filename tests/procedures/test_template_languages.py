"""The area plugins' starter templates in both languages: every one has a Chinese body
that is a full translation of the English, and a new procedure started from a template
opens in its author's language."""

from __future__ import annotations

import html
import re

import pytest

from core.plugin_engine.manager import registry

# Four English words in a row: a sentence or a phrase left untranslated. Codes in
# backticks (form keys) and short Latin names (ISO 9001, SERVQUAL, J.D. Power, PIPL
# article numbers) are expected in a Chinese dealership's documents and do not match.
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){3,}\b")
CODE = re.compile(r"`[^`]*`")


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("## ")]


def english_runs(markdown: str) -> list[str]:
    return ENGLISH_RUN.findall(CODE.sub("", markdown))


@pytest.fixture
def templates(app):
    with app.app_context():
        return dict(registry(app).procedure_templates)


def test_every_area_plugin_offers_its_templates(templates):
    assert {
        "AS-PR-003",
        "AS-WI-001",
        "CM-PR-002",
        "CM-WI-001",
        "MK-WI-001",
        "SA-WI-001",
        "SA-WI-002",
        "RK-PR-002",
        "TR-PR-002",
    } <= set(templates)


def test_every_template_has_a_chinese_body_with_the_english_sections(templates):
    for code, template in templates.items():
        english, chinese = template.body_in("en"), template.body_in("zh_CN")
        assert chinese != english, f"{code} has no Chinese body"
        assert len(headings(chinese)) == len(headings(english)), code
        assert len(re.findall(r"[\u4e00-\u9fff]", chinese)) > 200, code
        assert not english_runs(chinese), f"{code} has English left in its Chinese body: {english_runs(chinese)}"


CHINESE_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")}


def chinese_number(numerals: str) -> str:
    """第十七条, 二十一至二十四: Chinese legal texts cite articles in Chinese numerals (up to 99 here)."""
    tens, _ten, units = numerals.rpartition("十")
    if not _ten:
        return str(CHINESE_DIGITS[units]) if len(units) == 1 else numerals
    return str((CHINESE_DIGITS[tens] if tens else 1) * 10 + (CHINESE_DIGITS[units] if units else 0))


def numbers(text: str) -> set[str]:
    """The figures of a text, amounts in millions (English) and 万 (Chinese) written out, articles
    cited in Chinese numerals as digits."""
    text = re.sub(
        r"[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九]", lambda m: chinese_number(m.group()), text
    )
    text = text.replace(",", "")
    text = re.sub(r"(\d+) million", lambda m: str(int(m.group(1)) * 1_000_000), text)
    text = re.sub(r"(\d+) ?万", lambda m: str(int(m.group(1)) * 10_000), text)
    return set(re.findall(r"\d+(?:[.:]\d+)*", text))


def test_the_chinese_bodies_keep_the_numbers_of_the_english(templates):
    """A translation that drops a deadline, a threshold or a clause changes the requirement."""
    for code, template in templates.items():
        missing = numbers(template.body_in("en")) - numbers(template.body_in("zh_CN"))
        assert not missing, f"{code}: {sorted(missing)} missing from the Chinese body"


def test_every_template_title_is_translated(app, templates):
    from flask_babel import force_locale

    with app.test_request_context():
        for code, template in templates.items():
            with force_locale("zh_CN"):
                chinese = str(template.title)
            with force_locale("en"):
                english = str(template.title)
            assert re.search(r"[\u4e00-\u9fff]", chinese) and not english_runs(chinese), code
            assert not re.search(r"[\u4e00-\u9fff]{4}", english), f"{code}: {english}"
            assert template.body_in("zh_CN").startswith(f"# {chinese}\n"), code


def test_the_english_check_would_catch_an_untranslated_sentence():
    assert english_runs("## 1. 目的\n\nTo answer every enquiry fast.")
    assert not english_runs("ISO 9001:2015 8.6；J.D. Power 客户服务指数；表单 `aftersales.csi_survey`")


def set_locale(app, login, locale):
    from core.accounts.services import user_by_login
    from core.database import commit

    with app.app_context():
        user_by_login(login).locale = locale
        commit()


def editor_body(page: str) -> str:
    match = re.search(r"<textarea[^>]*name=\"body\"[^>]*>(.*?)</textarea>", page, re.S)
    assert match, "the page has no body editor"
    return html.unescape(match.group(1)).lstrip()  # a browser drops the newline after <textarea>


def title_value(page: str) -> str:
    match = re.search(r"<input[^>]*name=\"title\"[^>]*>", page)
    assert match, "the page has no title field"
    return html.unescape(re.search(r'value="([^"]*)"', match.group(0)).group(1))


def test_a_chinese_head_starts_from_the_chinese_template(app, users, client_as):
    set_locale(app, "head", "zh_CN")
    page = client_as("head").get("/procedures/new?template=SA-WI-001").get_data(as_text=True)
    body = editor_body(page)
    assert body.startswith("# 线索处理与响应") and "1 分钟内分配" in body
    assert "Lead handling" not in body
    assert title_value(page) == "线索处理与响应"


def test_an_english_head_starts_from_the_english_template(app, users, client_as):
    set_locale(app, "head", "en")
    page = client_as("head").get("/procedures/new?template=SA-WI-001").get_data(as_text=True)
    body = editor_body(page)
    assert body.startswith("# Lead handling and response") and "within one minute" in body
    assert "线索" not in body
    assert title_value(page) == "Lead handling and response"
