"""The pack as print HTML, cut into render units.

A render unit is a piece of the pack that starts on a new page and renders
on its own: the cover, the contents, the plan, each chunk of a checklist,
the findings, each NC, each procedure revision, the KPI charts, each plugin
section, the evidence index, the trail's chain result and each chunk of its
events, the signatures. Units carry nothing that changes from one pack to
the next unless their content changed (no generation time, no page numbers:
those are stamped across the merged document), so the PDF of a unit can be
cached by the hash of its HTML.

The same units, concatenated, make the single HTML document of the whole
pack (``--html``), whose CSS page counters and ``target-counter`` contents
render the complete pack in one plain WeasyPrint run.

Everything users typed reaches the HTML through Jinja's autoescaping
(procedure bodies through the procedures' sanitizing renderer), so no field
can add markup, a script or a fetch.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from jinja2 import FileSystemBytecodeCache, FileSystemLoader
from markupsafe import Markup

from audits import labels, scoring
from audits.fishbone import fishbone_svg
from audits.pack.content import PackContent, owner_label, product_version
from core import charts
from core.pdf import FILES_PREFIX, css_string, page_of_css
from core.signatures import manifestation
from core.signatures.service import MEANINGS
from core.times import shown_in, when, zone_of
from procedures.markdown import body_sha256, render

TEMPLATES = Path(__file__).parent / "templates"

# Fixed chunk sizes: an old chunk keeps its exact HTML (and its cached PDF)
# when a response elsewhere or a new trail event changes another chunk. A checklist
# chunk of 8 items (two pages or so of long notes) is what one changed response
# lays out again: a chunk of 20, up to five pages, was most of a repeat pack's layout.
CHECKLIST_CHUNK = 8
TRAIL_CHUNK = 25

PAGE_RULES = """
@page {
  size: A4;
  margin: 24mm 15mm 22mm 15mm;
MARGIN_BOXES}
"""

# Plain strings in the margin boxes: a running element (a table per page) lays out several times slower.
MARGIN_BOXES = """  @top-left { content: HEADER_LEFT; width: 55%; font-size: 8pt; font-weight: bold;
              border-bottom: 0.6pt solid #333; }
  @top-right { content: HEADER_RIGHT; width: 45%; font-size: 8pt; text-align: right;
               border-bottom: 0.6pt solid #333; }
  @bottom-right { content: PAGE_OF; width: 40%; font-size: 8pt; text-align: right; }
  @bottom-left { content: REFERENCE; width: 60%; font-size: 8pt; }
"""

BODY_CSS = """
html { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4; }
section { page-break-before: always; }
section.cover { page-break-before: auto; }
h1 { font-size: 15pt; bookmark-level: none; page-break-after: avoid; }
h2 { font-size: 12pt; bookmark-level: none; page-break-after: avoid; }
h3 { font-size: 10.5pt; bookmark-level: none; page-break-after: avoid; }
.procedure-body h1, .procedure-body h2, .procedure-body h3, .plugin-body h1, .plugin-body h2 { font-size: 10.5pt; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; margin: 4pt 0 8pt; }
th, td { border: 0.5pt solid #888; padding: 2pt 4pt; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eef1f6; }
tr { page-break-inside: avoid; }
.hash, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; overflow-wrap: anywhere; }
.small { font-size: 7.5pt; }
table.trail .hash { font-size: 6.5pt; white-space: nowrap; }
.note { white-space: pre-wrap; }
.thumb { width: 28mm; max-height: 28mm; margin: 1pt; }
.figure { page-break-inside: avoid; margin: 6pt 0; }
.figure img { max-width: 100%; max-height: 120mm; }
.chart svg { width: 100%; height: auto; }
table.bars { margin-top: 10pt; font-size: 8pt; }
table.bars td { border: none; padding: 2.5pt 4pt; vertical-align: middle; }
table.bars td.label { text-align: right; }
table.bars td.track { border-left: 0.6pt solid #17233b; }
table.bars .bar { display: inline-block; height: 10pt; vertical-align: middle; }
.fishbone { width: 100%; height: auto; }
.cover-title { font-size: 20pt; margin-top: 30mm; }
.toc a { color: #000; text-decoration: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
.toc a.numbered::after { content: leader('.') attr(data-page); }
.toc li { list-style: none; }
.toc li.level-2 { margin-left: 12pt; font-size: 9pt; }
.ok { color: #2e7d32; font-weight: bold; }
.bad { color: #c62828; font-weight: bold; }
"""

# Bookmarks of the single HTML document; the merged pack gets the same ones from its page stamps.
BOOKMARK_CSS = """
.mark-1 { bookmark-level: 1; bookmark-label: attr(data-label); }
.mark-2 { bookmark-level: 2; bookmark-label: attr(data-label); }
"""


def _margins(reference: str, title: str, audit_date: str, page_of: str) -> str:
    return (
        MARGIN_BOXES.replace("PAGE_OF", page_of)
        .replace("REFERENCE", css_string(reference))
        .replace("HEADER_LEFT", css_string(f"{reference} · {title}"))
        .replace("HEADER_RIGHT", css_string(f"{_('Evidence pack')} · {_('Audit date')} {audit_date}"))
    )


def print_css(reference: str, title: str, audit_date: str) -> str:
    """The CSS of the whole document: pages with the running header, "Page n of N" and the reference."""
    return (
        PAGE_RULES.replace("MARGIN_BOXES", _margins(reference, title, audit_date, page_of_css()))
        + BODY_CSS
        + BOOKMARK_CSS
    )


def _box(margins: str, name: str) -> str:
    """One margin box's rule (``@top-left { … }``, over as many lines as it takes) from the margins CSS."""
    return "  " + re.search(rf"@{name} \{{[^}}]*\}}", margins).group(0) + "\n"


def static_stamp_css(reference: str, title: str, audit_date: str) -> str:
    """The margins every page shares (running header, reference): rendered once, laid over every page."""
    margins = _margins(reference, title, audit_date, "none")
    boxes = "".join(_box(margins, name) for name in ("top-left", "top-right", "bottom-left"))
    return PAGE_RULES.replace("MARGIN_BOXES", boxes) + BODY_CSS


# A unit has the same page box as the whole document but empty margins: the
# stamp pass prints header, page numbers and reference over the merged pages.
UNIT_CSS = PAGE_RULES.replace("MARGIN_BOXES", "") + BODY_CSS


NUMBERS_KEY, STATIC_KEY = "stamps/numbers", "stamps/static"
NUMBERS_ANCHOR, STATIC_ANCHOR = "u-stamps-numbers", "u-stamps-static"


@dataclass(frozen=True)
class Mark:
    """A bookmark (and a contents line) pointing at the first page of a unit."""

    level: int
    label: str


@dataclass
class Unit:
    key: str  # unique and stable, e.g. "checklists/sales.showroom/1"
    section: str  # the manifest's section key, e.g. "checklists"
    title: str
    html: Markup
    marks: list[Mark] = field(default_factory=list)
    files: tuple[str, ...] = ()  # SHA-256 of the evidence files the unit shows
    cacheable: bool = True
    css: str | None = None  # None: UNIT_CSS
    wrapper: str = "section"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(str(self.html).encode("utf-8")).hexdigest()

    @property
    def anchor(self) -> str:
        return "u-" + re.sub(r"[^A-Za-z0-9_-]+", "-", self.key)


def _environment():
    # One overlay per app: each new overlay starts with its own template cache, compiling every template
    # again (a few tenths of a second a pack, more than a repeat pack's own work).
    env = current_app.extensions.get("audits.pack.templates")
    if env is None or env.linked_to is not current_app.jinja_env:
        # Compiled templates are kept in the instance too: a pack made by a fresh process (a job) would compile
        # them all again, 0.1-0.15 CPU seconds, a third of what a pack with nothing changed costs.
        compiled = Path(current_app.instance_path) / "cache" / "pack-templates"
        try:
            compiled.mkdir(parents=True, exist_ok=True)
            kept = FileSystemBytecodeCache(str(compiled))
        except OSError:  # an instance folder that cannot be written: compiled each time, as before
            kept = None
        env = current_app.jinja_env.overlay(loader=FileSystemLoader(str(TEMPLATES)), bytecode_cache=kept)
        current_app.extensions["audits.pack.templates"] = env
    return env


def _helpers(content: PackContent) -> dict:
    # The pack is read by auditors anywhere, years later: the audit's site's clock, named.
    zone = zone_of(content.audit.site)
    return {
        "result_labels": labels.RESULT_LABELS,
        "state_labels": labels.STATE_LABELS,
        "severity_labels": labels.SEVERITY_LABELS,
        "fishbone_labels": labels.FISHBONE_LABELS,
        "eight_d_labels": labels.EIGHT_D_LABELS,
        "manifestation": lambda signature: manifestation(signature, zone),
        "owner_label": owner_label,
        "meaning": lambda signature: str(MEANINGS.get(signature.meaning, signature.meaning)),
        "when": lambda value: when(value, zone, named=True, seconds=True),
        "file_url": lambda evidence: f"{FILES_PREFIX}{evidence.sha256}",
    }


def _stable_svg_ids(svg: str, prefix: str) -> str:
    """The chart with its random element-id prefix replaced by a fixed one, so the same chart is the same HTML."""
    found = re.search(r'id="(c[0-9a-f]{8}-)', svg)
    return svg.replace(found.group(1), prefix) if found else svg


# Findings colours by grade: what the dashboard uses for good, warning and bad.
GRADE_COLOURS = {
    "conforming": charts.COLOURS["green"],
    "observation": charts.COLOURS[None],
    "ofi": charts.COLOURS[None],
    "minor_nc": charts.COLOURS["amber"],
    "major_nc": charts.COLOURS["red"],
    "not_applicable": charts.COLOURS[None],
    "unanswered": charts.COLOURS[None],
}


@dataclass(frozen=True)
class Bar:
    """One bar of the findings chart."""

    label: str
    count: int
    width: float  # per cent of the chart's track
    colour: str


def findings_bars(counts: dict[str, int], labels: dict) -> list[Bar]:
    """Counts by grade as the bars of a chart the page lays out itself, first grade on top, coloured as on the
    dashboard. No drawing library: matplotlib's start alone cost a pack made in a fresh process (a job) about
    0.6 CPU seconds, a seventh of the whole first build of a typical pack."""
    keys = [*labels, "unanswered"]
    values = [counts.get(key, 0) for key in keys]
    longest = max([*values, 1])
    # The longest bar leaves room beside it for its count.
    return [
        Bar(str(labels.get(key, _("unanswered"))), value, round(88 * value / longest, 2), GRADE_COLOURS[key])
        for key, value in zip(keys, values, strict=True)
    ]


def findings_unit(content: PackContent) -> Unit:
    """The findings summary: counts by grade as a table and a bar chart, the report's summary and conclusion."""
    helpers = _helpers(content)
    title = _("Findings summary")
    counts = content.audit.result_counts()
    html = (
        _environment()
        .get_template("findings.html")
        .render(
            title=title,
            pack=content,
            audit=content.audit,
            **helpers,
            counts=counts,
            bars=findings_bars(counts, helpers["result_labels"]),
        )
    )
    return Unit("findings", "findings", title, Markup(html), [Mark(1, title)])


def _procedure_body(body: str, memo=None) -> Markup:
    """A procedure revision's text as sanitised HTML; ``memo(key, produce)`` may keep it (see ``UnitCache.text``):
    the revision in force never changes, and a pack made in a fresh process (a job) would otherwise import and
    run the Markdown converter and the sanitiser for it every time, a twentieth of a repeat pack's CPU time."""
    if memo is None:
        return render(body)
    key = f"procedure-body/1\x00{product_version()}\x00{body_sha256(body)}"
    return Markup(memo(hashlib.sha256(key.encode("utf-8")).hexdigest(), lambda: str(render(body))))


def units(content: PackContent, memo=None) -> list[Unit]:
    """Every unit after the cover and the contents, in pack order. ``memo(key, produce)`` may keep texts that
    depend on nothing but their key (see :func:`_procedure_body`)."""
    env = _environment()
    helpers = _helpers(content)
    common = {"pack": content, "audit": content.audit, **helpers}
    found: list[Unit] = []

    def add(key: str, section: str, title: str, template: str, marks: list[Mark], files=(), **extra) -> None:
        with shown_in(zone_of(content.audit.site)):
            html = env.get_template(template).render(title=title, **common, **extra)
        found.append(Unit(key, section, title, Markup(html), marks, tuple(files)))

    add("plan", "plan", _("Audit plan and scope"), "plan.html", [Mark(1, _("Audit plan and scope"))])

    title = _("Checklist results")
    if not content.audit.checklists:
        add("checklists", "checklists", title, "checklists.html", [Mark(1, title)], heading=title, checklist=None)
    for number, checklist in enumerate(content.audit.checklists):
        items = list(checklist.items)
        for start in range(0, max(len(items), 1), CHECKLIST_CHUNK):
            chunk = items[start : start + CHECKLIST_CHUNK]
            marks = ([Mark(1, title)] if number == 0 and start == 0 else []) + (
                [Mark(2, checklist.shown("title"))] if start == 0 else []
            )
            add(
                f"checklists/{checklist.key}/{start // CHECKLIST_CHUNK}",
                "checklists",
                title,
                "checklists.html",
                marks,
                files=[e.sha256 for item in chunk for e in item.evidence if e.is_image],
                heading=title if number == 0 and start == 0 else None,
                checklist=checklist,
                items=chunk,
                first=start == 0,
                score=scoring.score_checklist(checklist, items) if checklist.scored and start == 0 else None,
            )

    found.append(findings_unit(content))

    title = _("Nonconformities")
    if not content.nonconformities:
        add(
            "nonconformities",
            "nonconformities",
            title,
            "nonconformities.html",
            [Mark(1, title)],
            heading=title,
            nc=None,
        )
    for number, nc in enumerate(content.nonconformities):
        label = f"{nc.reference} — {nc.shown('title')}"
        marks = ([Mark(1, title)] if number == 0 else []) + [Mark(2, label)]
        add(
            f"nonconformities/{nc.reference}",
            "nonconformities",
            title,
            "nonconformities.html",
            marks,
            heading=title if number == 0 else None,
            nc=nc,
            fishbone=fishbone_svg(nc.root_cause, helpers["fishbone_labels"], nc.reference),
        )

    title = _("Procedures in force on the audit date")
    if not content.criteria:
        add("procedures", "procedures", title, "procedures.html", [Mark(1, title)], heading=title, entry=None)
    for number, entry in enumerate(content.criteria):
        label = entry.code + (
            f" — {_('revision %(number)s', number=entry.revision.number)}: {entry.revision.title}"
            if entry.revision
            else ""
        )
        marks = ([Mark(1, title)] if number == 0 else []) + [Mark(2, label)]
        add(
            f"procedures/{entry.code}/{entry.revision.number if entry.revision else '-'}",
            "procedures",
            title,
            "procedures.html",
            marks,
            heading=title if number == 0 else None,
            entry=entry,
            body=_procedure_body(entry.revision.body, memo) if entry.revision else None,
        )

    title = _("KPI trends in the 12 months before the audit")
    add(
        "kpis",
        "kpis",
        title,
        "kpis.html",
        [Mark(1, title)],
        charts=[Markup(_stable_svg_ids(str(kpi.svg), f"kpi{n}-")) for n, kpi in enumerate(content.kpis)],
    )

    for number, plugin_section in enumerate(content.plugin_sections, start=1):
        # A plugin's section is its own print-ready HTML (PackSection's contract); the title is escaped.
        title = str(plugin_section.title)
        add(
            f"plugin-{number}",
            f"plugin-{number}",
            title,
            "plugin.html",
            [Mark(1, title)],
            body=Markup(plugin_section.html),
        )

    title = _("Evidence index")
    add(
        "evidence",
        "evidence",
        title,
        "evidence.html",
        [Mark(1, title)],
        files=[e.sha256 for e in content.evidence if e.is_image],
    )

    title = _("Audit trail")
    add("trail", "trail", title, "trail_chain.html", [Mark(1, title)])
    for start in range(0, len(content.events), TRAIL_CHUNK):
        add(
            f"trail/{start // TRAIL_CHUNK}",
            "trail",
            title,
            "trail_events.html",
            [],
            events=content.events[start : start + TRAIL_CHUNK],
        )

    title = _("Signatures")
    add("signatures", "signatures", title, "signatures.html", [Mark(1, title)])
    return found


@dataclass
class ContentsLine:
    level: int
    label: str
    anchor: str
    page: int | None  # None: the single HTML document counts it itself (target-counter)


def contents_lines(body: list[Unit], pages: dict[str, int] | None = None) -> list[ContentsLine]:
    return [
        ContentsLine(mark.level, mark.label, unit.anchor, pages[unit.key] if pages else None)
        for unit in body
        for mark in unit.marks
    ]


def cover(content: PackContent, manifest_sha256: str) -> Unit:
    html = (
        _environment()
        .get_template("cover.html")
        .render(pack=content, audit=content.audit, manifest_sha256=manifest_sha256, **_helpers(content))
    )
    return Unit(
        "cover", "cover", content.audit.reference, Markup(html), [Mark(1, content.audit.reference)], cacheable=False
    )


def contents(body: list[Unit], pages: dict[str, int] | None = None) -> Unit:
    title = _("Contents")
    html = _environment().get_template("contents.html").render(title=title, lines=contents_lines(body, pages))
    return Unit("contents", "contents", title, Markup(html), [Mark(1, title)])


def _lang() -> str:
    return str(get_locale() or "en").replace("_", "-")


def unit_parts(unit: Unit) -> tuple[str, str]:
    """``(prefix, body)`` of the unit's own document: the prefix runs from the doctype to the opening
    ``<body>``, the body is one element that starts on a new page. Units with the same prefix can be
    laid out together as one document and split by page afterwards."""
    prefix = (
        f'<!doctype html><html lang="{_lang()}"><head><meta charset="utf-8">'
        f"<style>{unit.css or UNIT_CSS}</style></head><body>"
    )
    classes = unit.section.split("-")[0]
    return prefix, f'<{unit.wrapper} id="{unit.anchor}" class="{classes}">{unit.html}</{unit.wrapper}>'


def unit_document(unit: Unit) -> str:
    """One unit as a document of its own: what the cache key hashes (and what renders)."""
    prefix, body = unit_parts(unit)
    return prefix + body + "</body></html>"


def _header(content: PackContent) -> tuple[str, str, str]:
    # No generation time in the page header: the cover has it, and the stamps stay the same from pack to pack.
    return content.audit.reference, content.audit.title, content.audit_date.isoformat()


def document(content: PackContent, front: list[Unit], body: list[Unit]) -> str:
    """The whole pack, its print CSS inside, so the HTML alone renders to the complete pack."""
    return (
        _environment()
        .get_template("document.html")
        .render(units=[*front, *body], css=Markup(print_css(*_header(content))), lang=_lang(), audit=content.audit)
    )


def page_of_tokens(n: int | str, total: int | str) -> list[str]:
    """The translated "Page n of N" as the pieces it is drawn from: the sentence's own text and single digits."""
    pieces = re.split(r"(\x00|\x01)", _("Page %(n)s of %(total)s", n="\x00", total="\x01"))
    found = []
    for piece in pieces:
        found += list(str(n)) if piece == "\x00" else list(str(total)) if piece == "\x01" else [piece] if piece else []
    return found


def number_tokens() -> list[str]:
    """The pieces :func:`number_glyphs` renders, one a page, in order: the sentence's text, then the digits."""
    return [
        *dict.fromkeys(token for token in page_of_tokens("\x00", "\x01") if token not in ("\x00", "\x01")),
        *"0123456789",
    ]


def number_glyphs(content: PackContent) -> Unit:
    """One page per piece of "Page n of N" (see :func:`page_of_tokens`), each where the page number goes but
    left-aligned: every page's number is drawn from these pieces, side by side, right-aligned."""
    box = _box(_margins(*_header(content), "string(page-of)"), "bottom-right").replace(
        "text-align: right;", "text-align: left; white-space: pre;"
    )
    css = PAGE_RULES.replace("MARGIN_BOXES", box) + BODY_CSS + ".stamp { string-set: page-of attr(data-page-of); }"
    html = _environment().get_template("stamps.html").render(labels=number_tokens())
    return Unit(NUMBERS_KEY, "stamps", "", Markup(html), css=css, wrapper="div")


def static_stamp(content: PackContent) -> Unit:
    """One empty page but for the running header and the reference: the same for every page of the pack
    (and every pack of the audit), so it renders once, whatever the page count, and is laid over each page."""
    html = _environment().get_template("stamps.html").render(labels=[""])
    return Unit(STATIC_KEY, "stamps", "", Markup(html), css=static_stamp_css(*_header(content)), wrapper="div")


def together_prefix(content: PackContent) -> str:
    """The prefix of one document holding units of every kind (see :func:`audits.pack.worker.render_together`):
    the units' page box, and the page stamps' margins on pages named after them, so that each stamp unit lays out
    as it does in a document of its own and every other unit as in :data:`UNIT_CSS`."""
    margins = _margins(*_header(content), "string(page-of)")
    static = "".join(_box(margins, name) for name in ("top-left", "top-right", "bottom-left"))
    numbers = _box(margins, "bottom-right").replace("text-align: right;", "text-align: left; white-space: pre;")
    css = (
        UNIT_CSS
        + f"@page static {{\n{static}}}\n@page numbers {{\n{numbers}}}\n"
        + f"#{STATIC_ANCHOR} {{ page: static; }} #{NUMBERS_ANCHOR} {{ page: numbers; }}\n"
        + f"#{NUMBERS_ANCHOR} .stamp {{ string-set: page-of attr(data-page-of); }}\n"
    )
    return f'<!doctype html><html lang="{_lang()}"><head><meta charset="utf-8"><style>{css}</style></head><body>'
