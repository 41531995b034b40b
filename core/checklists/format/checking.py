"""The checks that turn the values read from a file into the content, one located problem for each wrong value."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from flask_babel import gettext

from core.checklists.format.fields import (
    DEPARTMENT,
    DEPARTMENT_SEPARATORS,
    GRADE_POINT_SEPARATORS,
    LANGUAGES,
    NO,
    WHAT,
    YES,
    Cell,
    Problem,
    Record,
    Where,
)
from core.checklists.format.value import to_checklist
from core.plugin_engine.types import (
    _KEY,
    _QUESTION_KEY,
    MAX_KEY_LENGTH,
    MAX_TITLE_LENGTH,
    SCALES,
    SCORED_GRADES,
    DefinitionError,
)


class Checker:
    """Turns the cells read from a file into the content, adding a problem for each that is wrong."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def report(self, where: Where, message: str) -> None:
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
            where = records.get("questions_where") or Where(None, None, "questions")
            self.report(where, gettext("The checklist has no questions."))
        self.scoring_needs_scale(head.get("scale"), content)
        if not self.problems:
            try:
                to_checklist(content, version=1)
            except DefinitionError as error:
                self.report(Where(None, None, None), gettext("The checklist is refused: %(reason)s", reason=error))
        return content

    # Values

    def value(self, cell: Cell | None) -> object:
        """The cell's value, texts stripped; None when empty, absent or already reported."""
        if cell is None or cell.refused:
            return None
        value = cell.value
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    def missing(self, cell: Cell | None, field: str) -> None:
        # An absent cell is a column the reader found missing and reported once for the sheet.
        if cell is not None and not cell.refused:
            self.report(cell.where, sentence(gettext("%(what)s is missing.", what=WHAT[field])))

    def plain_text(self, cell: Cell | None, field: str, *, required: bool = False, limit: int | None = None) -> str:
        value = self.value(cell)
        if value is None:
            if required:
                self.missing(cell, field)
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(cell.where, sentence(gettext("%(what)s must be text.", what=WHAT[field])))
            return ""
        text = number_as_text(value) if not isinstance(value, str) else value
        if limit is not None and len(text) > limit:
            self.report(
                cell.where,
                sentence(gettext("%(what)s is longer than %(limit)s characters.", what=WHAT[field], limit=limit)),
            )
        return text

    def text(self, record: Record, field: str, *, required: bool = False, limit: int | None = None) -> dict:
        return {
            language: self.plain_text(record.get(f"{field}_{language}"), field, required=required, limit=limit)
            for language in LANGUAGES
        }

    def key(self, cell: Cell | None, pattern: re.Pattern, *, checklist: bool = False) -> str:
        key = self.plain_text(cell, "key", required=True)
        # A checklist's key has a dot, like a plugin's (owner.name): the API's checklist addresses
        # take dotted keys only, so an undotted one could be imported and never reached.
        if key and (len(key) > MAX_KEY_LENGTH or not pattern.match(key) or (checklist and "." not in key)):
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

    def unique(self, cell: Cell | None, key: str, seen: set[str]) -> None:
        if key and key in seen:
            self.report(cell.where, gettext("The key %(key)s is used twice.", key=key))
        seen.add(key)

    def number(self, cell: Cell | None, field: str) -> float | None:
        value = self.value(cell)
        if value is None:
            return None
        number = as_number(value)
        if number is None:
            self.report(
                cell.where, sentence(gettext("%(what)s is not a number: %(value)s.", what=WHAT[field], value=value))
            )
        return number

    def weight(self, cell: Cell | None) -> float:
        weight = self.number(cell, "weight")
        if weight is None:
            return 1.0
        if not weight > 0:
            self.report(cell.where, gettext("The weight must be a number greater than 0."))
        return weight

    def pass_threshold(self, cell: Cell | None) -> float | None:
        value = self.value(cell)
        if isinstance(value, str) and value.endswith("%"):
            cell = Cell(value[:-1], cell.where)
        threshold = self.number(cell, "pass_threshold")
        if threshold is not None and not 0 <= threshold <= 100:
            self.report(cell.where, gettext("The pass threshold must be a percent from 0 to 100."))
        return threshold

    def must_pass(self, cell: Cell | None) -> bool:
        value = self.value(cell)
        if value is None or isinstance(value, bool):
            return bool(value)
        word = number_as_text(value) if isinstance(value, int | float) else str(value)
        if word.lower() in YES:
            return True
        if word.lower() in NO:
            return False
        self.report(
            cell.where,
            gettext("%(value)s is not yes or no (yes/no, true/false, 1/0, 是/否).", value=word),
        )
        return False

    def scale(self, cell: Cell | None) -> str:
        scale = self.plain_text(cell, "scale", required=True)
        if scale and scale not in SCALES:
            self.report(
                cell.where,
                gettext("Unknown scale %(scale)s: use one of %(scales)s.", scale=scale, scales=", ".join(SCALES)),
            )
        return scale

    def departments(self, cell: Cell | None) -> list[str]:
        value = self.value(cell)
        if value is None:
            self.missing(cell, "departments")
            return []
        if isinstance(value, list | tuple):
            words = [str(word).strip() for word in value if str(word).strip()]
        elif isinstance(value, str):
            words = [word for word in DEPARTMENT_SEPARATORS.split(value) if word]
        else:
            words = [str(value)]
        departments: list[str] = []
        for word in words:
            code = word.upper()
            if not DEPARTMENT.match(code) or len(code) > 32:
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

    def grade_points(self, cell: Cell | None) -> dict | None:
        value = self.value(cell)
        if value is None:
            return None
        if isinstance(value, Mapping):
            pairs = [(str(grade).strip(), fraction) for grade, fraction in value.items()]
        elif isinstance(value, str):
            pairs = []
            for part in GRADE_POINT_SEPARATORS.split(value):
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
            number = as_number(fraction)
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

    def section(self, cell: Cell | None, sections: set[str]) -> str:
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

    def scoring_needs_scale(self, cell: Cell | None, content: dict) -> None:
        if content["scale"] != "grades":
            return
        if (
            content["pass_threshold"] is not None
            or content["grade_points"] is not None
            or any(q["must_pass"] or q["weight"] != 1 for q in content["questions"])
            or any(s["weight"] != 1 for s in content["sections"])
        ):
            self.report(
                cell.where if cell is not None else Where(None, None, None),
                gettext(
                    "Weights, must-pass items, a pass threshold and grade points need a scored scale, "
                    "not grades (%(scales)s).",
                    scales=", ".join(scale for scale in SCALES if scale != "grades"),
                ),
            )


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def as_number(value: object) -> float | None:
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


def number_as_text(value: int | float) -> str:
    """A number typed where text is expected (a reference such as 8.5): as it was typed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
