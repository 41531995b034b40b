"""PDF rendering with WeasyPrint that never fetches on its own.

WeasyPrint's default URL fetcher reads local files and the network: one
``<link rel=attachment href=file:///etc/passwd>`` in user content would put
that file into the PDF. Every render here goes through
:func:`restricted_fetcher`, which serves only ``data:`` URLs and the
product's own stored files, with redirects off.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import sys
import threading
from collections.abc import Callable

from flask_babel import gettext as _

log = logging.getLogger(__name__)

# Relative references in rendered documents resolve against this base, so
# "/files/<sha256>" becomes "dealerqms:/files/<sha256>", never a file: URL.
BASE_URL = "dealerqms:/"
FILES_PREFIX = "dealerqms:/files/"


class RefusedURL(ValueError):
    pass


_importing = threading.Lock()


def _not_searched(_name: str) -> None:
    return None


def import_weasyprint() -> None:
    """Import WeasyPrint (once) without searching for its libraries by the names that are not file names.

    WeasyPrint loads pango, harfbuzz, fontconfig and the others by trying, in turn, the names they have on
    every platform; cffi hands each name that is not a loadable file name to ``ctypes.util.find_library``,
    which runs ldconfig, gcc and ld to look for it: about 50 subprocesses, 0.2 CPU seconds and 1 to 1.5 s of
    a busy machine's wall time, on every first render of a process (a pack's job). The names that follow
    are the libraries' file names (``libpango-1.0.so.0``…), which the dynamic linker loads directly. Where
    a system has a library only the search finds, the import fails without it and is done again with it.
    """
    if "weasyprint" in sys.modules:
        return
    import ctypes.util

    with _importing:
        if "weasyprint" in sys.modules:
            return
        search = ctypes.util.find_library
        ctypes.util.find_library = _not_searched
        try:
            # WeasyPrint prints installation advice when a library fails to load: not advice here.
            with contextlib.redirect_stdout(io.StringIO()):
                import weasyprint  # noqa: F401
        except OSError:
            pass
        finally:
            ctypes.util.find_library = search
        import weasyprint  # noqa: F401, F811


def restricted_fetcher(read_file: Callable[[str], bytes] | None = None, media_types: dict[str, str] | None = None):
    """A WeasyPrint URL fetcher that serves ``data:`` URLs and the product's stored files only."""
    return _restricted_fetcher_class()(read_file, media_types)


# WeasyPrint is imported on the first render, not with this module: it takes over a second to
# import, and every command, page and job that never renders a PDF would pay it at start-up.
@functools.cache
def _restricted_fetcher_class():
    import_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class RestrictedURLFetcher(URLFetcher):
        def __init__(self, read_file, media_types):
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self._read_file = read_file
            self._media_types = media_types or {}

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith(FILES_PREFIX) and self._read_file is not None:
                sha256 = url[len(FILES_PREFIX) :].split("?")[0].split("#")[0]
                body = self._read_file(sha256)
                media_type = self._media_types.get(sha256, "application/octet-stream")
                return URLFetcherResponse(url, body, {"Content-Type": media_type})
            log.warning("PDF rendering refused to fetch %s", url[:200])
            raise RefusedURL(f"refused to fetch {url[:200]}")

    return RestrictedURLFetcher


def render_pdf(
    html: str,
    *,
    stylesheets: list[str] = (),
    read_file: Callable[[str], bytes] | None = None,
    media_types: dict[str, str] | None = None,
    pdf_variant: str | None = None,
    **options,
) -> bytes:
    import_weasyprint()
    from weasyprint import CSS, HTML

    fetcher = restricted_fetcher(read_file, media_types)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    css = [CSS(string=sheet, url_fetcher=fetcher, base_url=BASE_URL) for sheet in stylesheets]
    return document.write_pdf(stylesheets=css, pdf_variant=pdf_variant, **options)


def render_document(
    html: str,
    *,
    read_file: Callable[[str], bytes] | None = None,
    media_types: dict[str, str] | None = None,
    font_config=None,
    **options,
):
    """The laid-out WeasyPrint document (its pages and their anchors), through the restricted fetcher;
    ``document.write_pdf(**options)`` then writes it."""
    import_weasyprint()
    from weasyprint import HTML

    fetcher = restricted_fetcher(read_file, media_types)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(font_config=font_config, **options)


def css_string(text: str) -> str:
    """``text`` as a CSS string literal (every character that could end or escape it is hex-escaped)."""
    return '"' + "".join(c if c.isalnum() or c in " .-_:/()" else f"\\{ord(c):x} " for c in text) + '"'


def page_of_css() -> str:
    """The CSS ``content`` of "Page n of N" in the reader's language (the words around the counters)."""
    page_of = _("Page %(n)s of %(total)s", n="\x00", total="\x01")
    before, _sep, rest = page_of.partition("\x00")
    middle, _sep, after = rest.partition("\x01")
    return " ".join(
        part
        for part in (
            css_string(before) if before else "",
            "counter(page)",
            css_string(middle) if middle else "",
            "counter(pages)",
            css_string(after) if after else "",
        )
        if part
    )
