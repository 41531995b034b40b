"""The checklist library file format: what a quality officer's file becomes, and every
mistake in it reported where it is (sheet, row and column, or YAML line and path)."""

import io
import textwrap

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from core.checklists import format as checklist_format
from core.checklists.format import (
    FileProblems,
    Problem,
    content_hash,
    example,
    parse,
    template,
    to_checklist,
    to_xlsx,
    to_yaml,
)
from core.plugins import Checklist


@pytest.fixture(scope="module")
def showroom():
    return parse("showroom-standard.yaml", example("yaml"))


@pytest.fixture(scope="module")
def everything():
    """A checklist using every feature of the format, and texts a spreadsheet could misread."""
    return {
        "key": "brand.workshop-2025",
        "title": {"en": "Workshop standard", "zh_CN": "售后车间标准"},
        "description": {"en": "", "zh_CN": "仅中文说明"},
        "departments": ["AFTERSALES", "QUALITY"],
        "scale": "points_0_3",
        "pass_threshold": 72.5,
        "grade_points": {"minor_nc": 0.5, "ofi": 0.75, "observation": 1.0},
        "sections": [
            {"key": "reception", "title": {"en": "Reception", "zh_CN": "接待"}, "weight": 1.5},
            {"key": "bay", "title": {"en": "=Workshop bay", "zh_CN": "工位"}, "weight": 2.0},
        ],
        "questions": [
            {
                "key": "r-01",
                "section": "reception",
                "text": {"en": "Is the repair order signed?\nBy the customer.", "zh_CN": "维修委托书是否经客户签字？"},
                "guidance": {"en": "", "zh_CN": ""},
                "reference": "8.5",
                "weight": 1.0,
                "must_pass": True,
            },
            {
                "key": "b.01",
                "section": "bay",
                "text": {"en": "=SUM(A1:A3) stays text", "zh_CN": "+86 仍是文本"},
                "guidance": {"en": "@look", "zh_CN": "查看工位"},
                "reference": "《汽车维修业开业条件》",
                "weight": 0.25,
                "must_pass": False,
            },
        ],
    }


def xlsx_of(content: dict, change) -> bytes:
    """The workbook of ``content`` after ``change(workbook)``: a file as a person edited it."""
    workbook = load_workbook(io.BytesIO(to_xlsx(content)))
    change(workbook)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def problems_of(filename: str, data: bytes) -> list[Problem]:
    with pytest.raises(FileProblems) as refused:
        parse(filename, data)
    return refused.value.problems


def located(problems: list[Problem]) -> set[tuple]:
    return {(p.sheet, p.row, p.column) for p in problems}


# --- The shipped files ---------------------------------------------------------------------


def test_the_example_is_a_showroom_standard_of_forty_items_in_four_weighted_sections(showroom):
    assert showroom["key"] == "brand.showroom"
    assert showroom["departments"] == ["SALES"]
    assert showroom["scale"] == "points_0_2"
    assert showroom["pass_threshold"] == 85
    assert [s["key"] for s in showroom["sections"]] == ["exterior", "showroom", "lounge", "sales"]
    # The weights are the sections' shares of the score.
    assert sum(s["weight"] for s in showroom["sections"]) == 100
    questions = showroom["questions"]
    assert len(questions) == 40
    for section in showroom["sections"]:
        assert sum(q["section"] == section["key"] for q in questions) == 10
    must_pass = [q["key"] for q in questions if q["must_pass"]]
    assert 3 <= len(must_pass) <= 4
    assert "sr-01" in must_pass  # the price display (明码标价)
    for question in questions:
        assert all(question["text"].values()) and all(question["guidance"].values()) and question["reference"]
    checklist = to_checklist(showroom, version=1)
    assert checklist.area == "SALES" and len(checklist.sections) == 4


def test_the_templates_hold_one_example_section_and_question():
    content = parse("template.yaml", template("yaml"))
    assert len(content["sections"]) == 1 and len(content["questions"]) == 1
    assert parse("template.xlsx", template("xlsx")) == content
    assert b"# " in template("yaml")  # explained in comments
    headers = load_workbook(io.BytesIO(template("xlsx")))["Questions"]["C1"]
    assert headers.value == "text_en" and headers.comment is not None and headers.font.bold


def test_the_example_is_shipped_as_a_workbook_too(showroom):
    workbook = load_workbook(io.BytesIO(example("xlsx")))
    assert workbook.sheetnames == ["Checklist", "Sections", "Questions"]
    questions = workbook["Questions"]
    assert questions.freeze_panes == "A2"
    assert questions.max_row == 41
    assert parse("showroom.xlsx", example("xlsx")) == showroom


# --- Round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["showroom", "everything"])
def test_a_checklist_written_as_xlsx_reads_back_the_same(which, request):
    content = request.getfixturevalue(which)
    assert parse("again.xlsx", to_xlsx(content)) == content


@pytest.mark.parametrize("which", ["showroom", "everything"])
def test_a_checklist_written_as_yaml_reads_back_the_same(which, request):
    content = request.getfixturevalue(which)
    written = to_yaml(content)
    assert written.startswith("#")
    assert "售后车间标准" in written or "展厅品牌标准" in written  # unicode, not escapes
    assert parse("again.yaml", written.encode()) == content


def test_a_checklist_scored_by_grades_without_sections_round_trips(everything):
    plain = {
        **everything,
        "scale": "grades",
        "pass_threshold": None,
        "grade_points": None,
        "sections": [],
        "questions": [{**q, "section": "", "weight": 1.0, "must_pass": False} for q in everything["questions"]],
    }
    assert parse("plain.xlsx", to_xlsx(plain)) == plain
    assert parse("plain.yml", to_yaml(plain).encode()) == plain


def test_text_that_looks_like_a_formula_is_written_as_text(everything):
    cell = load_workbook(io.BytesIO(to_xlsx(everything)))["Questions"]["C3"]
    assert cell.value == "=SUM(A1:A3) stays text"
    assert cell.data_type == "s"


def test_the_same_checklist_has_the_same_hash_whatever_the_file(showroom):
    from_xlsx = parse("showroom.xlsx", to_xlsx(showroom))
    assert content_hash(from_xlsx) == content_hash(showroom)
    # Weights typed as 1 or 1.0 are the same checklist.
    typed = {**showroom, "pass_threshold": 85}
    assert content_hash(typed) == content_hash(showroom)
    changed = {
        **showroom,
        "questions": [{**showroom["questions"][0], "reference": "CI 9.9"}, *showroom["questions"][1:]],
    }
    assert content_hash(changed) != content_hash(showroom)


def test_a_spreadsheet_as_people_type_it_is_read(everything):
    """Headers in any case and order, blank rows, yes/no in Chinese, comma decimals, a percent cell,
    a notes column of the auditor's own."""

    def edit(workbook):
        questions = workbook["Questions"]
        questions["A1"] = "KEY"
        questions["H1"] = "Weight"
        questions.insert_rows(3)  # a blank row between the two questions
        questions["I2"] = "是"
        questions["I4"] = "否"
        questions["H4"] = "0,25"
        questions["J1"] = "auditor notes"
        questions["J2"] = "ask Li"
        head = workbook["Checklist"]
        head["B7"] = "aftersales， quality"  # departments
        head["B9"] = 0.725  # pass_threshold typed as 72.5 %
        head["B9"].number_format = "0.0%"
        head["B10"] = "minor_nc = 0,5; ofi: 0.75\nobservation=1"

    assert parse("typed.xlsx", xlsx_of(everything, edit)) == everything


# --- Problems, each located ----------------------------------------------------------------


def test_a_missing_question_text_is_reported_at_its_cell(showroom):
    def edit(workbook):
        workbook["Questions"]["D7"] = None

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.sheet, problem.row, problem.column) == ("Questions", 7, "D (text_zh_CN)")
    assert problem.message == "The question text is missing."
    assert str(problem) == "Questions, row 7, column D (text_zh_CN): The question text is missing."


def test_a_missing_language_column_is_reported_once_naming_the_column(showroom):
    def edit(workbook):
        workbook["Questions"].delete_cols(4)

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.sheet, problem.row, problem.column) == ("Questions", 1, "text_zh_CN")
    assert "text_zh_CN" in problem.message


def test_an_unknown_scale_is_reported_at_its_cell(showroom):
    def edit(workbook):
        workbook["Checklist"]["B8"] = "stars"

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.sheet, problem.row, problem.column) == ("Checklist", 8, "B (value)")
    assert "stars" in problem.message and "points_0_2" in problem.message


def test_a_weight_that_is_not_a_number_is_reported_at_its_cell(showroom):
    def edit(workbook):
        workbook["Questions"]["H5"] = "heavy"
        workbook["Sections"]["D3"] = 0

    problems = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert located(problems) == {("Questions", 5, "H (weight)"), ("Sections", 3, "D (weight)")}


def test_a_duplicate_key_is_reported_at_its_second_use(showroom):
    def edit(workbook):
        workbook["Questions"]["A12"] = "ext-01"
        workbook["Sections"]["A5"] = "exterior"

    problems = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert ("Questions", 12, "A (key)") in located(problems)
    assert ("Sections", 5, "A (key)") in located(problems)
    assert any("ext-01" in p.message for p in problems)


def test_an_unknown_or_missing_section_is_reported(showroom):
    def edit(workbook):
        workbook["Questions"]["B3"] = "workshop"
        workbook["Questions"]["B4"] = None

    problems = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert located(problems) == {("Questions", 3, "B (section)"), ("Questions", 4, "B (section)")}


def test_a_must_pass_that_is_not_yes_or_no_is_reported(showroom):
    def edit(workbook):
        workbook["Questions"]["I6"] = "maybe"

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.sheet, problem.row, problem.column) == ("Questions", 6, "I (must_pass)")


def test_every_problem_of_a_file_is_reported_at_once(showroom):
    def edit(workbook):
        workbook["Checklist"]["B2"] = "Brand Showroom"  # not a key
        workbook["Checklist"]["B7"] = "SALES, Sales-Team"
        workbook["Checklist"]["B9"] = 120
        workbook["Questions"]["C2"] = None
        workbook["Questions"]["H3"] = "x"
        workbook["Questions"]["A4"] = "Ext 01"

    problems = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert located(problems) == {
        ("Checklist", 2, "B (value)"),
        ("Checklist", 7, "B (value)"),
        ("Checklist", 9, "B (value)"),
        ("Questions", 2, "C (text_en)"),
        ("Questions", 3, "H (weight)"),
        ("Questions", 4, "A (key)"),
    }


def test_scoring_on_a_checklist_scored_by_grades_is_refused(showroom):
    def edit(workbook):
        workbook["Checklist"]["B8"] = "grades"

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.sheet, problem.row) == ("Checklist", 8)


def test_a_formula_is_reported_and_never_evaluated(showroom):
    def edit(workbook):
        workbook["Questions"]["H2"] = "=1+1"
        workbook["Questions"]["C3"] = '=WEBSERVICE("http://example.com")'

    problems = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert located(problems) == {("Questions", 2, "H (weight)"), ("Questions", 3, "C (text_en)")}
    assert all("formula" in p.message for p in problems)


def test_a_missing_sheet_is_reported(showroom):
    def edit(workbook):
        del workbook["Questions"]

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert problem.sheet == "Questions"


def test_a_sheet_of_too_many_questions_is_refused():
    workbook = Workbook()
    head = workbook.active
    head.title = "Checklist"
    head.append(["field", "value"])
    for field, value in (("key", "big.one"), ("title_en", "Big"), ("title_zh_CN", "大"), ("departments", "SALES")):
        head.append([field, value])
    head.append(["scale", "yes_no"])
    questions = workbook.create_sheet("Questions")
    questions.append(["key", "text_en", "text_zh_CN"])
    for number in range(2001):
        questions.append([f"q{number}", "Q", "问"])
    output = io.BytesIO()
    workbook.save(output)
    problems = problems_of("big.xlsx", output.getvalue())
    assert ("Questions", 2002, None) in located(problems)


def test_a_cell_too_long_is_refused(showroom):
    def edit(workbook):
        workbook["Questions"]["E2"] = "x" * 5001

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.sheet, problem.row, problem.column) == ("Questions", 2, "E (guidance_en)")


def test_bytes_that_are_no_workbook_are_one_problem():
    (problem,) = problems_of("standard.xlsx", b"key: brand.showroom\n")
    assert problem.message == "The file is not an Excel workbook (.xlsx)."
    assert located([problem]) == {(None, None, None)}


@pytest.mark.parametrize("name", ["standard.xlsm", "standard.xls", "standard.csv", "standard"])
def test_other_kinds_of_file_are_refused_with_one_problem(name, showroom):
    assert len(problems_of(name, to_xlsx(showroom))) == 1


# --- YAML ----------------------------------------------------------------------------------


def yaml_file(text: str) -> bytes:
    return textwrap.dedent(text).encode()


SMALL = """\
key: brand.small
title: {en: Small, zh_CN: 小}
departments: [SALES]
scale: yes_no
questions:
  - key: q1
    text: {en: First, zh_CN: 第一}
  - key: q2
    text:
      en: Second
    weight: heavy
"""


def test_yaml_problems_give_the_line_and_the_path():
    problems = problems_of("small.yaml", yaml_file(SMALL))
    assert {(p.row, p.column) for p in problems} == {(9, "questions[2].text.zh_CN"), (11, "questions[2].weight")}
    assert str(problems[0]).startswith("line 9, questions[2].text.zh_CN: ")


def test_a_yaml_field_misspelt_is_reported():
    problems = problems_of(
        "small.yaml",
        yaml_file(
            SMALL.replace("weight: heavy", "wieght: 2").replace(
                "      en: Second\n", "      en: Second\n      zh_CN: 第二\n"
            )
        ),
    )
    assert [(p.row, p.column) for p in problems] == [(12, "questions[2].wieght")]


def test_a_yaml_tag_is_refused_never_constructed():
    text = SMALL.replace("key: brand.small", "key: !!python/object/apply:os.system ['touch /tmp/pwned']")
    (problem,) = problems_of("evil.yaml", yaml_file(text))
    assert problem.row == 1 and "tag" in problem.message


def test_yaml_aliases_are_refused():
    text = "key: &k brand.small\ntitle: {en: *k, zh_CN: *k}\n"
    (problem,) = problems_of("bomb.yaml", yaml_file(text))
    assert problem.row == 2


def test_invalid_yaml_is_one_problem_with_its_line():
    (problem,) = problems_of("broken.yml", b"key: brand.x\ntitle: {en: [\n")
    assert problem.row is not None and problem.sheet is None


def test_a_yaml_file_that_is_not_a_checklist_is_refused():
    (problem,) = problems_of("list.yaml", b"- one\n- two\n")
    assert problem.row == 1


# --- The product's checklist ---------------------------------------------------------------


def test_the_checklist_reads_in_the_readers_language(app, everything):
    checklist = to_checklist(everything, version=1)
    assert isinstance(checklist, Checklist)
    assert checklist.scale == "points_0_3" and checklist.pass_threshold == 72.5
    assert dict(checklist.grade_points) == everything["grade_points"]
    assert [q.must_pass for q in checklist.questions] == [True, False]
    with app.test_request_context():
        with force_locale("zh_CN"):
            assert str(checklist.title) == "售后车间标准"
            assert str(checklist.questions[1].guidance) == "查看工位"
        with force_locale("en"):
            assert str(checklist.title) == "Workshop standard"
            # No English description: the Chinese one rather than nothing.
            assert str(checklist.description) == "仅中文说明"


def test_problems_are_told_in_the_readers_language(app, showroom):
    def edit(workbook):
        workbook["Questions"]["D7"] = None

    with app.test_request_context(), force_locale("zh_CN"):
        (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
        assert "检查项" in problem.message
        assert "第 7 行" in str(problem)


def test_the_content_is_plain_json(showroom):
    import json

    assert json.loads(json.dumps(showroom)) == showroom
    assert checklist_format.LANGUAGES == ("en", "zh_CN")


def test_a_yaml_field_given_twice_is_reported():
    text = SMALL.replace("weight: heavy", "weight: 2\n    weight: 3").replace(
        "      en: Second\n", "      en: Second\n      zh_CN: 第二\n"
    )
    (problem,) = problems_of("small.yaml", yaml_file(text))
    assert (problem.row, problem.column) == (13, "questions[2].weight")


def test_a_missing_row_of_the_checklist_sheet_is_reported_once(showroom):
    def edit(workbook):
        workbook["Checklist"].delete_rows(8)  # scale

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.sheet, problem.row, problem.column) == ("Checklist", None, None)
    assert "scale" in problem.message


def test_columns_the_format_does_not_know_are_not_read(showroom):
    def edit(workbook):
        questions = workbook["Questions"]
        questions["K1"] = "score check"
        questions["K2"] = "=H2*2"  # a formula in the auditor's own column: ignored, not run
        questions["K45"] = "a note below the last question"

    assert parse("s.xlsx", xlsx_of(showroom, edit)) == showroom


def test_the_yaml_example_of_the_documentation_reads():
    import re
    from pathlib import Path

    documentation = (Path(__file__).resolve().parents[2] / "docs" / "checklists.md").read_text()
    example_yaml = re.search(r"```yaml\n(.*?)```", documentation, re.S).group(1)
    assert parse("docs.yaml", example_yaml.encode())["key"] == "brand.example"


def test_a_date_excel_made_of_a_reference_is_read_as_the_text_it_shows(showroom):
    from datetime import datetime

    def edit(workbook):
        workbook["Questions"]["G2"] = datetime(2024, 3, 1)
        workbook["Questions"]["H3"] = datetime(2024, 3, 1)

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.row, problem.column) == (3, "H (weight)")
    assert "2024-03-01" in problem.message


def test_an_array_formula_is_reported_too(showroom):
    from openpyxl.worksheet.formula import ArrayFormula

    def edit(workbook):
        workbook["Questions"]["H2"] = ArrayFormula("H2", "=SUM(1,2)")

    (problem,) = problems_of("s.xlsx", xlsx_of(showroom, edit))
    assert (problem.row, problem.column) == (2, "H (weight)") and "formula" in problem.message


def test_a_workbook_with_a_damaged_sheet_is_one_problem(showroom):
    import zipfile

    damaged = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(to_xlsx(showroom))) as original,
        zipfile.ZipFile(damaged, "w") as copy,
    ):
        for member in original.infolist():
            data = original.read(member.filename)
            if member.filename == "xl/worksheets/sheet3.xml":
                data = data[: len(data) // 2]
            copy.writestr(member, data)
    (problem,) = problems_of("damaged.xlsx", damaged.getvalue())
    assert problem.message == "The file is not an Excel workbook (.xlsx)."
