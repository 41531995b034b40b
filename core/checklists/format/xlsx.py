"""Checklist workbooks (.xlsx): read with openpyxl without evaluating formulas or loading macros, and written back."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from datetime import date, datetime, time

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from core.checklists.format.checking import number_as_text
from core.checklists.format.fields import (
    CHECKLIST_FIELDS,
    LANGUAGES,
    MAX_CELL_LENGTH,
    MAX_COLUMNS,
    MAX_QUESTIONS,
    MAX_SECTIONS,
    MAX_SHEET_ROWS,
    MAX_UNPACKED_BYTES,
    QUESTION_FIELDS,
    REQUIRED_COLUMNS,
    REQUIRED_FIELDS,
    SECTION_FIELDS,
    SHEET_CHECKLIST,
    SHEET_QUESTIONS,
    SHEET_SECTIONS,
    Cell,
    Problem,
    Record,
    Where,
)
from core.plugin_engine.types import (
    SCALES,
)

# --- XLSX ----------------------------------------------------------------------------------


def read_xlsx(data: bytes) -> tuple[dict | None, list[Problem]]:
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
            """(row number, [(letter, header, Cell)]) of a sheet's rows after the header, of the
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
                        if cell.value is not None and field_of(str(cell.value)) in known
                    ]
                    yield 1, header
                    continue
                cells = []
                for index, letter, label in header:
                    cell = row[index] if index < len(row) else None
                    where = Where(name, number, f"{letter} ({label})")
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
            records["questions_where"] = Where(SHEET_QUESTIONS, None, None)
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


def _xlsx_cell(cell, where: Where, problems: list[Problem]) -> Cell:
    if cell is None or cell.value is None:
        return Cell(None, where)
    # An array or data-table formula comes as an object, not as text.
    if cell.data_type == "f" or not isinstance(cell.value, str | int | float | bool | date | time):
        # Never evaluated: a formula's result could come from anywhere (another file, a web query).
        problems.append(where.problem(gettext("A formula: type the value itself.")))
        return Cell(None, where, refused=True)
    value = cell.value
    if isinstance(value, datetime | date | time):
        # Excel turns some typed texts into dates (a reference such as 2024-1): read what it shows.
        value = (
            value.date().isoformat() if isinstance(value, datetime) and value.time() == time() else value.isoformat()
        )
    if isinstance(value, str) and len(value) > MAX_CELL_LENGTH:
        problems.append(where.problem(gettext("Longer than %(limit)s characters.", limit=MAX_CELL_LENGTH)))
        return Cell(None, where, refused=True)
    if isinstance(value, int | float) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        # A cell formatted as a percent holds 0.85 for the 85% it shows.
        value = round(value * 100, 10)
    return Cell(value, where)


def field_of(label: str) -> str:
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
        field = field_of(label)
        if field in seen:
            problems.append(
                Problem(sheet, 1, f"{letter} ({label})", gettext("The column %(column)s appears twice.", column=label))
            )
        else:
            seen[field] = label
    return seen


def _read_table(sheet: str, rows, fields: tuple[str, ...], limit: int, problems: list[Problem]) -> list[Record]:
    records: list[Record] = []
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
        record: Record = {}
        for _letter, label, cell in cells:
            field = field_of(label)
            # Columns the format does not know (an auditor's notes) are left out, not refused.
            if field in fields and field not in record:
                record[field] = cell
        for field in fields:
            if field not in record:
                # A missing required column was reported once for the sheet, not again per row.
                required = field in REQUIRED_COLUMNS[sheet]
                record[field] = Cell(None, Where(sheet, number, field), refused=required)
        records.append(record)
    return records


def _read_checklist_sheet(rows, problems: list[Problem]) -> Record:
    """The Checklist sheet: a row per field, its name under ``field`` and its value under ``value``."""
    sheet = SHEET_CHECKLIST
    record: Record = {}
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
        by_field = {field_of(label): cell for _letter, label, cell in cells}
        name_cell, value_cell = by_field.get("field"), by_field.get("value")
        if name_cell is None or value_cell is None:
            break
        name = name_cell.value.strip() if isinstance(name_cell.value, str) else name_cell.value
        if name is None or name == "":
            continue
        field = field_of(str(name))
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
            record[field] = Cell(None, Where(sheet, None, field), refused=required)
    return record


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
        "grade_points": "; ".join(f"{g}={number_as_text(f)}" for g, f in (content["grade_points"] or {}).items()),
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
