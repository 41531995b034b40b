"""The checklist library file format: what a quality officer's file becomes, and every
mistake in it reported where it is."""

import pytest

from core.checklists import format as checklist_format
from core.checklists.format import FileProblems, content_hash, parse, to_checklist, to_xlsx, to_yaml
from core.plugins import Checklist


@pytest.fixture
def template_content():
    return parse("template.yaml", checklist_format.template("yaml"))


def test_the_template_round_trips_through_yaml(template_content):
    assert parse("again.yaml", to_yaml(template_content).encode()) == template_content


def test_the_template_becomes_a_checklist_of_the_product(template_content):
    checklist = to_checklist(template_content, version=3)
    assert isinstance(checklist, Checklist)
    assert checklist.version == 3
    assert checklist.area == "SALES"
    assert checklist.scale == "points_0_2"
    assert [q.key for q in checklist.questions] == ["ext-01"]


def test_the_same_checklist_has_the_same_hash_whatever_the_file(template_content):
    from_xlsx = parse("template.xlsx", to_xlsx(template_content))
    assert content_hash(from_xlsx) == content_hash(template_content)
    changed = {**template_content, "pass_threshold": 90.0}
    assert content_hash(changed) != content_hash(template_content)


def test_a_file_of_another_kind_is_refused():
    with pytest.raises(FileProblems) as refused:
        parse("standard.docx", b"PK")
    assert len(refused.value.problems) == 1
