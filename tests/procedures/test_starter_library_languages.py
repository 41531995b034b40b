"""The starter library in every language an instance can be set up in.

A Chinese instance loads ``procedures/library/zh_CN/`` instead of the English files, so each
English document needs its Chinese counterpart: same code, owner, review interval and
distribution, the same sections, and a body a Chinese reader can use without English.
"""

import re
from pathlib import Path

import pytest
import yaml

from core.database import commit, db
from procedures.library import STARTER_LIBRARY, load_starter_library, read_folder
from procedures.models import Procedure

CHINESE_LIBRARY = STARTER_LIBRARY / "zh_CN"
ENGLISH_FILES = sorted(STARTER_LIBRARY.glob("*.md"))

_HEADER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_INLINE_CODE = re.compile(r"`[^`]*`")
# Three Latin words in a row is English prose; codes (AS-PR-001), ISO clauses, abbreviations
# (VIN, CSI, PIPL) and form keys in backticks stand alone between Chinese words.
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*){2,}")


def split(path: Path) -> tuple[dict, str]:
    header, body = _HEADER.match(path.read_text(encoding="utf-8")).groups()
    return yaml.safe_load(header), body


def section_count(body: str) -> int:
    return sum(1 for line in body.splitlines() if line.startswith("## "))


def english_in(body: str) -> list[str]:
    findings = []
    for line in body.splitlines():
        prose = _INLINE_CODE.sub("", line)
        if line.startswith("#") and not _CJK.search(prose):
            findings.append(line)
        findings += _ENGLISH_RUN.findall(prose)
    return findings


@pytest.mark.parametrize("english", ENGLISH_FILES, ids=[path.name for path in ENGLISH_FILES])
def test_every_starter_document_has_a_chinese_version_with_the_same_header_and_sections(english):
    chinese = CHINESE_LIBRARY / english.name
    assert chinese.is_file(), f"procedures/library/zh_CN/{english.name} is missing"
    english_header, english_body = split(english)
    chinese_header, chinese_body = split(chinese)

    title = chinese_header.pop("title")
    english_header.pop("title")
    assert chinese_header == english_header
    assert _CJK.search(title) and not re.search(r"[a-z]", title), title

    assert section_count(chinese_body) == section_count(english_body)
    assert english_in(chinese_body) == []


def effective_titles(app) -> dict[str, str]:
    with app.app_context():
        load_starter_library()
        commit()
        procedures = db.session.execute(db.select(Procedure)).scalars()
        return {procedure.code: procedure.effective_revision.title for procedure in procedures}


def test_a_chinese_instance_gets_the_starter_library_in_chinese(make_app):
    titles = effective_titles(make_app(BABEL_DEFAULT_LOCALE="zh_CN"))

    assert titles == {document.code: document.title for document in read_folder(CHINESE_LIBRARY)}
    assert titles["AS-PR-001"] == "售后服务流程程序"
    assert titles["QA-PR-001"] == "文件控制程序"


def test_an_english_instance_keeps_the_english_starter_library(make_app):
    titles = effective_titles(make_app())

    assert titles == {document.code: document.title for document in read_folder(STARTER_LIBRARY)}
    assert titles["QA-PR-001"] == "Control of documented information (文件控制程序)"
