"""What a checklist file holds (fields, columns, limits) and where a problem in it is."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext, lazy_gettext

_l = lazy_gettext

# Each text has one value per language: a column per language in XLSX, a mapping in YAML.
LANGUAGES = ("en", "zh_CN")
FILES = Path(__file__).parent.parent / "files"
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

DEPARTMENT = re.compile(r"^[A-Z][A-Z0-9_]*$")
DEPARTMENT_SEPARATORS = re.compile(r"[,，;；\s]+")
GRADE_POINT_SEPARATORS = re.compile(r"[;；\n]+")
YES = {"yes", "true", "1", "y", "是"}
NO = {"no", "false", "0", "n", "否", ""}

SHEET_CHECKLIST = "Checklist"
SHEET_SECTIONS = "Sections"
SHEET_QUESTIONS = "Questions"


def texts_of(name: str) -> tuple[str, ...]:
    return tuple(f"{name}_{language}" for language in LANGUAGES)


# The fields of each part, flat (a text's languages as ``title_en``, ``title_zh_CN``): the
# spreadsheet's columns, and what the YAML mappings are read into.
CHECKLIST_FIELDS = (
    "key",
    *texts_of("title"),
    *texts_of("description"),
    "departments",
    "scale",
    "pass_threshold",
    "grade_points",
)
SECTION_FIELDS = ("key", *texts_of("title"), "weight")
QUESTION_FIELDS = ("key", "section", *texts_of("text"), *texts_of("guidance"), "reference", "weight", "must_pass")
# Columns a sheet must have; the others may be left out (their defaults apply).
REQUIRED_COLUMNS = {
    SHEET_SECTIONS: ("key", *texts_of("title")),
    SHEET_QUESTIONS: ("key", *texts_of("text")),
}

# The Checklist sheet's rows that must be there.
REQUIRED_FIELDS = ("key", *texts_of("title"), "departments", "scale")

# What each field is, for messages ("the question text is missing.") and the spreadsheet's notes.
WHAT = {
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
class Where:
    sheet: str | None
    row: int | None
    column: str | None

    def problem(self, message: str) -> Problem:
        return Problem(self.sheet, self.row, self.column, message)


@dataclass(frozen=True)
class Cell:
    """A value read from a file and where it was. ``refused``: the reader already reported
    it (a formula, an over-long text), so the checks leave it alone."""

    value: object
    where: Where
    refused: bool = False


Record = dict  # field name -> Cell
