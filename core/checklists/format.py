"""The file format of checklist libraries: XLSX and YAML in, the canonical content dict out.

A quality officer keeps a brand standard in a spreadsheet; :func:`parse` reads it (or the
same checklist written as YAML) into the *content*, the plain JSON-able dict the store keeps
and :func:`content_hash` identifies, and :func:`to_checklist` makes of it the
:class:`core.plugins.Checklist` value the rest of the product uses, like a plugin's.
:func:`to_xlsx` and :func:`to_yaml` write a content back so that parsing it again gives the
same content. ``docs/checklists.md`` describes the format for the people who fill it in.

A file is read whole and every problem in it is reported, each with where it is (sheet, row
and column, or YAML line and path), so that one correction round fixes them all; nothing is
returned unless the file is clean. Spreadsheet formulas are never evaluated and macros never
loaded; YAML is read with ``safe_load`` only (plain values, no tags).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import yaml
from babel import Locale
from flask_babel import LazyString, get_locale, gettext, lazy_gettext

from core.plugin_engine.types import (
    _KEY,
    _QUESTION_KEY,
    MAX_KEY_LENGTH,
    MAX_TITLE_LENGTH,
    SCALES,
    SCORED_GRADES,
    Checklist,
    DefinitionError,
    Question,
    Section,
)

_l = lazy_gettext

# Each text has one value per language: a column per language in XLSX, a mapping in YAML.
LANGUAGES = ("en", "zh_CN")
FILES = Path(__file__).parent / "files"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Guards against files built to exhaust the server (a zip bomb, a sheet of a million rows):
# a real brand standard has a few hundred items at most.
MAX_QUESTIONS = 2000
MAX_SECTIONS = 200
MAX_CELL_LENGTH = 5000
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
# Rows read per sheet, blank ones included, and columns per row.
MAX_SHEET_ROWS = 10_000
MAX_COLUMNS = 60

_DEPARTMENT = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DEPARTMENT_SEPARATORS = re.compile(r"[,，;；\s]+")
_GRADE_POINT_SEPARATORS = re.compile(r"[;；\n]+")
_YES = {"yes", "true", "1", "y", "是"}
_NO = {"no", "false", "0", "n", "否", ""}

SHEET_CHECKLIST = "Checklist"
SHEET_SECTIONS = "Sections"
SHEET_QUESTIONS = "Questions"


def _texts(name: str) -> tuple[str, ...]:
    return tuple(f"{name}_{language}" for language in LANGUAGES)


# The fields of each part, flat (a text's languages as ``title_en``, ``title_zh_CN``): the
# spreadsheet's columns, and what the YAML mappings are read into.
CHECKLIST_FIELDS = (
    "key",
    *_texts("title"),
    *_texts("description"),
    "departments",
    "scale",
    "pass_threshold",
    "grade_points",
)
SECTION_FIELDS = ("key", *_texts("title"), "weight")
QUESTION_FIELDS = ("key", "section", *_texts("text"), *_texts("guidance"), "reference", "weight", "must_pass")
# Columns a sheet must have; the others may be left out (their defaults apply).
REQUIRED_COLUMNS = {
    SHEET_SECTIONS: ("key", *_texts("title")),
    SHEET_QUESTIONS: ("key", *_texts("text")),
}

# The Checklist sheet's rows that must be there.
REQUIRED_FIELDS = ("key", *_texts("title"), "departments", "scale")

# What each field is, for messages ("the question text is missing.") and the spreadsheet's notes.
_WHAT = {
    "key": _l("the key"),
    "title": _l("the title"),
    "description": _l("the description"),
    "departments": _l("the list of departments"),
    "scale": _l("the scale"),
    "pass_threshold": _l("the pass threshold"),
    "grade_points": _l("the grade points"),
    "section": _l("the section"),
    "text": _l("the question text"),
    "guidance": _l("the guidance"),
    "reference": _l("the reference"),
    "weight": _l("the weight"),
    "must_pass": _l("must-pass"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, and where: a spreadsheet's sheet, row and column, or a
    YAML file's line and path (``questions[3].weight``; ``sheet`` None)."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.sheet is not None:
            where.append(self.sheet)
            if self.row is not None:
                where.append(gettext("row %(row)s", row=self.row))
            if self.column is not None:
                where.append(gettext("column %(column)s", column=self.column))
        else:
            if self.row is not None:
                where.append(gettext("line %(line)s", line=self.row))
            if self.column is not None:
                where.append(self.column)
        return f"{', '.join(where)}: {self.message}" if where else self.message


class FileProblems(Exception):
    """The file cannot be imported; ``problems`` says every reason found, each located."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class _Where:
    sheet: str | None
    row: int | None
    column: str | None

    def problem(self, message: str) -> Problem:
        return Problem(self.sheet, self.row, self.column, message)


@dataclass(frozen=True)
class _Cell:
    """A value read from a file and where it was. ``refused``: the reader already reported
    it (a formula, an over-long text), so the checks leave it alone."""

    value: object
    where: _Where
    refused: bool = False


_Record = dict  # field name -> _Cell


# --- Parsing -------------------------------------------------------------------------------


def parse(filename: str, data: bytes) -> dict:
    """The content of a checklist file (``.xlsx``, ``.yaml`` or ``.yml``), or :class:`FileProblems`."""
    ending = Path(filename or "").suffix.lower()
    if ending == ".xlsx":
        records, problems = _read_xlsx(data)
    elif ending in (".yaml", ".yml"):
        records, problems = _read_yaml(data)
    elif ending in (".xlsm", ".xltm", ".xlsb", ".xls"):
        raise FileProblems(
            [
                Problem(
                    None,
                    None,
                    None,
                    gettext(
                        "%(ending)s files are refused (they may hold macros): save the workbook as an "
                        "Excel workbook (.xlsx) and import that.",
                        ending=ending,
                    ),
                )
            ]
        )
    else:
        raise FileProblems(
            [Problem(None, None, None, gettext("Only Excel workbooks (.xlsx) and YAML files (.yaml, .yml) are read."))]
        )
    if records is None:
        raise FileProblems(problems)
    content = _Checker(problems).content(records)
    if problems:
        raise FileProblems(problems)
    return content


class _Checker:
    """Turns the cells read from a file into the content, adding a problem for each that is wrong."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def report(self, where: _Where, message: str) -> None:
        self.problems.append(where.problem(message))

    def content(self, records: dict) -> dict:
        head = records["checklist"]
        content = {
            "key": self.key(head.get("key"), _KEY, checklist=True),
            "title": self.text(head, "title", required=True, limit=MAX_TITLE_LENGTH),
            "description": self.text(head, "description"),
            "departments": self.departments(head.get("departments")),
            "scale": self.scale(head.get("scale")),
            "pass_threshold": self.pass_threshold(head.get("pass_threshold")),
            "grade_points": self.grade_points(head.get("grade_points")),
            "sections": [],
            "questions": [],
        }
        seen: set[str] = set()
        for record in records["sections"]:
            key = self.key(record.get("key"), _QUESTION_KEY)
            self.unique(record.get("key"), key, seen)
            content["sections"].append(
                {
                    "key": key,
                    "title": self.text(record, "title", required=True, limit=MAX_TITLE_LENGTH),
                    "weight": self.weight(record.get("weight")),
                }
            )
        sections = {section["key"] for section in content["sections"]}
        seen = set()
        for record in records["questions"]:
            key = self.key(record.get("key"), _QUESTION_KEY)
            self.unique(record.get("key"), key, seen)
            content["questions"].append(
                {
                    "key": key,
                    "section": self.section(record.get("section"), sections),
                    "text": self.text(record, "text", required=True),
                    "guidance": self.text(record, "guidance"),
                    "reference": self.plain_text(record.get("reference"), "reference"),
                    "weight": self.weight(record.get("weight")),
                    "must_pass": self.must_pass(record.get("must_pass")),
                }
            )
        if not content["questions"]:
            where = records.get("questions_where") or _Where(None, None, "questions")
            self.report(where, gettext("The checklist has no questions."))
        self.scoring_needs_scale(head.get("scale"), content)
        if not self.problems:
            try:
                to_checklist(content, version=1)
            except DefinitionError as error:
                self.report(_Where(None, None, None), gettext("The checklist is refused: %(reason)s", reason=error))
        return content

    # Values

    def value(self, cell: _Cell | None) -> object:
        """The cell's value, texts stripped; None when empty, absent or already reported."""
        if cell is None or cell.refused:
            return None
        value = cell.value
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def missing(self, cell: _Cell | None, field: str) -> None:
        # An absent cell is a column the reader found missing and reported once for the sheet.
        if cell is not None and not cell.refused:
            self.report(cell.where, _sentence(gettext("%(what)s is missing.", what=_WHAT[field])))

    def plain_text(self, cell: _Cell | None, field: str, *, required: bool = False, limit: int | None = None) -> str:
        value = self.value(cell)
        if value is None:
            if required:
                self.missing(cell, field)
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(cell.where, _sentence(gettext("%(what)s must be text.", what=_WHAT[field])))
            return ""
        text = _number_text(value) if not isinstance(value, str) else value
        if limit is not None and len(text) > limit:
            self.report(
                cell.where,
                _sentence(gettext("%(what)s is longer than %(limit)s characters.", what=_WHAT[field], limit=limit)),
            )
        return text

    def text(self, record: _Record, field: str, *, required: bool = False, limit: int | None = None) -> dict:
        return {
            language: self.plain_text(record.get(f"{field}_{language}"), field, required=required, limit=limit)
            for language in LANGUAGES
        }

    def key(self, cell: _Cell | None, pattern: re.Pattern, *, checklist: bool = False) -> str:
        key = self.plain_text(cell, "key", required=True)
        if key and (len(key) > MAX_KEY_LENGTH or not pattern.match(key)):
            if checklist:
                message = gettext(
                    "%(key)s is not a valid checklist key: lower-case letters, digits, '_' and '-', "
                    "in parts separated by dots (brand.showroom).",
                    key=key,
                )
            else:
                message = gettext(
                    "%(key)s is not a valid key: lower-case letters, digits, '_', '-' and '.', "
                    "starting with a letter or digit (ext-01).",
                    key=key,
                )
            self.report(cell.where, message)
        return key

    def unique(self, cell: _Cell | None, key: str, seen: set[str]) -> None:
        if key and key in seen:
            self.report(cell.where, gettext("The key %(key)s is used twice.", key=key))
        seen.add(key)

    def number(self, cell: _Cell | None, field: str) -> float | None:
        value = self.value(cell)
        if value is None:
            return None
        number = _number(value)
        if number is None:
            self.report(
                cell.where, _sentence(gettext("%(what)s is not a number: %(value)s.", what=_WHAT[field], value=value))
            )
        return number

    def weight(self, cell: _Cell | None) -> float:
        weight = self.number(cell, "weight")
        if weight is None:
            return 1.0
        if not weight > 0:
            self.report(cell.where, gettext("The weight must be a number greater than 0."))
        return weight

    def pass_threshold(self, cell: _Cell | None) -> float | None:
        value = self.value(cell)
        if isinstance(value, str) and value.endswith("%"):
            cell = _Cell(value[:-1], cell.where)
        threshold = self.number(cell, "pass_threshold")
        if threshold is not None and not 0 <= threshold <= 100:
            self.report(cell.where, gettext("The pass threshold must be a percent from 0 to 100."))
        return threshold

    def must_pass(self, cell: _Cell | None) -> bool:
        value = self.value(cell)
        if value is None or isinstance(value, bool):
            return bool(value)
        word = _number_text(value) if isinstance(value, int | float) else str(value)
        if word.lower() in _YES:
            return True
        if word.lower() in _NO:
            return False
        self.report(
            cell.where,
            gettext("%(value)s is not yes or no (yes/no, true/false, 1/0, 是/否).", value=word),
        )
        return False

    def scale(self, cell: _Cell | None) -> str:
        scale = self.plain_text(cell, "scale", required=True)
        if scale and scale not in SCALES:
            self.report(
                cell.where,
                gettext("Unknown scale %(scale)s: use one of %(scales)s.", scale=scale, scales=", ".join(SCALES)),
            )
        return scale

    def departments(self, cell: _Cell | None) -> list[str]:
        value = self.value(cell)
        if value is None:
            self.missing(cell, "departments")
            return []
        if isinstance(value, list | tuple):
            words = [str(word).strip() for word in value if str(word).strip()]
        elif isinstance(value, str):
            words = [word for word in _DEPARTMENT_SEPARATORS.split(value) if word]
        else:
            words = [str(value)]
        departments: list[str] = []
        for word in words:
            code = word.upper()
            if not _DEPARTMENT.match(code) or len(code) > 32:
                self.report(
                    cell.where,
                    gettext(
                        "%(value)s is not a department code (upper-case letters, digits and _, such as SALES).",
                        value=word,
                    ),
                )
            elif code not in departments:
                departments.append(code)
        if not words:
            self.missing(cell, "departments")
        return departments

    def grade_points(self, cell: _Cell | None) -> dict | None:
        value = self.value(cell)
        if value is None:
            return None
        if isinstance(value, Mapping):
            pairs = [(str(grade).strip(), fraction) for grade, fraction in value.items()]
        elif isinstance(value, str):
            pairs = []
            for part in _GRADE_POINT_SEPARATORS.split(value):
                if not part.strip():
                    continue
                grade, equals, fraction = part.replace(":", "=").partition("=")
                if not equals:
                    self.report(
                        cell.where,
                        gettext(
                            "%(value)s is not a grade and its points: write grade=fraction, such as minor_nc=0.5.",
                            value=part.strip(),
                        ),
                    )
                    continue
                pairs.append((grade.strip(), fraction.strip()))
        else:
            self.report(cell.where, gettext("The grade points must be written grade=fraction, such as minor_nc=0.5."))
            return None
        points = {}
        for grade, fraction in pairs:
            number = _number(fraction)
            if grade not in SCORED_GRADES:
                self.report(
                    cell.where,
                    gettext(
                        "Unknown grade %(grade)s: use one of %(grades)s.", grade=grade, grades=", ".join(SCORED_GRADES)
                    ),
                )
            elif number is None or not 0 <= number <= 1:
                self.report(cell.where, gettext("The points of %(grade)s must be a fraction from 0 to 1.", grade=grade))
            elif grade in points:
                self.report(cell.where, gettext("The grade %(grade)s is given twice.", grade=grade))
            else:
                points[grade] = number
        return points or None

    def section(self, cell: _Cell | None, sections: set[str]) -> str:
        section = self.plain_text(cell, "section")
        if section and section not in sections:
            self.report(
                cell.where,
                gettext("Unknown section %(section)s: it is not one of the checklist's sections.", section=section),
            )
        elif not section and sections and cell is not None and not cell.refused:
            self.report(
                cell.where, gettext("The section is missing: the checklist has sections, so each question names one.")
            )
        return section

    def scoring_needs_scale(self, cell: _Cell | None, content: dict) -> None:
        if content["scale"] != "grades":
            return
        if (
            content["pass_threshold"] is not None
            or content["grade_points"] is not None
            or any(q["must_pass"] or q["weight"] != 1 for q in content["questions"])
            or any(s["weight"] != 1 for s in content["sections"])
        ):
            self.report(
                cell.where if cell is not None else _Where(None, None, None),
                gettext(
                    "Weights, must-pass items, a pass threshold and grade points need a scored scale, "
                    "not grades (%(scales)s).",
                    scales=", ".join(scale for scale in SCALES if scale != "grades"),
                ),
            )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number(value: object) -> float | None:
    """A number from a cell: an int or float, or text such as ``1.5`` or ``1,5`` (a comma decimal,
    as spreadsheets in many locales type it; weights need no thousands separator)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", ".").replace("，", ".")
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _number_text(value: int | float) -> str:
    """A number typed where text is expected (a reference such as 8.5): as it was typed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- XLSX ----------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> tuple[dict | None, list[Problem]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    problems: list[Problem] = []
    not_workbook = [Problem(None, None, None, gettext("The file is not an Excel workbook (.xlsx)."))]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return None, not_workbook
    if unpacked > MAX_UNPACKED_BYTES:
        return None, [
            Problem(
                None,
                None,
                None,
                gettext(
                    "The workbook is too large once unpacked (more than %(limit)s MB).",
                    limit=MAX_UNPACKED_BYTES // (1024 * 1024),
                ),
            )
        ]
    try:
        # read_only: cells are streamed, not all kept; data_only=False: a formula stays a formula
        # (reported below), its cached result is never taken; keep_vba=False: macros are dropped.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_vba=False)
    except Exception:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors)
        return None, not_workbook
    try:
        sheets = {name.strip().lower(): name for name in workbook.sheetnames}
        records: dict = {"checklist": {}, "sections": [], "questions": []}
        found = True
        for wanted in (SHEET_CHECKLIST, SHEET_QUESTIONS):
            if wanted.lower() not in sheets:
                problems.append(Problem(wanted, None, None, gettext("The sheet %(sheet)s is missing.", sheet=wanted)))
                found = False
        if not found:
            return None, problems

        def rows(name: str, known: tuple[str, ...]):
            """(row number, [(letter, header, _Cell)]) of a sheet's rows after the header, of the
            columns the format knows: others (an auditor's notes, a computed column) are not read."""
            sheet = workbook[name]
            header: list[tuple[int, str, str]] = []
            for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_SHEET_ROWS + 1), 1):
                if number > MAX_SHEET_ROWS:
                    problems.append(
                        Problem(
                            name, number, None, gettext("The sheet has more than %(limit)s rows.", limit=MAX_SHEET_ROWS)
                        )
                    )
                    return
                if number == 1:
                    header = [
                        (index, get_column_letter(index + 1), str(cell.value).strip())
                        for index, cell in enumerate(row)
                        if cell.value is not None and _field(str(cell.value)) in known
                    ]
                    yield 1, header
                    continue
                cells = []
                for index, letter, label in header:
                    cell = row[index] if index < len(row) else None
                    where = _Where(name, number, f"{letter} ({label})")
                    cells.append((letter, label, _xlsx_cell(cell, where, problems)))
                if any(
                    c.value is not None and not (isinstance(c.value, str) and not c.value.strip()) for _, _, c in cells
                ):
                    yield number, cells
                elif any(c.refused for _, _, c in cells):
                    yield number, cells

        try:
            records["checklist"] = _read_checklist_sheet(
                rows(sheets[SHEET_CHECKLIST.lower()], ("field", "value")), problems
            )
            records["questions"] = _read_table(
                SHEET_QUESTIONS,
                rows(sheets[SHEET_QUESTIONS.lower()], QUESTION_FIELDS),
                QUESTION_FIELDS,
                MAX_QUESTIONS,
                problems,
            )
            records["questions_where"] = _Where(SHEET_QUESTIONS, None, None)
            if SHEET_SECTIONS.lower() in sheets:
                records["sections"] = _read_table(
                    SHEET_SECTIONS,
                    rows(sheets[SHEET_SECTIONS.lower()], SECTION_FIELDS),
                    SECTION_FIELDS,
                    MAX_SECTIONS,
                    problems,
                )
        except (SyntaxError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile, zlib.error):
            # A sheet's XML is read only now, row by row: a damaged one fails here, not when opened.
            return None, not_workbook
    finally:
        workbook.close()
    return records, problems


def _xlsx_cell(cell, where: _Where, problems: list[Problem]) -> _Cell:
    if cell is None or cell.value is None:
        return _Cell(None, where)
    # An array or data-table formula comes as an object, not as text.
    if cell.data_type == "f" or not isinstance(cell.value, str | int | float | bool | date | time):
        # Never evaluated: a formula's result could come from anywhere (another file, a web query).
        problems.append(where.problem(gettext("A formula: type the value itself.")))
        return _Cell(None, where, refused=True)
    value = cell.value
    if isinstance(value, datetime | date | time):
        # Excel turns some typed texts into dates (a reference such as 2024-1): read what it shows.
        value = (
            value.date().isoformat() if isinstance(value, datetime) and value.time() == time() else value.isoformat()
        )
    if isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
        problems.append(where.problem(gettext("Longer than %(limit)s characters.", limit=MAX_CELL_LENGTH)))
        return _Cell(None, where, refused=True)
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        # A cell formatted as a percent holds 0.85 for the 85% it shows.
        value = round(value * 100, 10)
    return _Cell(value, where)


def _field(label: str) -> str:
    """A header as a field name: case and spaces do not matter (``Text zh_CN`` is ``text_zh_CN``)."""
    wanted = re.sub(r"[\s-]+", "_", label.strip()).lower()
    for field in (*CHECKLIST_FIELDS, *QUESTION_FIELDS, "field", "value"):
        if field.lower() == wanted:
            return field
    return wanted


def _header_fields(sheet: str, header, problems: list[Problem]) -> dict[str, str]:
    """The header's labels by field, reporting a column given twice."""
    seen: dict[str, str] = {}
    for _index, letter, label in header:
        field = _field(label)
        if field in seen:
            problems.append(
                Problem(sheet, 1, f"{letter} ({label})", gettext("The column %(column)s appears twice.", column=label))
            )
        else:
            seen[field] = label
    return seen


def _read_table(sheet: str, rows, fields: tuple[str, ...], limit: int, problems: list[Problem]) -> list[_Record]:
    records: list[_Record] = []
    for number, cells in rows:
        if number == 1:
            present = _header_fields(sheet, cells, problems)
            for field in REQUIRED_COLUMNS[sheet]:
                if field not in present:
                    problems.append(
                        Problem(
                            sheet,
                            1,
                            field,
                            gettext(
                                "The column %(column)s is missing "
                                "(each text has a column per language: %(languages)s).",
                                column=field,
                                languages=", ".join(LANGUAGES),
                            ),
                        )
                    )
            continue
        if len(records) >= limit:
            problems.append(
                Problem(sheet, number, None, gettext("More than %(limit)s rows: split the checklist.", limit=limit))
            )
            break
        record: _Record = {}
        for _letter, label, cell in cells:
            field = _field(label)
            # Columns the format does not know (an auditor's notes) are left out, not refused.
            if field in fields and field not in record:
                record[field] = cell
        for field in fields:
            if field not in record:
                # A missing required column was reported once for the sheet, not again per row.
                required = field in REQUIRED_COLUMNS[sheet]
                record[field] = _Cell(None, _Where(sheet, number, field), refused=required)
        records.append(record)
    return records


def _read_checklist_sheet(rows, problems: list[Problem]) -> _Record:
    """The Checklist sheet: a row per field, its name under ``field`` and its value under ``value``."""
    sheet = SHEET_CHECKLIST
    record: _Record = {}
    columns: dict[str, str] = {}
    for number, cells in rows:
        if number == 1:
            columns = _header_fields(sheet, cells, problems)
            for field in ("field", "value"):
                if field not in columns:
                    problems.append(
                        Problem(sheet, 1, field, gettext("The column %(column)s is missing.", column=field))
                    )
            continue
        by_field = {_field(label): cell for _letter, label, cell in cells}
        name_cell, value_cell = by_field.get("field"), by_field.get("value")
        if name_cell is None or value_cell is None:
            break
        name = name_cell.value.strip() if isinstance(name_cell.value, str) else name_cell.value
        if name is None or name == "":
            continue
        field = _field(str(name))
        if field not in CHECKLIST_FIELDS:
            problems.append(
                name_cell.where.problem(
                    gettext("Unknown field %(field)s: use %(fields)s.", field=name, fields=", ".join(CHECKLIST_FIELDS))
                )
            )
        elif field in record:
            problems.append(name_cell.where.problem(gettext("The field %(field)s is given twice.", field=name)))
        else:
            record[field] = value_cell
    if columns.keys() >= {"field", "value"}:
        for field in CHECKLIST_FIELDS:
            if field in record:
                continue
            required = field in REQUIRED_FIELDS
            if required:
                problems.append(Problem(sheet, None, None, gettext("The row %(field)s is missing.", field=field)))
            record[field] = _Cell(None, _Where(sheet, None, field), refused=required)
    return record


# --- YAML ----------------------------------------------------------------------------------


def _read_yaml(data: bytes) -> tuple[dict | None, list[Problem]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(None, None, None, gettext("The file is not UTF-8 text."))]
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            # An alias repeats a part by reference: a few nested ones make a file that expands
            # into billions of values ("billion laughs"). A checklist never needs one.
            if isinstance(event, yaml.AliasEvent):
                return None, [
                    Problem(
                        None,
                        event.start_mark.line + 1,
                        None,
                        gettext("Anchors and aliases (& and *) are not allowed: write each value out."),
                    )
                ]
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        # safe_load only: a tag such as !!python/object is refused, never constructed.
        loaded = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        if isinstance(error, yaml.constructor.ConstructorError):
            message = gettext("A tag (such as !!python/object) is not allowed: write plain values only.")
        else:
            message = gettext("The file is not valid YAML: %(reason)s.", reason=error.problem or error)
        return None, [Problem(None, line, None, message)]
    except yaml.YAMLError as error:
        return None, [Problem(None, None, None, gettext("The file is not valid YAML: %(reason)s.", reason=error))]
    lines: dict[tuple, int] = {}
    twice: list[tuple[tuple, int]] = []
    if node is not None:
        _node_lines(node, (), lines, twice)
    reader = _YamlReader(lines)
    for path, line in twice:
        where = reader.where(path)
        reader.problems.append(
            Problem(None, line, where.column, gettext("The field %(field)s is given twice.", field=path[-1]))
        )
    return reader.records(loaded)


def _node_lines(node, path: tuple, lines: dict, twice: list) -> None:
    """The line of each path (a mapping's entry: the line of its key), and the paths of keys
    given twice in one mapping (safe_load would silently keep the last)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _node_lines(value, (*path, key.value), lines, twice)
                lines[(*path, key.value)] = key.start_mark.line + 1
                if key.value in seen:
                    twice.append(((*path, key.value), key.start_mark.line + 1))
                seen.add(key.value)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, (*path, index), lines, twice)


class _YamlReader:
    def __init__(self, lines: dict):
        self.lines = lines
        self.problems: list[Problem] = []

    def where(self, path: tuple) -> _Where:
        line = None
        for length in range(len(path), -1, -1):
            line = self.lines.get(path[:length])
            if line is not None:
                break
        shown = ""
        for part in path:
            # Items are counted from 1, as people count them.
            shown += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if shown else str(part))
        return _Where(None, line, shown or None)

    def records(self, loaded) -> tuple[dict | None, list[Problem]]:
        if not isinstance(loaded, dict):
            self.problems.append(
                _Where(None, 1, None).problem(
                    gettext("The file must hold one checklist: a mapping of key, title, scale, sections and questions.")
                )
            )
            return None, self.problems
        top = ("key", "title", "description", "departments", "scale", "pass_threshold", "grade_points")
        records: dict = {
            "checklist": self.record(loaded, (), top, ("title", "description")),
            "sections": [],
            "questions": [],
            "questions_where": self.where(("questions",)),
        }
        for name, fields, texts in (
            ("sections", ("key", "title", "weight"), ("title",)),
            (
                "questions",
                ("key", "section", "text", "guidance", "reference", "weight", "must_pass"),
                ("text", "guidance"),
            ),
        ):
            items = loaded.get(name)
            if items is None:
                continue
            if not isinstance(items, list):
                self.problems.append(self.where((name,)).problem(gettext("%(name)s must be a list.", name=name)))
                continue
            limit = MAX_QUESTIONS if name == "questions" else MAX_SECTIONS
            if len(items) > limit:
                self.problems.append(
                    self.where((name,)).problem(gettext("More than %(limit)s rows: split the checklist.", limit=limit))
                )
                return None, self.problems
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    self.problems.append(
                        self.where((name, index)).problem(
                            gettext("Each item must be a mapping of %(fields)s.", fields=", ".join(fields))
                        )
                    )
                    continue
                records[name].append(self.record(item, (name, index), fields, texts))
        return records, self.problems

    def record(self, mapping: dict, path: tuple, fields: tuple, texts: tuple) -> _Record:
        allowed = {*fields, "sections", "questions"} if not path else set(fields)
        for name in mapping:
            if name not in allowed:
                self.problems.append(
                    self.where((*path, name)).problem(
                        gettext("Unknown field %(field)s: use %(fields)s.", field=name, fields=", ".join(fields))
                    )
                )
        record: _Record = {}
        for name in fields:
            value = mapping.get(name)
            if name in texts:
                record.update(self.texts(value, (*path, name)))
            else:
                record[name] = self.cell(value, (*path, name))
        return record

    def texts(self, value, path: tuple) -> _Record:
        name = path[-1]
        cells = {f"{name}_{language}": _Cell(None, self.where((*path, language))) for language in LANGUAGES}
        if value is None:
            return cells
        if not isinstance(value, dict):
            self.problems.append(
                self.where(path).problem(
                    gettext("Give the text in each language: %(example)s.", example="{en: …, zh_CN: …}")
                )
            )
            return {field: _Cell(None, cell.where, refused=True) for field, cell in cells.items()}
        for language, text in value.items():
            if language not in LANGUAGES:
                self.problems.append(
                    self.where((*path, language)).problem(
                        gettext(
                            "Unknown language %(language)s: use %(languages)s.",
                            language=language,
                            languages=", ".join(LANGUAGES),
                        )
                    )
                )
            else:
                cells[f"{name}_{language}"] = self.cell(text, (*path, language))
        return cells

    def cell(self, value, path: tuple) -> _Cell:
        where = self.where(path)
        if isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
            self.problems.append(where.problem(gettext("Longer than %(limit)s characters.", limit=MAX_CELL_LENGTH)))
            return _Cell(None, where, refused=True)
        return _Cell(value, where)


# --- The product's value -------------------------------------------------------------------


def _language_of_reader() -> str | None:
    shown = get_locale()
    if shown is None:
        return None
    for code in LANGUAGES:
        if Locale.parse(code) == shown:
            return code
    for code in LANGUAGES:
        if Locale.parse(code).language == shown.language:
            return code
    return None


def _in_reader_language(texts: Mapping[str, str]) -> str:
    """The text in the reader's language, else in English, else in Chinese."""
    for code in (_language_of_reader(), *LANGUAGES):
        if code is not None and texts.get(code):
            return texts[code]
    return ""


def _lazy(texts: Mapping[str, str]) -> LazyString:
    return LazyString(_in_reader_language, dict(texts))


def to_checklist(content: dict, *, version: int) -> Checklist:
    """The checklist a content describes, its texts in the language of whoever reads them.

    Raises :class:`DefinitionError` for what the product's checklists refuse (``parse``
    reports it as a problem of the file)."""
    sections = [
        Section(key=section["key"], title=_lazy(section["title"]), weight=section["weight"])
        for section in content["sections"]
    ]
    questions = [
        Question(
            key=question["key"],
            section=question["section"],
            text=_lazy(question["text"]),
            guidance=_lazy(question["guidance"]) if any(question["guidance"].values()) else "",
            reference=question["reference"],
            weight=question["weight"],
            must_pass=question["must_pass"],
        )
        for question in content["questions"]
    ]
    departments = content["departments"]
    return Checklist(
        key=content["key"],
        title=_lazy(content["title"]),
        description=_lazy(content["description"]) if any(content["description"].values()) else "",
        area=departments[0] if departments else "",
        version=version,
        sections=sections,
        questions=questions,
        scale=content["scale"],
        pass_threshold=content["pass_threshold"],
        grade_points=content["grade_points"],
    )


def _canonical(value):
    # 1 and 1.0 are the same weight: the hash must not tell them apart.
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def content_hash(content: dict) -> str:
    """The SHA-256 (hex) of the content: the same checklist has the same hash, from whatever file."""
    canonical = json.dumps(_canonical(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- Writing -------------------------------------------------------------------------------

YAML_HEADER = """\
# A dealerqms checklist library (docs/checklists.md describes every field).
# Texts are given in each language: {en: ..., zh_CN: ...}. Import it with
# `dealerqms checklists import FILE` or on the web; a changed file makes a new version.
"""


def _plain(number: float) -> int | float:
    # Weights of 20 read better than 20.0; parse makes them floats again.
    return int(number) if float(number).is_integer() else number


def _friendly(content: dict) -> dict:
    """The content as a person would write it: defaults (empty guidance, no section) left out."""
    out = {
        "key": content["key"],
        "title": dict(content["title"]),
    }
    if any(content["description"].values()):
        out["description"] = dict(content["description"])
    out["departments"] = list(content["departments"])
    out["scale"] = content["scale"]
    if content["pass_threshold"] is not None:
        out["pass_threshold"] = _plain(content["pass_threshold"])
    if content["grade_points"]:
        out["grade_points"] = {grade: _plain(points) for grade, points in content["grade_points"].items()}
    if content["sections"]:
        out["sections"] = [
            {"key": s["key"], "title": dict(s["title"]), "weight": _plain(s["weight"])} for s in content["sections"]
        ]
    questions = []
    for q in content["questions"]:
        item = {"key": q["key"]}
        if q["section"]:
            item["section"] = q["section"]
        item["text"] = dict(q["text"])
        if any(q["guidance"].values()):
            item["guidance"] = dict(q["guidance"])
        if q["reference"]:
            item["reference"] = q["reference"]
        item["weight"] = _plain(q["weight"])
        item["must_pass"] = q["must_pass"]
        questions.append(item)
    out["questions"] = questions
    return out


def to_yaml(content: dict) -> str:
    """The content as a YAML file that :func:`parse` reads back to the same content."""
    body = yaml.safe_dump(_friendly(content), allow_unicode=True, sort_keys=False, width=100)
    return YAML_HEADER + body


# What each column means, shown as a note on its header and in the Checklist sheet's notes.
_COLUMN_NOTES = {
    "key": _l("Lower-case letters, digits, '-', '_' and '.'; unique. Keep it when the text changes."),
    "title": _l("The title in each language (…_en, …_zh_CN); both are required."),
    "description": _l("What the checklist covers, in each language (optional)."),
    "departments": _l("Department codes separated by commas (SALES, AFTERSALES …); the first is the checklist's area."),
    "scale": _l("grades, yes_no, points_0_2, points_0_3 or percent."),
    "pass_threshold": _l("The percent an audit needs to pass (0–100), or empty."),
    "grade_points": _l("Optional: what each grade earns of an item's points, such as minor_nc=0.5; ofi=0.5."),
    "section": _l("The key of a section on the Sections sheet (required when there are sections)."),
    "text": _l("The question in each language (text_en, text_zh_CN); both are required."),
    "guidance": _l("What the auditor looks at, in each language (optional)."),
    "reference": _l("The clause or manual section checked against (optional)."),
    "weight": _l("A number greater than 0; empty means 1."),
    "must_pass": _l("yes or no: failing a must-pass item fails the audit whatever the score."),
}


def _note(field: str) -> str:
    for language in LANGUAGES:
        field = field.removesuffix(f"_{language}")
    return str(_COLUMN_NOTES.get(field, ""))


def to_xlsx(content: dict) -> bytes:
    """The content as a workbook of the documented layout, which :func:`parse` reads back to the
    same content. Every text is written as text (never a formula, even one starting with ``=``)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(sheet, row: int, column: int, value) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        if value is None or value == "":
            return
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            # Text, never a formula: openpyxl would otherwise store "=…" as one.
            cell.data_type = "s"
        else:
            cell.value = value
        cell.alignment = wrap

    def table(sheet, header: list[str], rows: list[list], widths: dict[str, int]) -> None:
        for column, label in enumerate(header, 1):
            put(sheet, 1, column, label)
            cell = sheet.cell(row=1, column=column)
            cell.font = bold
            note = _note(label)
            if note:
                cell.comment = Comment(note, "dealerqms")
            sheet.column_dimensions[get_column_letter(column)].width = widths.get(label, 14)
        for number, row in enumerate(rows, 2):
            for column, value in enumerate(row, 1):
                put(sheet, number, column, value)
        sheet.freeze_panes = "A2"

    head = workbook.active
    head.title = SHEET_CHECKLIST
    values = {
        "key": content["key"],
        **{f"title_{lang}": content["title"].get(lang, "") for lang in LANGUAGES},
        **{f"description_{lang}": content["description"].get(lang, "") for lang in LANGUAGES},
        "departments": ", ".join(content["departments"]),
        "scale": content["scale"],
        "pass_threshold": content["pass_threshold"],
        "grade_points": "; ".join(f"{g}={_number_text(f)}" for g, f in (content["grade_points"] or {}).items()),
    }
    table(
        head,
        ["field", "value", "notes"],
        [[field, values[field], _note(field)] for field in CHECKLIST_FIELDS],
        {"field": 20, "value": 50, "notes": 70},
    )
    scale_row = CHECKLIST_FIELDS.index("scale") + 2
    scales = DataValidation(type="list", formula1='"' + ",".join(SCALES) + '"', allow_blank=False)
    head.add_data_validation(scales)
    scales.add(f"B{scale_row}")

    sections = workbook.create_sheet(SHEET_SECTIONS)
    table(
        sections,
        list(SECTION_FIELDS),
        [[s["key"], *(s["title"].get(lang, "") for lang in LANGUAGES), s["weight"]] for s in content["sections"]],
        {"key": 16, "title_en": 40, "title_zh_CN": 30, "weight": 10},
    )

    questions = workbook.create_sheet(SHEET_QUESTIONS)
    table(
        questions,
        list(QUESTION_FIELDS),
        [
            [
                q["key"],
                q["section"],
                *(q["text"].get(lang, "") for lang in LANGUAGES),
                *(q["guidance"].get(lang, "") for lang in LANGUAGES),
                q["reference"],
                q["weight"],
                "yes" if q["must_pass"] else "no",
            ]
            for q in content["questions"]
        ],
        {
            "key": 12,
            "section": 14,
            "text_en": 50,
            "text_zh_CN": 40,
            "guidance_en": 50,
            "guidance_zh_CN": 40,
            "reference": 24,
            "weight": 9,
            "must_pass": 11,
        },
    )
    last = max(len(content["questions"]) + 1, 200)
    yes_no = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    questions.add_data_validation(yes_no)
    must_pass_column = get_column_letter(QUESTION_FIELDS.index("must_pass") + 1)
    yes_no.add(f"{must_pass_column}2:{must_pass_column}{last}")

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- Shipped files -------------------------------------------------------------------------


def _shipped(name: str, kind: str) -> bytes:
    data = (FILES / name).read_bytes()
    if kind == "yaml":
        return data
    if kind == "xlsx":
        return to_xlsx(parse(name, data))
    raise ValueError(f"kind must be xlsx or yaml, not {kind!r}")


def template(kind: str) -> bytes:
    """An empty documented template to fill in: one example section and question."""
    return _shipped("template.yaml", kind)


def example(kind: str) -> bytes:
    """The example brand standard shipped with the product (a dealership showroom standard)."""
    return _shipped("showroom-standard.yaml", kind)
