"""Links to many records of one kind at the cost of one ``url_for``.

A list page links each of its rows to the row's record. Flask's ``url_for`` costs 20–40 µs a
call (request context, the URL map's builder, the converters): a page of 50 rows spent more on
its links than on its SQL, and a page's cost then grows with the rows it shows — 10 at ``small``,
50 at ``large`` (issue #20). :class:`Links` builds the endpoint's URL once with a marker where
the record's key goes, and writes each row's link by putting the key, quoted as the route's
converter quotes it, in the marker's place.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from flask import url_for
from markupsafe import Markup, escape

# Quoted by no converter and found in no URL the application builds; an ``int`` route takes
# only a number.
_MARKERS = ("__links_key__", "7391046285917364")
# What werkzeug's converters leave unquoted in a path segment (BaseConverter.to_url).
_SAFE = "!$&'()*+,/:;=@"


class Links:
    """``Links("audits.audit", "reference")("AUD-2026-001")`` is
    ``url_for("audits.audit", reference="AUD-2026-001")``; other ``values`` are the same for
    every link."""

    def __init__(self, endpoint: str, key: str, **values):
        for marker in _MARKERS:
            try:
                built = url_for(endpoint, **{key: marker}, **values)
            except ValueError:  # the route's converter takes no such value
                continue
            self._head, found, self._tail = built.partition(marker)
            if found:
                return
        raise ValueError(f"{endpoint} does not put {key} in its URL")

    def __call__(self, value) -> str:
        return f"{self._head}{quote(str(value), safe=_SAFE)}{self._tail}"


def link_list(rows: Iterable[tuple[str, str, str, str]]) -> Markup:
    """A dashboard panel's list: each row ``(url, link text, text after the link, muted note)``,
    every part escaped. Escaped into f-strings rather than through ``Markup.format``, whose
    formatter was most of a row's cost: a large site's dashboard lists twice a small one's rows."""
    items = "".join(
        f'<li><a href="{escape(url)}">{escape(label)}</a>{f" {escape(text)}" if text else ""} '
        f'<span class="muted">{escape(note)}</span></li>'
        for url, label, text, note in rows
    )
    return Markup(f'<ul class="plain-list">{items}</ul>')
