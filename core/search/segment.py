"""Text → the terms search indexes and looks for, the same way on SQLite and PostgreSQL.

Chinese has no spaces between words, and neither FTS5's tokenizers nor PostgreSQL's
``simple`` configuration split it. The text is cut here instead, before either engine sees it:
a run of Chinese characters becomes its overlapping character pairs (bigrams), plus its last
character alone so that a one-character query still finds it; any other run of letters and
digits is a lower-cased word. A query is cut the same way, and its Chinese run is looked for
as a phrase — consecutive pairs — so ``客户满意度`` finds exactly the texts that contain it.
Why pairs and not a dictionary segmenter (jieba): docs/search.md, with the measurement.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# CJK unified ideographs (with extension A and the compatibility block), kana, hangul.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"


@functools.cache
def _cjk_pattern() -> re.Pattern:
    # Compiled when text is first cut, not on import (nor the one below): each of these
    # character classes takes Python's compiler 2–3 ms, which every process's start-up paid
    # (core.search.index imports this module; issue #20).
    return re.compile(rf"[{_CJK}]")


@functools.cache
def _run_pattern() -> re.Pattern:
    return re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")


def _is_cjk(run: str) -> bool:
    return bool(_cjk_pattern().match(run))


def runs(text: str) -> list[str]:
    """The runs of ``text``: each a run of CJK characters or a word of other letters and digits."""
    return [run.lower() for run in _run_pattern().findall(text or "")]


def terms_of_run(run: str) -> list[str]:
    """The indexed terms of one run, in position order."""
    if not _is_cjk(run) or len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def terms(text: str) -> list[str]:
    """Every term of ``text``, in order (positions matter: a phrase is consecutive terms)."""
    return [term for run in runs(text) for term in terms_of_run(run)]


def segmented(text: str) -> str:
    """``text`` as space-separated terms: what FTS5's ``unicode61`` tokenizer indexes unchanged."""
    return " ".join(terms(text))


@dataclass(frozen=True)
class QueryPart:
    """One thing a query asks for: a phrase of terms, or a prefix (a word typed in part, one character)."""

    text: str  # as typed (lower-cased): what snippets look for
    terms: tuple[str, ...]
    prefix: bool


def parse(query: str, limit: int = 12) -> list[QueryPart]:
    """The parts of a query, every one of which a hit must contain (at most ``limit``).

    A Chinese run is a phrase of its pairs (the run's last character alone is not asked for:
    inside a longer text it is part of a pair); one Chinese character, and a word of other
    letters, is a prefix, so ``complain`` finds ``complaints``; a code (words joined by
    punctuation, ``AS-PR-003``) is a phrase of its words.
    """
    parts = []
    for chunk in (query or "").split():
        found = runs(chunk)
        if len(found) > 1 and not any(_is_cjk(run) for run in found):
            # A code typed whole (AS-PR-003, NC-2026-0042): its words in a row, the last one a prefix.
            candidates = [QueryPart(chunk.lower(), tuple(found), prefix=True)]
        else:
            candidates = [_part(run) for run in found]
        parts.extend(part for part in candidates if part not in parts)
    return parts[:limit]


def _part(run: str) -> QueryPart:
    if _is_cjk(run) and len(run) > 1:
        return QueryPart(run, tuple(run[i : i + 2] for i in range(len(run) - 1)), prefix=False)
    return QueryPart(run, (run,), prefix=True)
