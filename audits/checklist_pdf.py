"""A blank checklist of an audit, to print: for the auditor who works on paper and types the
results in afterwards.

An audit that has started prints its snapshot (the questions it keeps, in the reader's language
from the snapshot's translations); a planned one has no snapshot yet and prints its checklists as
the plugins define them now, which is what starting it would copy. Rendered through
:func:`core.pdf.render_pdf` (the restricted fetcher), planned date and times as they are: dates
are the site's days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, render_template
from flask_babel import gettext as _

from audits.labels import RESULT_LABELS
from audits.models import Audit
from core.checklists import catalog
from core.clock import utcnow
from core.pdf import css_string, page_of_css, render_pdf
from core.times import when, zone_of

PAGE_CSS = """
@page {
  size: A4;
  margin: 18mm 14mm 18mm 14mm;
  @top-left { content: HEADER; font-size: 8pt; color: #333; }
  @bottom-right { content: PAGE_OF; font-size: 8pt; }
}
html { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.35; }
h1 { font-size: 15pt; margin: 0 0 6pt; }
h2 { font-size: 12pt; margin: 12pt 0 4pt; border-bottom: 0.6pt solid #444; page-break-after: avoid; }
table.facts { border-collapse: collapse; width: 100%; margin-bottom: 6pt; }
table.facts th, table.facts td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
table.facts th { width: 25%; background: #eef1f5; }
.item { border: 0.6pt solid #777; padding: 4pt 6pt; margin: 0 0 5pt; page-break-inside: avoid; }
.item .question { font-weight: bold; margin: 0 0 2pt; }
.item .number { display: inline-block; min-width: 18pt; }
.item .reference, .item .guidance { color: #444; font-size: 8.5pt; margin: 0 0 2pt; }
.grades { margin: 3pt 0; font-size: 8.5pt; }
.grades .box { display: inline-block; margin-right: 9pt; white-space: nowrap; }
.grades .box::before { content: ""; display: inline-block; width: 8pt; height: 8pt; border: 0.7pt solid #222;
  margin-right: 3pt; vertical-align: -1pt; }
.notes { border: 0.5pt solid #999; height: 16mm; margin-top: 2pt; font-size: 7.5pt; color: #777; padding: 1pt 3pt; }
.muted { color: #555; }
"""


@dataclass
class BlankItem:
    position: int
    text: str
    reference: str = ""
    guidance: str = ""


@dataclass
class BlankChecklist:
    title: str
    items: list[BlankItem] = field(default_factory=list)


def blank_checklists(audit: Audit) -> list[BlankChecklist]:
    """The checklists to print: the audit's snapshot once started, else the plugins' current ones."""
    if audit.checklists:
        return [
            BlankChecklist(
                checklist.shown("title"),
                [
                    BlankItem(item.position, item.shown("text"), item.shown("reference"), item.shown("guidance"))
                    for item in checklist.items
                ],
            )
            for checklist in audit.checklists
        ]
    known = catalog.checklists()
    printed, position = [], 0
    for key in audit.checklist_keys:
        definition = known.get(key)
        if definition is None:
            # Its plugin is gone: the audit cannot start with it either (the page says so).
            continue
        items = []
        for question in definition.questions:
            position += 1
            items.append(
                BlankItem(position, str(question.text), str(question.reference or ""), str(question.guidance or ""))
            )
        printed.append(BlankChecklist(str(definition.title), items))
    return printed


def checklist_html(audit: Audit) -> str:
    zone = zone_of(audit.site)
    return render_template(
        "audits/blank_checklist.html",
        audit=audit,
        checklists=blank_checklists(audit),
        grades=[str(label) for label in RESULT_LABELS.values()],
        printed_at=when(utcnow(), zone, named=True),
    )


def checklist_pdf(audit: Audit) -> bytes:
    header = f"{audit.reference} · {_('Blank checklist')} · {audit.site.code}"
    css = PAGE_CSS.replace("HEADER", css_string(header)).replace("PAGE_OF", page_of_css())
    return render_pdf(checklist_html(audit), stylesheets=[css])


def checklist_download(audit: Audit) -> Response:
    return Response(
        checklist_pdf(audit),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{audit.reference}-checklist.pdf"'},
    )
