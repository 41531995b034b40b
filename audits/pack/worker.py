"""What a render worker process runs: units' HTML to PDF, the cover with its attachments, the pieces of the
page numbers with their measurements and a draft's page count; nothing else.

Workers get the HTML and the bytes of the evidence files it shows, and return
the PDF; they never open the database or the file store. Rendering goes
through :func:`core.pdf.render_pdf` and its restricted URL fetcher, so a
worker fetches nothing but ``data:`` URLs and the files it was handed.
"""

from __future__ import annotations

import io
import os
import resource
import time

import pikepdf

from core.pdf import RefusedURL, import_weasyprint, render_document, render_pdf, restricted_fetcher

PDF_VARIANT = "pdf/a-3b"

_font_config = None


def font_config():
    """One font configuration per process: a fresh one for every unit costs time and is never freed."""
    global _font_config
    if _font_config is None:
        import_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def start_worker(memory_limit_mb: int | None, group: int | None = None) -> None:
    """Worker initializer: a memory ceiling, death with the parent (Linux), and the process group of the
    process that asked for the render (``group``)."""
    if group is not None:
        # A fork server kept by a long-lived job worker (audits.pack.render.keep_warm) is in that worker's
        # process group, and so would be the workers it forks: a job's supervisor ends the job by killing
        # the job's group, which must take the render workers with it.
        try:
            if os.getpgid(0) != group:
                os.setpgid(0, group)
        except OSError:
            pass  # another session: they still end when the pool's pipes close
    if memory_limit_mb:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        import ctypes
        import signal

        # PR_SET_PDEATHSIG: a worker must not go on rendering for a pack nobody waits for.
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def peak_rss_kib() -> int:
    """This process's peak resident set size (VmHWM), in KiB; 0 where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# The pack's font families and the kinds of boxes its units are made of (see audits.pack.document).
_WARM_UP = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 24mm 15mm 22mm 15mm; @bottom-right { content: "1 / 1"; font-size: 8pt; } }
html { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; } th, td { border: 0.5pt solid #888; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; }
</style></head><body><section id="u-warm"><h1>证据包 Evidence pack</h1><table><tr><th>审核 Audit</th>
<td class="hash">0123456789abcdef</td></tr></table><p><b>粗体</b> <i>italic</i> 页 1 / 1</p></section></body></html>"""


def warm() -> None:
    """Lay out and write one small document, so that this process (the fork server) has loaded the fonts and
    WeasyPrint's lazily imported parts for the workers forked from it."""
    render_document(_WARM_UP, font_config=font_config()).write_pdf(pdf_variant=PDF_VARIANT)


def _reader(files: dict[str, bytes]):
    def read_file(sha256: str) -> bytes:
        # Only the audit's own evidence may be pulled into its pack.
        if sha256 not in files:
            raise RefusedURL(f"{sha256[:64]} is not evidence of this audit")
        return files[sha256]

    return read_file


def render_cover(
    html: str, files: dict[str, bytes], media_types: dict[str, str], attached: list[tuple[str, str, bytes]]
) -> bytes:
    """The cover as PDF/A-3b with every ``(name, description, bytes)`` attached: the pack's base file."""
    return render_pdf(
        html,
        read_file=_reader(files),
        media_types=media_types,
        pdf_variant=PDF_VARIANT,
        font_config=font_config(),
        attachments=_attachments(attached),
    )


PX = 0.75  # PDF points per CSS pixel


def number_glyphs(html: str) -> tuple[bytes, list[float], list[float], float]:
    """The pieces of "Page n of N", one a page, as a PDF, with each piece's width, the x where it starts and the
    x where a page number must end, in PDF points: the layout's own measurements (WeasyPrint's box tree)."""
    laid_out = render_document(html, font_config=font_config())
    return (laid_out.write_pdf(pdf_variant=PDF_VARIANT), *_measure(laid_out.pages))


def _measure(pages) -> tuple[list[float], list[float], float]:
    """Each page's "Page n of N" piece (its bottom-right margin box): width, x where it starts, x where it ends."""

    def boxes(box):
        yield box
        for child in getattr(box, "children", None) or ():
            yield from boxes(child)

    widths, starts, right = [], [], 0.0
    for page in pages:
        margin = next(box for box in boxes(page._page_box) if getattr(box, "at_keyword", None) == "@bottom-right")
        texts = [box for box in boxes(margin) if getattr(box, "text", None)]
        widths.append(sum(box.width for box in texts) * PX)
        starts.append(min(box.position_x for box in texts) * PX)
        right = (margin.content_box_x() + margin.width) * PX
    return widths, starts, right


def laid_out_pages(html: str) -> int:
    """How many pages ``html`` lays out to (no PDF written)."""
    return len(render_document(html, font_config=font_config()).pages)


def render_batch(prefix: str, bodies: list[tuple[str, str, str]], files: dict[str, bytes], media_types: dict[str, str]):
    """Several units laid out as one document and split back into one PDF per unit.

    ``bodies`` are ``(key, anchor, html)``: each ``html`` is one element with the id ``anchor`` that
    starts on a new page, so every page belongs to exactly one unit and lays out as it would alone.
    One document per batch rather than per unit saves what WeasyPrint does once per document —
    above all subsetting the (large) CJK font for the PDF.

    Returns ``([(key, pdf bytes), …], seconds, peak RSS in KiB, worker pid, this process's CPU seconds so far)``.
    """
    started = time.perf_counter()
    document, starts = _laid_out(prefix, bodies, files, media_types)
    with pikepdf.open(io.BytesIO(document.write_pdf(pdf_variant=PDF_VARIANT))) as whole:
        results = _split(whole, bodies, starts)
    return results, time.perf_counter() - started, peak_rss_kib(), os.getpid(), cpu_seconds()


def _laid_out(prefix: str, bodies: list[tuple[str, str, str]], files: dict[str, bytes], media_types: dict[str, str]):
    """The bodies laid out as one document, and the page each starts on."""
    html = compose(prefix, [body for _key, _anchor, body in bodies])
    document = render_document(
        html, read_file=_reader(files), media_types=media_types, font_config=font_config(), pdf_variant=PDF_VARIANT
    )
    starts = []
    for _key, anchor, _body in bodies:
        starts.append(next(number for number, page in enumerate(document.pages) if anchor in page.anchors))
    if starts != sorted(starts) or (starts and starts[0] != 0):
        raise RuntimeError("the units of a batch did not start on pages of their own")
    return document, starts


def _split(whole, bodies: list[tuple[str, str, str]], starts: list[int]) -> list[tuple[str, bytes]]:
    """One PDF per body, of the pages from its start to the next body's."""
    results = []
    ends = [*starts[1:], len(whole.pages)]
    for (key, _anchor, _body), start, end in zip(bodies, starts, ends, strict=True):
        part = pikepdf.new()
        part.pages.extend(whole.pages[start:end])
        output = io.BytesIO()
        part.save(output, compress_streams=True)
        results.append((key, output.getvalue()))
    return results


def _attachments(attached: list[tuple[str, str, bytes]]):
    import_weasyprint()
    from weasyprint import Attachment

    # Attachments come from bytes the product hands over, never from a URL.
    fetcher = restricted_fetcher()
    return [
        Attachment(
            file_obj=io.BytesIO(data), name=name, description=description, relationship="Data", url_fetcher=fetcher
        )
        for name, description, data in attached
    ]


def without_internal_links(page) -> None:
    """Drop a page's links into its own file: once its unit is cut out, their targets are not pages of the pack."""
    annotations = page.obj.get(pikepdf.Name.Annots)
    if annotations is None:
        return
    kept = [
        a
        for a in annotations
        if not (
            a.get(pikepdf.Name.Subtype) == pikepdf.Name.Link
            and (pikepdf.Name.Dest in a or (pikepdf.Name.A in a and a.A.get(pikepdf.Name.S) != pikepdf.Name.URI))
        )
    ]
    page.obj.Annots = pikepdf.Array(kept)


def render_together(
    prefix: str,
    bodies: list[tuple[str, str, str]],
    files: dict[str, bytes],
    media_types: dict[str, str],
    attached: list[tuple[str, str, bytes]],
    measured: str | None = None,
):
    """The cover (the first of ``bodies``) and the other units, laid out and written as one document: the
    pack's base file and one PDF per other unit.

    Every document has costs of its own (its styles, a subset of every font it uses: a quarter of a second for
    the CJK font), so a pack rendered in one process lays out its cover, contents, page stamps and body
    together. The document is written as PDF/A-3b with ``attached`` (``(name, description, bytes)``); the
    base file is that document cut down to the cover's pages, keeping what makes it PDF/A-3b and the
    attachments. ``measured``: the key of the unit of the page-number pieces, measured as
    :func:`number_glyphs` does.

    Returns ``(base pdf, [(key, pdf bytes), …] of the other bodies, measurements or None, seconds, peak RSS
    in KiB, pid, CPU seconds)``.
    """
    started = time.perf_counter()
    document, starts = _laid_out(prefix, bodies, files, media_types)
    ends = [*starts[1:], len(document.pages)]
    measures = None
    if measured is not None:
        index = [key for key, _anchor, _body in bodies].index(measured)
        measures = _measure(document.pages[starts[index] : ends[index]])
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=_attachments(attached))
    with pikepdf.open(io.BytesIO(pdf)) as whole:
        # The contents links to the body's pages: a cut-out unit would carry every page they point at.
        for page in whole.pages:
            without_internal_links(page)
        results = _split(whole, bodies[1:], starts[1:])
        del whole.pages[ends[0] :]
        names = whole.Root.get(pikepdf.Name.Names)
        # The anchors' destinations point at the pages cut away.
        if names is not None and pikepdf.Name.Dests in names:
            del names[pikepdf.Name.Dests]
        if pikepdf.Name.Dests in whole.Root:
            del whole.Root[pikepdf.Name.Dests]
        output = io.BytesIO()
        whole.save(output, compress_streams=True)
        base = output.getvalue()
    return base, results, measures, time.perf_counter() - started, peak_rss_kib(), os.getpid(), cpu_seconds()


def compose(prefix: str, bodies: list[str]) -> str:
    """One HTML document: ``prefix`` (from the doctype to the opening ``<body>``), then ``bodies``."""
    return prefix + "".join(bodies) + "</body></html>"
