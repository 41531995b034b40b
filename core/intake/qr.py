"""QR codes of the public links, as inline SVG: printed on a delivery document, a repair order
or the site's counter, and scanned by a customer's phone."""

from __future__ import annotations

from markupsafe import Markup


def svg(url: str, title: str) -> Markup:
    """The QR code of ``url``: vector, so it prints sharp at any size; ``title`` names it for screen readers."""
    import segno  # only the pages that print a link's QR code need it

    # Medium error correction survives a crease or a coffee ring on a printed sheet.
    code = segno.make(url, error="m", micro=False)
    drawn = code.svg_inline(scale=5, title=title, svgclass="qr-code", lineclass="qr-line", omitsize=True)
    return Markup(drawn.replace("<svg ", '<svg role="img" ', 1))
