"""The record of a management review as a PDF/A: its plan, the inputs as compiled with charts,
what was discussed and decided per input, the outputs and the chair's signature.

Rendered through :func:`core.pdf.render_pdf` (the restricted fetcher: nothing in a review's
texts can pull a file or a URL into the PDF), in the reader's language, with times in the
site's time zone (the group office's for a review of the group).
"""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import gettext as _

from audits.reviews import charts, inputs, services
from audits.reviews.models import ManagementReview
from core.clock import utcnow
from core.pdf import css_string, page_of_css, render_pdf
from core.signatures import manifestation
from core.times import when, zone_of

PDF_VARIANT = "pdf/a-3b"

PAGE_CSS = """
@page {
  size: A4;
  margin: 22mm 16mm 20mm 16mm;
  @top-left { content: HEADER; font-size: 8pt; color: #333; }
  @bottom-left { content: FOOTER; font-size: 7pt; color: #555; }
  @bottom-right { content: PAGE_OF; font-size: 8pt; }
}
html { font-family: "Noto Sans CJK SC", "Noto Sans", "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4; }
h1 { font-size: 17pt; margin: 0 0 6pt; }
h2 { font-size: 12.5pt; margin: 14pt 0 4pt; border-bottom: 0.6pt solid #444; page-break-after: avoid; }
h3 { font-size: 10pt; margin: 8pt 0 3pt; page-break-after: avoid; }
.clause { color: #555; font-weight: normal; }
table { border-collapse: collapse; width: 100%; margin: 2pt 0 6pt; }
th, td { border: 0.5pt solid #999; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
table.facts th { width: 30%; }
td.number { text-align: right; }
.muted { color: #555; }
.decision { border-left: 2pt solid #17233b; padding: 2pt 6pt; margin: 6pt 0; background: #f6f7f9;
  page-break-inside: avoid; }
.decision p { margin: 2pt 0; }
.chart { page-break-inside: avoid; }
.chart svg { width: 100%; height: auto; }
.chart-title { font-weight: bold; margin: 6pt 0 0; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; word-break: break-all; }
.signature { border: 0.8pt solid #17233b; padding: 6pt; margin-top: 8pt; page-break-inside: avoid; }
.unsigned { color: #b00020; font-weight: bold; }
"""


def record_html(review: ManagementReview) -> str:
    zone = zone_of(review.site)
    signature, intact = services.chair_signature(review)
    sections = (review.inputs or {}).get("sections", [])
    return render_template(
        "audits/review_record.html",
        review=review,
        participants=services.participant_users(review),
        sections=sections,
        charts={section["key"]: charts.section_charts(section) for section in sections},
        outputs=[(output, services.output_state(output)[0]) for output in services.outputs_of(review)],
        label=inputs.label,
        section_titles=inputs.SECTION_TITLES,
        state_labels=services.STATE_LABELS,
        signature=signature,
        signature_intact=intact,
        manifestation=lambda signature: manifestation(signature, zone),
        when=lambda value: when(value, zone),
        zone_name=str(zone),
        printed_at=when(utcnow(), zone),
    )


def record_css(review: ManagementReview) -> str:
    scope = review.site.code if review.site else _("Group")
    header = f"{review.reference} · {_('Management review')} · {scope}"
    footer = f"{_('Inputs')} SHA-256 {review.inputs_sha256 or '—'}"
    return (
        PAGE_CSS.replace("HEADER", css_string(header))
        .replace("FOOTER", css_string(footer))
        .replace("PAGE_OF", page_of_css())
    )


def record_pdf(review: ManagementReview) -> bytes:
    """The review's record in the language of the request (or of ``force_locale``)."""
    return render_pdf(record_html(review), stylesheets=[record_css(review)], pdf_variant=PDF_VARIANT)


def record_download(review: ManagementReview) -> Response:
    """The record as the answer of a page or an API call, opened in the browser's viewer."""
    return Response(
        record_pdf(review),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{review.reference}.pdf"'},
    )
