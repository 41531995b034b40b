"""What a render worker process runs: one unit's HTML to PDF, nothing else.

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

from core.pdf import RefusedURL, render_document

PDF_VARIANT = "pdf/a-3b"

_font_config = None


def font_config():
    """One font configuration per process: a fresh one for every unit costs time and is never freed."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def start_worker(memory_limit_mb: int | None) -> None:
    """Worker initializer: a memory ceiling, and death with the parent (Linux)."""
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


def render_batch(prefix: str, bodies: list[tuple[str, str, str]], files: dict[str, bytes], media_types: dict[str, str]):
    """Several units laid out as one document and split back into one PDF per unit.

    ``bodies`` are ``(key, anchor, html)``: each ``html`` is one element with the id ``anchor`` that
    starts on a new page, so every page belongs to exactly one unit and lays out as it would alone.
    One document per batch rather than per unit saves what WeasyPrint does once per document —
    above all subsetting the (large) CJK font for the PDF.

    Returns ``([(key, pdf bytes), …], seconds, peak RSS in KiB, worker pid, this process's CPU seconds so far)``.
    """
    started = time.perf_counter()

    def read_file(sha256: str) -> bytes:
        if sha256 not in files:
            raise RefusedURL(f"{sha256[:64]} is not evidence of this audit")
        return files[sha256]

    html = compose(prefix, [body for _key, _anchor, body in bodies])
    document = render_document(
        html, read_file=read_file, media_types=media_types, font_config=font_config(), pdf_variant=PDF_VARIANT
    )
    starts = []
    for _key, anchor, _body in bodies:
        starts.append(next(number for number, page in enumerate(document.pages) if anchor in page.anchors))
    if starts != sorted(starts) or (starts and starts[0] != 0):
        raise RuntimeError("the units of a batch did not start on pages of their own")
    whole = pikepdf.open(io.BytesIO(document.write_pdf(pdf_variant=PDF_VARIANT)))
    results = []
    with whole:
        ends = [*starts[1:], len(whole.pages)]
        for (key, _anchor, _body), start, end in zip(bodies, starts, ends, strict=True):
            part = pikepdf.new()
            part.pages.extend(whole.pages[start:end])
            output = io.BytesIO()
            part.save(output, compress_streams=True)
            results.append((key, output.getvalue()))
    return results, time.perf_counter() - started, peak_rss_kib(), os.getpid(), cpu_seconds()


def compose(prefix: str, bodies: list[str]) -> str:
    """One HTML document: ``prefix`` (from the doctype to the opening ``<body>``), then ``bodies``."""
    return prefix + "".join(bodies) + "</body></html>"
