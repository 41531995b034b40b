"""The content as the product's :class:`core.plugins.Checklist` value, and its identity (hash)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from babel import Locale
from flask_babel import LazyString, get_locale

from core.checklists.format.fields import LANGUAGES
from core.plugin_engine.types import (
    Checklist,
    Question,
    Section,
)

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
