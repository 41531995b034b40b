"""Word-level comparison of two revisions.

The matching is the standard library's ``difflib.SequenceMatcher`` (maintained
with CPython) run over word tokens; this module only tokenises and renders.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup, escape

# Words (any script), runs of whitespace, and single punctuation marks; CJK
# characters count one by one, since Chinese has no spaces between words.
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+|\s+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Chunk:
    op: str  # "equal", "insert", "delete"
    text: str


def word_diff(old: str, new: str) -> list[Chunk]:
    a, b = tokens(old), tokens(new)
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    chunks: list[Chunk] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            chunks.append(Chunk("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            chunks.append(Chunk("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            chunks.append(Chunk("insert", "".join(b[j1:j2])))
    return chunks


def stats(chunks: list[Chunk]) -> dict[str, int]:
    words = {"insert": 0, "delete": 0}
    for chunk in chunks:
        if chunk.op in words:
            words[chunk.op] += len([t for t in tokens(chunk.text) if not t.isspace()])
    return {"inserted_words": words["insert"], "deleted_words": words["delete"]}


def render_inline(chunks: list[Chunk]) -> Markup:
    parts = []
    for chunk in chunks:
        text = escape(chunk.text)
        if chunk.op == "insert":
            parts.append(Markup("<ins>{}</ins>").format(text))
        elif chunk.op == "delete":
            parts.append(Markup("<del>{}</del>").format(text))
        else:
            parts.append(text)
    return Markup("").join(parts)


def render_side_by_side(chunks: list[Chunk]) -> tuple[Markup, Markup]:
    """The old text with deletions marked, and the new text with insertions marked."""
    left = [chunk for chunk in chunks if chunk.op != "insert"]
    right = [chunk for chunk in chunks if chunk.op != "delete"]
    return render_inline(left), render_inline(right)
