"""The pack as print HTML: one section at a time, then the whole document.

Each section is rendered on its own so that its SHA-256 can go into the
manifest. Everything users typed reaches the HTML through Jinja's
autoescaping (procedure bodies through the procedures' sanitizing renderer),
so no field can add markup, a script or a fetch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from jinja2 import FileSystemLoader
from markupsafe import Markup

from audits.pack.content import PackContent, owner_label
from core.database import iso_utc
from core.pdf import FILES_PREFIX
from core.signatures import manifestation
from core.signatures.service import MEANINGS

TEMPLATES = Path(__file__).parent / "templates"

PRINT_CSS = """
@page {
  size: A4;
  margin: 24mm 15mm 22mm 15mm;
  @top-left { content: element(pack-header); width: 100%; }
  @bottom-right { content: PAGE_OF; width: 40%; font-size: 8pt; text-align: right; }
  @bottom-left { content: REFERENCE; width: 60%; font-size: 8pt; }
}
html { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4; }
.pack-header { position: running(pack-header); font-size: 8pt; border-bottom: 0.6pt solid #333; }
.pack-header table { width: 100%; table-layout: fixed; border-collapse: collapse; margin: 0; }
.pack-header td { border: none; padding: 1pt 0; }
section { page-break-before: always; }
section.cover { page-break-before: auto; }
h1 { font-size: 15pt; bookmark-level: 1; bookmark-label: content(text); page-break-after: avoid; }
h2 { font-size: 12pt; bookmark-level: 2; bookmark-label: content(text); page-break-after: avoid; }
h3 { font-size: 10.5pt; bookmark-level: none; page-break-after: avoid; }
.procedure-body h1, .procedure-body h2, .procedure-body h3, .plugin-body h1, .plugin-body h2 {
  bookmark-level: none; font-size: 10.5pt; }
table { width: 100%; table-layout: fixed; border-collapse: collapse; margin: 4pt 0 8pt; }
th, td { border: 0.5pt solid #888; padding: 2pt 4pt; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #eef1f6; }
tr { page-break-inside: avoid; }
.hash, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; overflow-wrap: anywhere; }
.small { font-size: 7.5pt; }
.note { white-space: pre-wrap; }
.thumb { width: 28mm; max-height: 28mm; margin: 1pt; }
.figure { page-break-inside: avoid; margin: 6pt 0; }
.figure img { max-width: 100%; max-height: 120mm; }
.chart svg { width: 100%; height: auto; }
.fishbone { width: 100%; height: auto; }
.cover-title { font-size: 20pt; margin-top: 30mm; bookmark-level: 1; }
.toc a { color: #000; text-decoration: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
.toc li { list-style: none; }
.ok { color: #2e7d32; font-weight: bold; }
.bad { color: #c62828; font-weight: bold; }
"""


def css_string(text: str) -> str:
    """``text`` as a CSS string literal (every character that could end or escape it is hex-escaped)."""
    return '"' + "".join(c if c.isalnum() or c in " .-_:/()" else f"\\{ord(c):x} " for c in text) + '"'


def print_css(reference: str) -> str:
    page_of = _("Page %(n)s of %(total)s", n="\x00", total="\x01")
    before, _sep, rest = page_of.partition("\x00")
    middle, _sep, after = rest.partition("\x01")
    content = " ".join(part for part in (css_string(before) if before else "", "counter(page)",
                                         css_string(middle) if middle else "", "counter(pages)",
                                         css_string(after) if after else "") if part)
    return PRINT_CSS.replace("PAGE_OF", content).replace("REFERENCE", css_string(reference))


@dataclass
class Section:
    key: str
    title: str
    html: Markup

    @property
    def sha256(self) -> str:
        return hashlib.sha256(str(self.html).encode("utf-8")).hexdigest()


def _environment():
    return current_app.jinja_env.overlay(loader=FileSystemLoader(str(TEMPLATES)))


def _helpers() -> dict:
    from audits import views

    return {
        "result_labels": views.RESULT_LABELS, "state_labels": views.STATE_LABELS,
        "fishbone_labels": views.FISHBONE_LABELS, "eight_d_labels": views.EIGHT_D_LABELS,
        "manifestation": manifestation, "owner_label": owner_label,
        "meaning": lambda signature: str(MEANINGS.get(signature.meaning, signature.meaning)),
        "when": lambda value: iso_utc(value)[:19].replace("T", " ") + " UTC" if value else "",
        "file_url": lambda evidence: f"{FILES_PREFIX}{evidence.sha256}",
    }


def sections(content: PackContent) -> list[Section]:
    """Every section after the cover and the contents, in pack order."""
    from audits.rendering import fishbone_svg
    from procedures.rendering import render

    env = _environment()
    common = {"pack": content, "audit": content.audit, **_helpers()}

    def section(key: str, title: str, template: str, **extra) -> Section:
        html = env.get_template(template).render(key=key, title=title, **common, **extra)
        return Section(key, title, Markup(html))

    found = [
        section("plan", _("Audit plan and scope"), "plan.html"),
        section("checklists", _("Checklist results"), "checklists.html"),
        section("findings", _("Findings summary"), "findings.html", counts=content.audit.result_counts()),
        section("nonconformities", _("Nonconformities"), "nonconformities.html",
                fishbones={nc.id: fishbone_svg(nc.root_cause, _helpers()["fishbone_labels"], nc.reference)
                           for nc in content.nonconformities}),
        section("procedures", _("Procedures in force on the audit date"), "procedures.html",
                bodies={entry.code: render(entry.revision.body) for entry in content.criteria if entry.revision}),
        section("kpis", _("KPI trends in the 12 months before the audit"), "kpis.html"),
    ]
    for number, plugin_section in enumerate(content.plugin_sections, start=1):
        # A plugin's section is its own print-ready HTML (PackSection's contract); the title is escaped.
        found.append(section(f"plugin-{number}", str(plugin_section.title), "plugin.html",
                             body=Markup(plugin_section.html)))
    found += [
        section("evidence", _("Evidence index"), "evidence.html"),
        section("trail", _("Audit trail"), "trail.html"),
        section("signatures", _("Signatures"), "signatures.html"),
    ]
    return found


def front_matter(content: PackContent, body: list[Section], manifest_sha256: str) -> list[Section]:
    env = _environment()
    common = {"pack": content, "audit": content.audit, "sections": body, "manifest_sha256": manifest_sha256,
              **_helpers()}
    cover = Markup(env.get_template("cover.html").render(**common))
    contents = Markup(env.get_template("contents.html").render(title=_("Contents"), **common))
    return [Section("cover", content.audit.reference, cover), Section("contents", _("Contents"), contents)]


def document(content: PackContent, front: list[Section], body: list[Section]) -> str:
    """The whole pack, its print CSS inside, so the HTML alone renders to the same PDF."""
    return _environment().get_template("document.html").render(
        audit=content.audit, sections=[*front, *body], generated=_helpers()["when"](content.generated_at),
        css=Markup(print_css(content.audit.reference)), lang=str(get_locale() or "en").replace("_", "-"))
