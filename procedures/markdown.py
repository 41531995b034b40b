"""Markdown → safe HTML.

Python-Markdown does not sanitize (raw HTML passes straight through), so its
output goes through an explicit nh3 allowlist: no scripts, no event handlers,
no ``javascript:``/``data:`` links, images only from the product's own store.
Rendered HTML is cached by the body's SHA-256: an effective revision's body
never changes, so neither does its HTML.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

import nh3
from markupsafe import Markup

EXTENSIONS = ["tables", "footnotes", "toc", "fenced_code", "sane_lists", "def_list", "attr_list"]

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "style", "scope"},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "span": {"class"},
    "code": {"class"},
}
# The only style Python-Markdown's tables write is text alignment.
ALLOWED_STYLE_PROPERTIES = {"text-align"}
URL_SCHEMES = {"http", "https", "mailto"}
# Relative image sources may point only into the product's own evidence store.
EVIDENCE_PREFIX = "/files/"

_cache: OrderedDict[str, Markup] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 1024


def _filter_attribute(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or not parts.path.startswith(EVIDENCE_PREFIX):
            return None
    if element == "a" and attribute == "href" and value.startswith("//"):
        return None  # scheme-relative: an external host in disguise
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter_attribute,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def body_sha256(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def render(body: str, *, cache: bool = True) -> Markup:
    """``body`` as sanitised HTML. ``cache=False`` for text being typed (the editor's
    live preview): a keystroke's text is seen once and would push out the HTML of the
    revisions people read."""
    if not cache:
        return _convert(body)
    key = body_sha256(body)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    html = _convert(body)
    with _cache_lock:
        _cache[key] = html
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return html


def _convert(body: str) -> Markup:
    import markdown  # on the first page that shows a procedure, not at every start

    converter = markdown.Markdown(extensions=EXTENSIONS, output_format="html")
    return Markup(sanitize(converter.convert(body)))
