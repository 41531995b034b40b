"""Word-level comparison of two revisions.

The matching is the standard library's ``difflib.SequenceMatcher`` (maintained
with CPython) run over word tokens; this module only tokenises and renders.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import Markup, escape

from procedures.markdown import sanitize

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


# The diff on the rendered document ----------------------------------------------
#
# Both revisions are rendered (and sanitised) as the controlled copy is, cut into
# their top-level blocks (paragraphs, headings, lists, tables), and the blocks are
# matched; a changed block is then compared word by word with its tags kept whole,
# so the result is the new revision's own markup with <ins> and <del> around the
# words that changed. The marked HTML is sanitised again before it is shown.

VOID_TAGS = frozenset({"br", "hr", "img", "col", "input", "wbr"})


@dataclass(frozen=True)
class Token:
    tag: bool  # a whole tag (compared as one token) or a word of text
    text: str  # the tag as written, or the word unescaped

    def html(self) -> str:
        return self.text if self.tag else str(escape(self.text))


class _Splitter(HTMLParser):
    """Rendered HTML → top-level blocks, each a list of tokens."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[Token]] = []
        self.current: list[Token] = []
        self.depth = 0

    def _tag(self, text: str, opens: int) -> None:
        self.current.append(Token(True, text))
        self.depth += opens
        if self.depth <= 0:
            self.depth = 0
            self.blocks.append(self.current)
            self.current = []

    def handle_starttag(self, tag, attrs):
        self._tag(self.get_starttag_text() or f"<{tag}>", 0 if tag in VOID_TAGS else 1)

    def handle_startendtag(self, tag, attrs):
        self._tag(self.get_starttag_text() or f"<{tag}>", 0)

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS:
            self._tag(f"</{tag}>", -1)

    def handle_data(self, data):
        if self.depth == 0:
            if data.strip():  # text outside any block: a block of its own
                self.blocks.append([Token(False, t) for t in tokens(data)])
            return
        self.current.extend(Token(False, t) for t in tokens(data))

    def close(self) -> None:
        super().close()
        if self.current:
            self.blocks.append(self.current)


def blocks(html: str) -> list[list[Token]]:
    splitter = _Splitter()
    splitter.feed(html)
    splitter.close()
    return splitter.blocks


def _mark(tokens_: list[Token], wrapper: str) -> list[str]:
    """Tokens as HTML, each run of text (not of whitespace alone) inside ``wrapper``:
    tags are never wrapped, so the markup stays as well formed as it was."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        text = "".join(run)
        if text.strip():
            out.append(f"<{wrapper}>{text}</{wrapper}>")
        elif wrapper == "ins":
            out.append(text)  # the new revision's spacing stays; the old one's goes
        run.clear()

    for token in tokens_:
        if token.tag:
            flush()
            if wrapper == "ins":  # the new revision's markup; the old one's is left out
                out.append(token.text)
        else:
            run.append(token.html())
    flush()
    return out


def _mark_whole(tokens_: list[Token], wrapper: str) -> str:
    """A block that is only in one revision: its own markup, its words marked."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens_:
        if token.tag:
            if "".join(run).strip():
                out.append(f"<{wrapper}>{''.join(run)}</{wrapper}>")
            else:
                out.append("".join(run))
            run.clear()
            out.append(token.text)
        else:
            run.append(token.html())
    if "".join(run).strip():
        out.append(f"<{wrapper}>{''.join(run)}</{wrapper}>")
    return "".join(out)


def _compare_block(old: list[Token], new: list[Token]) -> str:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    out: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(token.html() for token in new[j1:j2])
            continue
        if op in ("delete", "replace"):
            out.extend(_mark(old[i1:i2], "del"))
        if op in ("insert", "replace"):
            out.extend(_mark(new[j1:j2], "ins"))
    return "".join(out)


@dataclass(frozen=True)
class Block:
    change: str  # "same", "changed", "inserted", "deleted"
    html: Markup


def _block_html(tokens_: list[Token]) -> str:
    return "".join(token.html() for token in tokens_)


def rendered_diff(old_html: str, new_html: str) -> list[Block]:
    """The new revision's rendered document, block by block, with what changed since the old one.

    Both arguments are the sanitised rendering (``procedures.markdown.render``); every
    block given back is sanitised again, since marking words rewrites the markup.
    """
    old_blocks, new_blocks = blocks(old_html), blocks(new_html)
    keys_old = [_block_html(b) for b in old_blocks]
    keys_new = [_block_html(b) for b in new_blocks]
    matcher = difflib.SequenceMatcher(a=keys_old, b=keys_new, autojunk=False)
    result: list[Block] = []

    def add(change: str, html: str) -> None:
        result.append(Block(change, Markup(sanitize(html))))

    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for key in keys_new[j1:j2]:
                add("same", key)
            continue
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        # A replaced run is compared pair by pair in order: the usual edit changes a
        # paragraph in place; what is left over was added or removed.
        for old, new in zip(olds, news, strict=False):
            add("changed", _compare_block(old, new))
        for old in olds[len(news) :]:
            add("deleted", _mark_whole(old, "del"))
        for new in news[len(olds) :]:
            add("inserted", _mark_whole(new, "ins"))
    return result


@dataclass(frozen=True)
class Run:
    change: str  # "same" or "changed": consecutive blocks, for collapsing what did not change
    blocks: list[Block]


def runs(blocks_: list[Block]) -> list[Run]:
    result: list[Run] = []
    for block in blocks_:
        change = "same" if block.change == "same" else "changed"
        if result and result[-1].change == change:
            result[-1].blocks.append(block)
        else:
            result.append(Run(change, [block]))
    return result


def rendered_html(blocks_: list[Block]) -> Markup:
    """The whole document, each block in a ``div`` whose class says how it changed."""
    return Markup("\n").join(
        Markup('<div class="diff-block diff-{}">{}</div>').format(block.change, block.html) for block in blocks_
    )
