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

from pathlib import Path

from flask_babel import gettext

from core.checklists.format.checking import Checker
from core.checklists.format.fields import FILES, LANGUAGES, XLSX_TYPE, FileProblems, Problem
from core.checklists.format.value import content_hash, to_checklist
from core.checklists.format.xlsx import read_xlsx, to_xlsx
from core.checklists.format.yaml_text import read_yaml, to_yaml

__all__ = [
    "LANGUAGES",
    "XLSX_TYPE",
    "FileProblems",
    "Problem",
    "content_hash",
    "example",
    "parse",
    "template",
    "to_checklist",
    "to_xlsx",
    "to_yaml",
]

# --- Parsing -------------------------------------------------------------------------------


def parse(filename: str, data: bytes) -> dict:
    """The content of a checklist file (``.xlsx``, ``.yaml`` or ``.yml``), or :class:`FileProblems`."""
    ending = Path(filename or "").suffix.lower()
    if ending == ".xlsx":
        records, problems = read_xlsx(data)
    elif ending in (".yaml", ".yml"):
        records, problems = read_yaml(data)
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
    content = Checker(problems).content(records)
    if problems:
        raise FileProblems(problems)
    return content


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
