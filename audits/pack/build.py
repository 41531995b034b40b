"""Making the pack: units rendered in parallel (or taken from the cache), merged,
stamped with page numbers and header, bookmarked, PDF/A-3b with the evidence
files and the manifest attached, optionally signed (PAdES), written to a
temporary name and moved into place.

How the pages come together: the body's units go to the workers first; while
they render, this process writes the cover (as PDF/A-3b with every attachment:
it becomes the base file, so the document-level structure that makes the file
PDF/A-3b — XMP metadata, output intent, embedded files with their relationship,
``/AF`` — is WeasyPrint's own), the margins every page shares (running header, reference: one page), the
pieces "Page n of N" is drawn from, and a draft of the contents (its length).
Once every unit's page count is known the contents renders with the real page
numbers. pikepdf (qpdf's binding) appends every unit's pages to the cover's
file, keeps one copy of each font subset, lays the shared margins over each
page, draws each page's number from the pieces and writes the outline. A pack
rendered in this process (no workers) lays all of that out as one document
instead (see :func:`_render_together`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from audits.pack import content as pack_content
from audits.pack import document, worker
from audits.pack.cache import UnitCache, cache_key, shared_store
from audits.pack.render import Job, Rendered, Renderer, RenderFailed, default_workers, keep_warm, warm_up
from audits.pack.worker import peak_rss_kib
from audits.services.audits import audit_by_reference
from core.database import iso_utc
from core.storage import file_store

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "dealerqms-evidence-pack/1"
SIGNATURE_FIELD = "EvidencePack"
# Bumped when the way units become pages changes, so older cache entries stop matching.
RENDER_FORMAT = "units/2"
# Bumped when what a finished pack is made from changes (see _pack_key).
PACK_FORMAT = "pack/1"

Progress = Callable[[int, int, str], None]


class PackError(ValueError):
    """The pack cannot be made as asked (one sentence for the user)."""


@dataclass
class PackResult:
    reference: str
    pdf: bytes
    html: str
    manifest: dict
    manifest_sha256: str
    signed: bool = False
    pages: int = 0
    rendered: list[str] = field(default_factory=list)  # unit keys rendered for this pack
    reused: list[str] = field(default_factory=list)  # unit keys taken from the cache
    peak_rss_kib: dict[str, int] = field(default_factory=dict)  # "main" and each worker's pid
    render_seconds: float = 0.0  # summed over the units rendered for this pack
    worker_cpu_seconds: dict[str, float] = field(default_factory=dict)  # CPU time of each render worker
    from_cache: bool = False  # the whole pack was the one made last time from the same inputs


def attachment_name(evidence) -> str:
    """A unique, path-free attachment name: the row id keeps two files with one name apart."""
    cleaned = re.sub(r"[^\w.\-]+", "_", evidence.name, flags=re.UNICODE).strip("._") or "file"
    return f"E{evidence.id:05d}-{cleaned[:120]}"


def canonical_json(data) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


def _manifest(content, units: list[document.Unit]) -> dict:
    head = content.chain_head
    return {
        "format": MANIFEST_FORMAT,
        "audit": content.audit.reference,
        "generated_at": iso_utc(content.generated_at),
        "product_version": content.product_version,
        "sections": [{"key": u.section, "unit": u.key, "title": u.title, "sha256": u.sha256} for u in units],
        "files": [
            {
                "attachment": attachment_name(e),
                "name": e.name,
                "media_type": e.media_type,
                "size": e.size,
                "sha256": e.sha256,
            }
            for e in content.evidence
        ],
        "trail": {
            "ok": content.chain.ok,
            "events": content.chain.events,
            "head_seq": head.seq if head else None,
            "head_hash": head.hash if head else None,
            # The appendix reads as sentences with shortened hashes; here is each event as
            # stored, for anyone who recomputes the chain.
            "entries": [
                {
                    "seq": e.seq,
                    "at": iso_utc(e.at),  # the text the event's hash covers
                    "actor": e.actor,
                    "action": e.action,
                    "entity_type": e.entity_type,
                    "entity_id": e.entity_id,
                    "changes": e.changes,
                    "reason": e.reason,
                    "prev_hash": e.prev_hash,
                    "hash": e.hash,
                }
                for e in content.events
            ],
        },
    }


def _cache() -> UnitCache:
    megabytes = current_app.config.get("DEALERQMS_PACK_CACHE_MB", 512) or 0
    return UnitCache(Path(current_app.instance_path) / "cache" / "pack", int(megabytes) * 1024 * 1024, shared_store())


def _versions() -> tuple[str, ...]:
    # From the package's metadata: importing WeasyPrint takes over a second, which a pack answered from
    # the cache never needs.
    return pack_content.product_version(), importlib.metadata.version("weasyprint"), RENDER_FORMAT


def _pack_key(content, body: list[document.Unit], versions: tuple[str, ...]) -> str:
    """The finished pack's address: everything it shows but the time it was generated.

    The same audit, records, trail head, language and versions make the same pages, so a pack asked for
    again with nothing changed is the file made last time (its cover keeps that time)."""
    manifest = _manifest(content, body)
    del manifest["generated_at"]
    manifest_bytes = canonical_json(manifest)
    undated = dataclasses.replace(
        content, generated_at=content.generated_at.replace(year=2000, month=1, day=1, hour=0, minute=0, second=0)
    )
    cover = document.cover(undated, hashlib.sha256(manifest_bytes).hexdigest())
    digest = hashlib.sha256(manifest_bytes)
    for unit in [cover, *body, document.static_stamp(content), document.number_glyphs(content)]:
        digest.update(b"\x00" + document.unit_document(unit).encode("utf-8"))
    return cache_key(digest.hexdigest(), *versions, PACK_FORMAT)


def _pack_meta_key(pack_key: str) -> str:
    return cache_key("meta", pack_key)


def _reuse_pack(cache: UnitCache, pack_key: str, reference: str) -> PackResult | None:
    """The pack made last time from the same inputs, when the cache still has it."""
    meta, pdf = cache.get(_pack_meta_key(pack_key)), cache.get(pack_key)
    if meta is None or pdf is None:
        return None
    try:
        kept = json.loads(meta)
        return PackResult(
            reference,
            pdf,
            kept["html"],
            kept["manifest"],
            kept["manifest_sha256"],
            pages=kept["pages"],
            reused=kept["units"],
            peak_rss_kib={"main": peak_rss_kib()},
            from_cache=True,
        )
    except (ValueError, KeyError, TypeError):  # not written by this code: make the pack afresh
        return None


def _keep_pack(cache: UnitCache, pack_key: str, result: PackResult, units: list[str]) -> None:
    kept = {
        "html": result.html,
        "manifest": result.manifest,
        "manifest_sha256": result.manifest_sha256,
        "pages": result.pages,
        "units": units,
    }
    cache.put(pack_key, result.pdf)
    cache.put(_pack_meta_key(pack_key), json.dumps(kept, ensure_ascii=False).encode("utf-8"))


def _page_count(pdf: bytes) -> int:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as opened:
        return len(opened.pages)


class _Pages:
    """Unit PDFs as they arrive, from the cache or from the workers."""

    def __init__(self, cache: UnitCache, total: int, progress: Progress | None, start: int = 0):
        self.cache = cache
        self.pdfs: dict[str, bytes] = {}
        self.counts: dict[str, int] = {}
        self.rendered: list[str] = []
        self.reused: list[str] = []
        self.peaks: dict[str, int] = {}
        self.seconds = 0.0
        self.cpu: dict[str, float] = {}
        self.body_done = 0
        self.cache_keys: dict[str, str | None] = {}
        self.total = total
        self.progress = progress
        # Steps done before the first unit (gathering the records).
        self.start = start

    def _tick(self, key: str, label: str) -> None:
        # Progress counts the body's units; the contents and the stamps are steps of their own.
        if self.progress is not None and not key.startswith(("stamps/", "contents")):
            self.body_done += 1
            self.progress(self.start + self.body_done, self.total, label)

    def reuse(self, unit: document.Unit, key: str) -> bool:
        from pikepdf import PdfError

        pdf = self.cache.get(key)
        if pdf is None:
            return False
        try:
            count = _page_count(pdf)
        except PdfError:  # intact bytes that are no PDF (not written by this code): render again
            return False
        self.pdfs[unit.key], self.counts[unit.key] = pdf, count
        self.reused.append(unit.key)
        self._tick(unit.key, _("Rendering the pages"))
        return True

    def rendered_one(self, result: Rendered, job: Job) -> None:
        self.pdfs[result.key], self.counts[result.key] = result.pdf, _page_count(result.pdf)
        self.rendered.append(result.key)
        self.seconds += result.seconds
        process = "main" if result.worker == os.getpid() else f"worker {result.worker}"
        self.peaks[process] = max(self.peaks.get(process, 0), result.peak_rss_kib)
        if process != "main":
            self.cpu[process] = max(self.cpu.get(process, 0.0), result.cpu_seconds)
        if self.cache_keys.get(job.key) is not None:
            self.cache.put(self.cache_keys[job.key], result.pdf)
        self._tick(job.key, _("Rendering the pages"))


def _read_evidence(content) -> dict[str, bytes]:
    store = file_store()
    files = {e.sha256: store.read(e.sha256) for e in content.evidence}
    for evidence in content.evidence:
        if hashlib.sha256(files[evidence.sha256]).hexdigest() != evidence.sha256:
            raise PackError(f"stored file {evidence.sha256} of evidence {evidence.name!r} no longer matches its hash")
    return files


def _contents_at(body: list[document.Unit], counts: dict[str, int], first_page: int) -> document.Unit:
    """The contents when the body starts on ``first_page``."""
    pages, page = {}, first_page
    for unit in body:
        pages[unit.key] = page
        page += counts[unit.key]
    return document.contents(body, pages)


def _contents(
    body: list[document.Unit],
    counts: dict[str, int],
    first_page: int,
    cached: Callable[[document.Unit], bytes],
    assumed: int = 1,
) -> tuple[document.Unit, bytes]:
    """The contents with real page numbers. Its own length shifts every number after it, so it is
    rendered again until the length it assumed is the length it has (once at most, in practice)."""
    for _attempt in range(4):
        unit = _contents_at(body, counts, first_page + assumed)
        pdf = cached(unit)
        actual = _page_count(pdf)
        if actual == assumed:
            return unit, pdf
        assumed = actual
    raise PackError("the contents page numbers do not settle")


@dataclass
class _NumberGlyphs:
    """The pieces of "Page n of N" (one a page, see :func:`document.number_glyphs`), with their widths, the
    x where each starts on its page and the x where a page number must end, in PDF points."""

    pdf: bytes
    tokens: list[str]
    widths: list[float]
    starts: list[float]
    right: float
    labels: list[list[str]] = field(default_factory=list)  # each page's pieces, in the pack's language


def _number_glyphs(cache: UnitCache, unit: document.Unit, versions: tuple[str, ...], renderer: Renderer):
    """The pieces of the page numbers, from the cache (they change only with the header and the language) or
    measured by a worker; returns a function that waits for them."""
    glyphs = _kept_number_glyphs(cache, unit, versions)
    if glyphs is not None:
        return lambda: glyphs
    future = renderer.call(worker.number_glyphs, document.unit_document(unit))

    def measured() -> _NumberGlyphs:
        pdf, widths, starts, right = renderer.outcome(future, "the page numbers")
        return _keep_number_glyphs(cache, unit, versions, pdf, (widths, starts, right))

    return measured


def _number_glyphs_key(unit: document.Unit, versions: tuple[str, ...]) -> str:
    return cache_key(document.unit_document(unit), *versions)


def _kept_number_glyphs(cache: UnitCache, unit: document.Unit, versions: tuple[str, ...]) -> _NumberGlyphs | None:
    """The pieces of the page numbers with their measurements, when the cache has them."""
    key = _number_glyphs_key(unit, versions)
    kept_pdf, kept = cache.get(key), cache.get(cache_key("measures", key))
    if kept_pdf is not None and kept is not None:
        try:
            widths, starts, right = json.loads(kept)
            return _NumberGlyphs(kept_pdf, document.number_tokens(), widths, starts, right)
        except (ValueError, TypeError):
            pass
    return None


def _keep_number_glyphs(cache: UnitCache, unit: document.Unit, versions: tuple[str, ...], pdf: bytes, measures):
    widths, starts, right = measures
    key = _number_glyphs_key(unit, versions)
    cache.put(key, pdf)
    cache.put(cache_key("measures", key), json.dumps([widths, starts, right]).encode("ascii"))
    return _NumberGlyphs(pdf, document.number_tokens(), widths, starts, right)


def _draw_page_numbers(merged, glyphs: _NumberGlyphs) -> None:
    """ "Page n of N" on every page, right-aligned, from the pieces' form XObjects: nothing laid out per page."""
    import pikepdf
    from pikepdf import Dictionary, Name

    if len(glyphs.labels) != len(merged.pages):
        raise PackError(f"{len(glyphs.labels)} page numbers for {len(merged.pages)} pages")
    with pikepdf.open(io.BytesIO(glyphs.pdf)) as source:
        forms = [merged.copy_foreign(page.as_form_xobject()) for page in source.pages]
        names = [Name(f"/DqPageOf{number}") for number in range(len(forms))]
        index = {token: number for number, token in reversed(list(enumerate(glyphs.tokens)))}
        for page, label in zip(merged.pages, glyphs.labels, strict=True):
            pieces = [index[token] for token in label]
            x = glyphs.right - sum(glyphs.widths[piece] for piece in pieces)
            if Name.Resources not in page.obj:
                page.obj.Resources = Dictionary()
            resources = page.obj.Resources
            if Name.XObject not in resources:
                resources.XObject = Dictionary()
            operators = []
            for piece in pieces:
                resources.XObject[names[piece]] = forms[piece]
                operators.append(f"q 1 0 0 1 {x - glyphs.starts[piece]:.3f} 0 cm {names[piece]} Do Q")
                x += glyphs.widths[piece]
            page.contents_add(merged.make_stream(" ".join(operators).encode("ascii")), prepend=False)


def _attached(content, files: dict[str, bytes], manifest_bytes: bytes) -> list[tuple[str, str, bytes]]:
    """What the cover's file carries: every evidence file and the manifest, as (name, description, bytes)."""
    return [
        *((attachment_name(e), f"{e.name} ({e.sha256})", files[e.sha256]) for e in content.evidence),
        (MANIFEST_NAME, "SHA-256 of every section and file", manifest_bytes),
    ]


def _font_key(font) -> str | None:
    """What makes two embedded fonts interchangeable: the same program, widths and text mapping."""
    from pikepdf import Name

    try:
        described = font.DescendantFonts[0] if Name.DescendantFonts in font else font
        descriptor = described.FontDescriptor
        program = next(descriptor[key] for key in (Name.FontFile, Name.FontFile2, Name.FontFile3) if key in descriptor)
        digest = hashlib.sha256(program.read_raw_bytes())
    except (AttributeError, KeyError, IndexError, StopIteration, TypeError):
        return None
    for part in (font.get(Name.BaseFont), described.get(Name.W), described.get(Name.Widths), font.get(Name.Encoding)):
        digest.update(b"\x00" + (part.unparse() if part is not None else b""))
    if Name.ToUnicode in font:
        digest.update(b"\x00" + font.ToUnicode.read_raw_bytes())
    return digest.hexdigest()


def _share_fonts(merged) -> None:
    """Units rendered in one document each carry a copy of its font subsets: the pages, and the forms they draw
    (the shared margins, the page-number pieces), keep one."""
    from pikepdf import Dictionary, Name

    kept: dict[str, object] = {}
    keys: dict[tuple[int, int], str | None] = {}
    seen_forms: set[tuple[int, int]] = set()

    def share(resources) -> None:
        fonts = resources.get(Name.Font)
        if fonts is not None:
            for name in list(fonts.keys()):
                font = fonts[name]
                if not font.is_indirect:
                    continue
                if font.objgen not in keys:
                    keys[font.objgen] = _font_key(font)
                key = keys[font.objgen]
                if key is None:
                    continue
                first = kept.setdefault(key, font)
                if first.objgen != font.objgen:
                    fonts[name] = first
        for form in (resources.get(Name.XObject) or {}).values():
            if form.is_indirect and form.get(Name.Subtype) == Name.Form and form.objgen not in seen_forms:
                seen_forms.add(form.objgen)
                share(form.get(Name.Resources, Dictionary()))

    for page in merged.pages:
        share(page.obj.get(Name.Resources, Dictionary()))


def _merge(
    cover: bytes, units: list[bytes], static: bytes, numbers: _NumberGlyphs, marks: list[list[document.Mark]]
) -> bytes:
    """The pack: the cover's file (WeasyPrint's PDF/A-3b with the attachments) with every other unit's
    pages appended, the shared margins (``static``, one page) laid over each page, "Page n of N" drawn
    on it, and the outline rebuilt over the merged pages."""
    import pikepdf
    from pikepdf import OutlineItem

    merged = pikepdf.open(io.BytesIO(cover))
    # qpdf copies stream data from the source files when it writes: they stay open until then.
    sources = [pikepdf.open(io.BytesIO(pdf)) for pdf in [*units, static]]
    try:
        # One form XObject for the shared margins, referenced by every page rather than copied to each.
        shared = merged.copy_foreign(sources[-1].pages[0].as_form_xobject())
        for source in sources[: len(units)]:
            for page in source.pages:
                worker.without_internal_links(page)
                merged.pages.append(page)
        if len(marks) != len(merged.pages):
            raise PackError(f"the pack has {len(merged.pages)} pages where {len(marks)} were expected")
        for page in merged.pages:
            page.add_overlay(shared)
        _draw_page_numbers(merged, numbers)
        _share_fonts(merged)
        with merged.open_outline() as outline:
            outline.root.clear()
            parent = None
            for index, page_marks in enumerate(marks):
                for mark in page_marks:
                    item = OutlineItem(mark.label, index)
                    if mark.level == 1 or parent is None:
                        outline.root.append(item)
                        parent = item
                    else:
                        parent.children.append(item)
        output = io.BytesIO()
        merged.save(output, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return output.getvalue()
    finally:
        for source in sources:
            source.close()
        merged.close()


def _render_together(renderer, pages, content, cover, body, static, jobs_for, cache, versions, attached):
    """The cover and every unit still to render, the page stamps among them, laid out as one document in this
    process (see :func:`worker.render_together`): one document's fixed costs rather than one each for the cover,
    the contents, the body and the two stamps. When nothing of the body came from the cache (a first build),
    the contents is in that document too, its page numbers counted by the layout (``target-counter``), and it is
    kept in the cache as the contents with those numbers written out (what a repeat whose pages did not move
    finds there). Returns the base file, the page-number pieces and the contents unit (None: still to render).
    """
    body_jobs = renderer.take_queued()
    numbers_unit = document.number_glyphs(content)
    numbers = _kept_number_glyphs(cache, numbers_unit, versions)
    with_contents = not pages.reused
    front = [cover, *([document.contents(body)] if with_contents else [])]
    stamps = [] if numbers is not None else [numbers_unit]
    jobs = body_jobs + jobs_for([static])
    extra = [document.unit_parts(unit)[1] for unit in front]
    bodies = [
        *((unit.key, unit.anchor, html) for unit, html in zip(front, extra, strict=True)),
        *((job.key, job.anchor, job.body) for job in jobs),
        *((unit.key, unit.anchor, document.unit_parts(unit)[1]) for unit in stamps),
    ]
    files = {sha: data for job in jobs for sha, data in job.files.items()}
    media_types = {sha: kind for job in jobs for sha, kind in job.media_types.items()}
    future = renderer.call(
        worker.render_together,
        document.together_prefix(content),
        bodies,
        files,
        media_types,
        attached,
        numbers_unit.key if stamps else None,
    )
    base, parts, measures, seconds, peak, pid, cpu = renderer.outcome(future, "the pack")
    by_key = {job.key: job for job in jobs}
    produced = dict(parts)
    for key, pdf in parts:
        if key in by_key:
            pages.rendered_one(Rendered(key, pdf, seconds / len(bodies), peak, pid, cpu), by_key[key])
    if stamps:
        numbers = _keep_number_glyphs(cache, numbers_unit, versions, produced[numbers_unit.key], measures)
    if not with_contents:
        return base, numbers, None
    pdf = produced["contents"]
    length = _page_count(pdf)
    contents = _contents_at(body, pages.counts, _page_count(base) + 1 + length)
    pages.pdfs[contents.key], pages.counts[contents.key] = pdf, length
    pages.rendered.append(contents.key)
    if contents.cacheable:
        cache.put(cache_key(document.unit_document(contents), *versions), pdf)
    return base, numbers, contents


def _workers() -> int:
    configured = current_app.config.get("DEALERQMS_PACK_WORKERS")
    return default_workers() if configured is None else int(configured)


def prepare_worker() -> None:
    """Load, once in a long-lived job worker, what every pack's process (forked from it) would otherwise pay for
    on its own: WeasyPrint warm and the render workers' fork server running (:func:`render.keep_warm`),
    SQLAlchemy's mappers configured, matplotlib started for the KPI charts."""
    from sqlalchemy.orm import configure_mappers

    from core import charts

    keep_warm(_workers())
    configure_mappers()
    charts.counts_svg(title="warm-up", labels=["a", "b"], counts=[1, 2], statuses=[None, "red"])


def build_pack(audit, *, locale: str | None = None, progress: Progress | None = None) -> PackResult:
    """The pack of ``audit`` as PDF bytes (unsigned), with its single HTML document and manifest."""
    config = current_app.config
    workers = _workers()
    warm_up(workers)
    with force_locale(locale or config.get("BABEL_DEFAULT_LOCALE", "en")):
        # The job page shows these steps to whoever started the pack, in the pack's language.
        _tick(progress, 0, 1, _("Gathering the records"))
        cache = _cache()
        content = pack_content.gather(audit, memo=cache.text)
        versions = _versions()
        body = document.units(content, memo=cache.text)
        pack_key = _pack_key(content, body, versions)
        kept = _reuse_pack(cache, pack_key, audit.reference)
        if kept is not None:
            _tick(progress, 1, 1, _("Merging the pages"))
            return kept
        files = _read_evidence(content)
        media_types = {e.sha256: e.media_type for e in content.evidence}
        # Steps besides the body's units: gathering, the contents, the page stamps, the merge.
        pages = _Pages(cache, len(body) + 4, progress, start=1)
        _tick(progress, 1, len(body) + 4, _("Laying out the pack"))

        def jobs_for(units: list[document.Unit]) -> list[Job]:
            jobs = []
            for unit in units:
                prefix, unit_body = document.unit_parts(unit)
                key = cache_key(document.unit_document(unit), *versions) if unit.cacheable else None
                if key is not None and pages.reuse(unit, key):
                    continue
                pages.cache_keys[unit.key] = key
                jobs.append(
                    Job(
                        unit.key,
                        prefix,
                        unit_body,
                        unit.anchor,
                        {sha: files[sha] for sha in unit.files},
                        {sha: media_types[sha] for sha in unit.files},
                        unit.key,
                    )
                )
            return jobs

        def render_now(unit: document.Unit) -> bytes:
            """One unit rendered now (through the cache)."""
            renderer.check()
            renderer.render_now(jobs_for([unit]), pages.rendered_one)
            return pages.pdfs[unit.key]

        try:
            with Renderer(
                workers=workers,
                memory_limit_mb=config.get("DEALERQMS_PACK_WORKER_MEMORY_MB"),
                timeout=float(config.get("DEALERQMS_PACK_TIMEOUT", 900)),
            ) as renderer:
                renderer.submit(jobs_for(body), background=True)
                # While the workers render the body, this process writes what is left, which goes to the workers
                # after the body: the cover (with the document-level PDF/A-3b structure and the attachments), the
                # margins every page shares, the pieces of the page numbers and a draft of the contents.
                manifest = _manifest(content, body)
                manifest_bytes = canonical_json(manifest)
                manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
                cover = document.cover(content, manifest_sha256)
                html = document.document(content, [cover, document.contents(body)], body)
                static = document.static_stamp(content)
                attached = _attached(content, files, manifest_bytes)
                contents = None
                if renderer.here:
                    # One process renders everything: one document (see worker.render_together).
                    cover_pdf, numbers, contents = _render_together(
                        renderer, pages, content, cover, body, static, jobs_for, cache, versions, attached
                    )
                    assumed = None
                else:
                    renderer.submit(jobs_for([static]))
                    cover_pdf = renderer.call(
                        worker.render_cover, document.unit_document(cover), files, media_types, attached
                    )
                    numbers = _number_glyphs(cache, document.number_glyphs(content), versions, renderer)
                    # The contents' length (not its numbers) shifts the pages after it: a draft with placeholder
                    # numbers, laid out meanwhile by a worker, is the length to assume, so the real contents
                    # renders once.
                    assumed = renderer.call(
                        worker.laid_out_pages,
                        document.unit_document(
                            document.contents(body, dict.fromkeys((unit.key for unit in body), 9999))
                        ),
                    )
                    renderer.wait(pages.rendered_one)
                    cover_pdf = renderer.outcome(cover_pdf, "the cover")
                    numbers = numbers()
                pages.counts[cover.key] = _page_count(cover_pdf)
                static_pdf = pages.pdfs[static.key]
                if contents is None:
                    if assumed is None:
                        # Rendering here, a draft would cost as much as the contents: the length assumed is that
                        # of a contents with these pages already in the cache (a repeat pack whose pages did not
                        # move), else one page (a pack small enough to render here has a one-page contents),
                        # corrected if wrong.
                        first = pages.counts[cover.key] + 1
                        assumed = next(
                            (
                                length
                                for length in range(1, 5)
                                if cache.has(
                                    cache_key(
                                        document.unit_document(_contents_at(body, pages.counts, first + length)),
                                        *versions,
                                    )
                                )
                            ),
                            1,
                        )
                    else:
                        assumed = renderer.outcome(assumed, "the contents")
                    contents, _contents_pdf = _contents(
                        body, pages.counts, pages.counts[cover.key] + 1, render_now, assumed
                    )
                _tick(progress, len(body) + 2, len(body) + 4, _("Writing the contents"))
                order = [cover, contents, *body]
                marks = [
                    mark_list
                    for unit in order
                    for mark_list in [unit.marks] + [[] for _page in range(pages.counts[unit.key] - 1)]
                ]
                numbers.labels = [document.page_of_tokens(n, len(marks)) for n in range(1, len(marks) + 1)]
        except RenderFailed as error:
            raise PackError(str(error)) from None
    pdf = _merge(cover_pdf, [pages.pdfs[unit.key] for unit in order[1:]], static_pdf, numbers, marks)
    with force_locale(locale or config.get("BABEL_DEFAULT_LOCALE", "en")):
        _tick(progress, len(body) + 3, len(body) + 4, _("Numbering the pages"))
        _tick(progress, len(body) + 4, len(body) + 4, _("Merging the pages"))
    pages.peaks["main"] = peak_rss_kib()
    result = PackResult(
        audit.reference,
        pdf,
        html,
        manifest,
        manifest_sha256,
        pages=len(marks),
        rendered=[key for key in pages.rendered if not key.startswith("stamps/")],
        reused=[key for key in pages.reused if not key.startswith("stamps/")],
        peak_rss_kib=pages.peaks,
        render_seconds=pages.seconds,
        worker_cpu_seconds=pages.cpu,
    )
    _keep_pack(cache, pack_key, result, [*result.rendered, *result.reused])
    cache.evict()
    return result


def _tick(progress: Progress | None, done: int, total: int, label: str) -> None:
    if progress is not None:
        progress(done, total, label)


def sign_pdf(pdf: bytes, key_file: str, cert_file: str, passphrase: bytes | None = None) -> bytes:
    """A PAdES signature over the whole rendered pack (an incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    try:
        signer = signers.SimpleSigner.load(key_file, cert_file, key_passphrase=passphrase)
    except (OSError, ValueError, TypeError):
        signer = None
    if signer is None:
        raise PackError("the signing key or certificate could not be read")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason="dealerqms evidence pack",
    )
    return signers.sign_pdf(writer, metadata, signer=signer).getvalue()


def instance_signing_key() -> tuple[str | None, str | None, bytes | None]:
    """The key, certificate and passphrase configured for the instance (``DEALERQMS_PACK_SIGN_*``)."""
    config = current_app.config
    key, cert = config.get("DEALERQMS_PACK_SIGN_KEY"), config.get("DEALERQMS_PACK_SIGN_CERT")
    if bool(key) != bool(cert):
        raise PackError("the instance's signing key needs both DEALERQMS_PACK_SIGN_KEY and DEALERQMS_PACK_SIGN_CERT")
    passphrase = None
    if key and config.get("DEALERQMS_PACK_SIGN_PASSPHRASE_FILE"):
        try:
            passphrase = Path(config["DEALERQMS_PACK_SIGN_PASSPHRASE_FILE"]).read_bytes().rstrip(b"\r\n")
        except OSError:
            raise PackError("the passphrase file of the instance's signing key cannot be read") from None
    return key, cert, passphrase


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, so no reader ever sees half a pack."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_pack(
    reference: str,
    output: str | Path,
    *,
    html_output: str | Path | None = None,
    sign_key: str | None = None,
    sign_cert: str | None = None,
    locale: str | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Build the pack of audit ``reference`` and write it to ``output`` (only once it is complete).

    Without ``sign_key``/``sign_cert`` the instance's configured key signs it,
    when there is one. ``progress(done, total, label)`` is called as parts finish.
    """
    if bool(sign_key) != bool(sign_cert):
        raise PackError("signing needs both a key and a certificate")
    passphrase = None
    if not sign_key:
        sign_key, sign_cert, passphrase = instance_signing_key()
    # The fork server's start (importing WeasyPrint, loading the fonts) is the longest step before the first
    # unit can render: it begins before anything else, even the audit's lookup.
    warm_up(_workers())
    audit = audit_by_reference(reference)
    result = build_pack(audit, locale=locale, progress=progress)
    if sign_key:
        result.pdf = sign_pdf(result.pdf, sign_key, sign_cert, passphrase)
        result.signed = True
    write_atomically(Path(output), result.pdf)
    if html_output:
        write_atomically(Path(html_output), result.html.encode("utf-8"))
    return result
