"""The area plugins' demo records are written in the instance's language.

A Chinese dealer group's demo shows Chinese records on Chinese pages: every
free text the six areas' demo submissions carry (risks and controls,
complaints, notes, campaigns, courses, meeting actions…) is Chinese when the
instance's language is, and the demo tells the same story in either
language: the same records on the same days with the same numbers and
choices, only the words differ.

Both demos are built once for the module, at a fixed moment, from the area
plugins' generators alone (as tests/test_demo_story.py does).
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

import pytest
import time_machine
from argon2 import PasswordHasher

from core.accounts.models import User
from core.database import db
from core.demo import add_demo_group
from core.forms.models import FormSubmission
from core.plugin_engine.manager import registry
from plugins.aftersales import demo as aftersales_demo
from plugins.communication import demo as communication_demo
from plugins.marketing import demo as marketing_demo
from plugins.risk import demo as risk_demo
from plugins.sales import demo as sales_demo
from plugins.training import demo as training_demo

GENERATORS = (sales_demo, aftersales_demo, training_demo, marketing_demo, risk_demo, communication_demo)
AREAS = ("sales", "aftersales", "training", "marketing", "risk", "communication")
# Codes and abbreviations a Chinese dealership writes in Latin letters.
ALLOWED = {"VIN", "DMS", "CRM", "NPS", "SSI", "CSI", "PIPL", "ISO", "PDI", "KPI", "SUV", "CAN"}
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
FREE_TEXT = ("text", "textarea")
MOMENT = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)


def _build(template, folder, language: str) -> list[dict]:
    """The area plugins' demo submissions of an instance in ``language``, oldest first."""
    from core.accounts import passwords
    from core.testing import _test_app

    with (
        pytest.MonkeyPatch.context() as patch,
        _test_app(template, folder, {"BABEL_DEFAULT_LOCALE": language}) as app,
        time_machine.travel(MOMENT, tick=False),
        app.app_context(),
    ):
        # The suite's cheap argon2 parameters (as core.testing's autouse fixture sets them per test).
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        add_demo_group()
        db.session.commit()
        for generator in GENERATORS:
            generator.populate()
        logins = set(db.session.execute(db.select(User.login)).scalars())
        forms = registry().forms
        rows = db.session.execute(db.select(FormSubmission).order_by(FormSubmission.id)).scalars()
        submissions = [
            {
                "form": row.form_key,
                "site": row.site_id,
                "at": row.submitted_at,
                "data": row.data,
                "texts": dict(_free_texts(forms[row.form_key].fields, row.data, logins)),
            }
            for row in rows
        ]
        db.session.remove()
        return submissions


def _free_texts(fields, data: dict, logins: set[str], where: str = ""):
    """(field path, words) of what a person typed into ``data``: text fields, not logins or codes."""
    for field in fields:
        value = data.get(field.key)
        if field.type == "group":
            for n, row in enumerate(value or ()):
                yield from _free_texts(field.fields, row, logins, f"{where}{field.key}[{n}].")
        elif field.type in FREE_TEXT and isinstance(value, str) and value not in logins:
            yield f"{where}{field.key}", value


@pytest.fixture(scope="module")
def demos(_database_template, tmp_path_factory):
    return {
        language: _build(_database_template, tmp_path_factory.mktemp(f"demo-{language}"), language)
        for language in ("en", "zh_CN")
    }


def _of(area: str, submissions: list[dict]) -> list[dict]:
    return [submission for submission in submissions if submission["form"].startswith(f"{area}.")]


@pytest.mark.parametrize("area", AREAS)
def test_a_chinese_dealerships_demo_records_carry_no_english_words(demos, area):
    chinese = _of(area, demos["zh_CN"])
    assert chinese
    english_words = {
        (submission["form"], path, text)
        for submission in chinese
        for path, text in submission["texts"].items()
        if set(LATIN_WORD.findall(text)) - ALLOWED
    }
    assert not english_words, sorted(english_words)[:10]
    # Written in Chinese, not just left empty.
    assert any(
        re.search(r"[\u4e00-\u9fff]{4,}", text) for submission in chinese for text in submission["texts"].values()
    )


@pytest.mark.parametrize("area", AREAS)
def test_the_demo_tells_the_same_story_in_either_language(demos, area):
    english, chinese = _of(area, demos["en"]), _of(area, demos["zh_CN"])
    assert len(english) == len(chinese)
    translated = 0
    for one, other in zip(english, chinese, strict=True):
        assert (one["form"], one["site"], one["at"]) == (other["form"], other["site"], other["at"])
        assert one["texts"].keys() == other["texts"].keys()
        # Everything but the words (numbers, dates, choices, codes, people) is the same.
        assert _without_texts(one["data"], one["texts"]) == _without_texts(other["data"], other["texts"])
        translated += one["texts"] != other["texts"]
    assert translated


def _without_texts(data: dict, texts: dict) -> dict:
    """``data`` with its free texts blanked, by their paths from :func:`_free_texts`."""
    blanked = copy.deepcopy(data)
    for path in texts:
        *group, key = path.split(".")
        target = blanked
        if group:
            name, n = re.fullmatch(r"(\w+)\[(\d+)\]", group[0]).groups()
            target = blanked[name][int(n)]
        target[key] = None
    return blanked
