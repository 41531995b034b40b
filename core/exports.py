"""Spreadsheet downloads of what a page lists: rows → a CSV or an XLSX answer.

Every export of the product goes through here, so that none can smuggle a formula into the
reader's spreadsheet (OWASP "CSV injection"): text that a spreadsheet would run — starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return — is written

- in CSV with a leading ``'`` (``=SUM(1)`` becomes ``'=SUM(1)``), which spreadsheets show as text;
- in XLSX as it was typed, in a cell typed as a string (never a formula): openpyxl would
  otherwise store any ``str`` starting with ``=`` as a formula.

Text that is a plain number (``-5``, ``+1.5``) runs nothing and is left as it is.

Values are written as the reader reads them on the page: a stored time on the reader's clock
(:mod:`core.times`), a date as it is; in XLSX they stay dates, so a spreadsheet sorts them.
The caller gives labels (already in the reader's language) for the header and for codes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Response, stream_with_context

from core.times import viewer_zone, when

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's limit on a sheet's name, and the characters it refuses there.
SHEET_TITLE_LENGTH = 31
SHEET_TITLE_REFUSED = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass
class Sheet:
    """One table of an export: its title (a sheet's name in XLSX), header and rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]


def looks_like_formula(text: str) -> bool:
    if not text.startswith(FORMULA_STARTS):
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def csv_text(value: object) -> str:
    """A value as a CSV cell: times on the reader's clock, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (datetime, date)):
        return when(value)
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The CSV text row by row, of cells already made text by :func:`csv_text`. It starts with
    a byte-order mark: without one, Excel reads UTF-8 as the local code page (mojibake Chinese)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    yield _drain(buffer)
    for row in rows:
        writer.writerow(row)
        yield _drain(buffer)


def _attachment(filename: str) -> dict:
    # Names are built from keys and references (ASCII): no RFC 5987 encoding needed.
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in filename)
    return {"Content-Disposition": f'attachment; filename="{safe}"'}


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    """The rows as a CSV download, its text streamed. The rows are read first, while the view's
    database session is open: the records they come from cannot be loaded once it has ended."""
    cells = [[csv_text(value) for value in row] for row in rows]
    return Response(
        stream_with_context(csv_lines([csv_text(label) for label in header], cells)),
        mimetype=CSV_TYPE,
        headers=_attachment(filename),
    )


def _xlsx_cell(sheet, value: object):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        cell = WriteOnlyCell(sheet, value=moment.astimezone(viewer_zone()).replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if value is None or isinstance(value, (bool, int, float)):
        return WriteOnlyCell(sheet, value=value)
    # Control characters are not allowed in the XML of a sheet.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    # Always text: a str starting with "=" would otherwise be stored as a formula.
    cell.data_type = "s"
    return cell


def sheet_title(title: str) -> str:
    return (title.translate(SHEET_TITLE_REFUSED).strip() or "Sheet")[:SHEET_TITLE_LENGTH]


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of ``sheets``, written row by row (openpyxl's write-only mode keeps no cells)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for table in sheets:
        sheet = workbook.create_sheet(sheet_title(table.title))
        sheet.freeze_panes = "A2"
        header = []
        for label in table.header:
            cell = _xlsx_cell(sheet, label)
            cell.font = Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> Response:
    return Response(xlsx_bytes(sheets), mimetype=XLSX_TYPE, headers=_attachment(filename))


def download(kind: str, filename: str, sheets: Sequence[Sheet]) -> Response:
    """``kind`` ``csv`` (the first sheet: CSV has one table) or ``xlsx`` (every sheet), named
    ``filename`` plus the ending."""
    if kind == "csv":
        return csv_response(f"{filename}.csv", sheets[0].header, sheets[0].rows)
    return xlsx_response(f"{filename}.xlsx", sheets)
