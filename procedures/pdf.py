"""The controlled copy of a revision as a PDF."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from core.clock import utcnow
from core.pdf import page_of_css, render_pdf
from core.signatures import MEANINGS, manifestation, signatures_for
from core.times import when, zone_of
from procedures.labels import revision_state
from procedures.markdown import render
from procedures.models import Revision, RevisionState

PRINT_CSS = """
@page {
  size: A4;
  margin: 34mm 16mm 30mm 16mm;
  @top-center { content: element(copy-header); width: 100%; }
  @bottom-left { content: element(copy-footer); width: 80%; }
  @bottom-right { content: PAGE_OF; width: 20%; font-size: 8pt;
                  text-align: right; vertical-align: top; padding-top: 2pt; }
}
html { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.45; }
.copy-header { position: running(copy-header); font-size: 8.5pt; border-bottom: 0.6pt solid #333; }
.copy-header table, .copy-footer table { width: 100%; table-layout: fixed; border-collapse: collapse; }
.copy-header td { padding: 1pt 3pt; vertical-align: top; }
.copy-header .code { font-weight: bold; font-size: 10pt; }
.copy-footer { position: running(copy-footer); font-size: 7.5pt; border-top: 0.6pt solid #333; color: #222; }
.copy-footer td { padding: 1pt 3pt; vertical-align: top; }
.status-mark { position: fixed; top: 95mm; left: 0; right: 0; text-align: center; font-size: 54pt;
  font-weight: bold; color: rgba(176, 0, 32, 0.18); transform: rotate(-30deg); }
.body table { border-collapse: collapse; width: 100%; table-layout: fixed; }
.body th, .body td { border: 0.5pt solid #888; padding: 2pt 4pt; }
.body pre { white-space: pre-wrap; font-size: 8.5pt; background: #f4f4f4; padding: 4pt; }
h1, h2, h3 { page-break-after: avoid; }
.signatures { margin-top: 14pt; page-break-inside: avoid; }
.signatures table { width: 100%; border-collapse: collapse; table-layout: fixed; }
.signatures th, .signatures td { border: 0.5pt solid #888; padding: 2pt 4pt; text-align: left; }
"""


def status_mark(revision: Revision) -> str | None:
    """The mark across a copy that is not in force, in the language of the copy."""
    if revision.procedure.withdrawn:
        return _("OBSOLETE — WITHDRAWN")
    if revision.state == RevisionState.SUPERSEDED:
        return _("SUPERSEDED")
    if revision.state != RevisionState.EFFECTIVE:
        return _("%(state)s — NOT IN FORCE", state=revision_state(revision.state).upper())
    return None


def controlled_copy_html(revision: Revision) -> str:
    signatures = [s for s in signatures_for(revision) if s.meaning in ("approved", "periodic-review")]
    # A copy is read away from the screen: its times are its site's (the group's for a group procedure), named.
    zone = zone_of(revision.procedure.site)
    return render_template(
        "procedures/controlled_copy.html",
        revision=revision,
        procedure=revision.procedure,
        body=render(revision.body),
        signatures=signatures,
        manifestation=lambda signature: manifestation(signature, zone),
        zone=zone,
        meaning=lambda signature: str(MEANINGS.get(signature.meaning, signature.meaning)),
        revision_state=revision_state,
        status_mark=status_mark(revision),
        printed_at=when(utcnow(), zone, named=True),
    )


def controlled_copy_pdf(revision: Revision) -> bytes:
    # "Page n of N" in the reader's language.
    return render_pdf(controlled_copy_html(revision), stylesheets=[PRINT_CSS.replace("PAGE_OF", page_of_css())])
