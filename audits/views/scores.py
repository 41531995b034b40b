"""The scores page: sites ranked on a scored checklist version and their scores over time. Thin:
what counts and who sees what is in :mod:`audits.services.score_comparison`."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from audits.services import score_comparison
from audits.views.shared import bp, user
from core import charts

PERCENT = (0.0, 100.0)


def status(passed: bool | None) -> str | None:
    """A bar's colour: green passed, red failed, grey without a verdict."""
    return {True: "green", False: "red"}.get(passed)


def ranking_chart(found: score_comparison.Comparison):
    ranked = [row for row in found.ranking if row.score is not None]
    if not ranked:
        return None
    return charts.comparison_svg(
        title=_(
            "%(checklist)s v%(version)s: ranking of the sites", checklist=found.checklist.title, version=found.version
        ),
        sites=[row.site.code for row in ranked],
        values=[row.score for row in ranked],
        statuses=[status(row.passed) for row in ranked],
        target=found.checklist.pass_threshold,
        unit="%",
        limits=PERCENT,
    )


def history_chart(found: score_comparison.Comparison):
    series = [
        (line.site.code, [(point.date, point.score) for point in line.points if point.score is not None])
        for line in found.history
    ]
    if not any(points for _name, points in series):
        return None
    return charts.lines_svg(
        title=_("%(checklist)s v%(version)s: scores over time", checklist=found.checklist.title, version=found.version),
        series=series,
        threshold=found.checklist.pass_threshold,
        unit="%",
        limits=PERCENT,
    )


@bp.route("/audits/scores")
def scores():
    reader = user()
    checklists = score_comparison.scored_checklists(reader)
    key = request.args.get("checklist") or None
    version = request.args.get("version", type=int)
    if "version" in request.args and version is None:
        abort(404)
    if key is None and checklists:
        key, version = checklists[0].key, checklists[0].version
    found = score_comparison.comparison(reader, key, version) if key else None
    return render_template(
        "audits/scores.html",
        checklists=checklists,
        found=found,
        ranking_chart=ranking_chart(found) if found else None,
        history_chart=history_chart(found) if found else None,
    )
