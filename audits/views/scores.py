"""The scores page: sites ranked on a scored checklist version and their scores over time. Thin:
what counts and who sees what is in :mod:`audits.services.score_comparison`."""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from audits.services import score_comparison
from audits.views.shared import bp, user
from core import charts
from core.accounts.models import Site, User

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


# Panels of other pages: the KPI pages (``kpi_panels``) and the group office's dashboard
# (``dashboard_panels``). A few checklists at most: each is a bounded ranking of the group's sites.
PANEL_CHECKLISTS = 3


def _percent(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f} %"


def _verdict(passed: bool | None) -> Markup:
    if passed is None:
        return Markup("")
    # The core's colours too: the KPI pages and the dashboard do not load the audits' stylesheet.
    css, label = ("badge-create score-passed", _("Passed")) if passed else ("badge-delete score-failed", _("Failed"))
    return Markup('<span class="badge {}">{}</span>').format(css, label)


def _link(checklist) -> str:
    return url_for("audits.scores", checklist=checklist.key, version=checklist.version)


def kpi_panel(site: Site, area: str | None, reader: User) -> tuple[str, Markup] | None:
    """``site``'s latest score on each scored checklist of ``area`` (every area when None) and its
    rank among the group's sites; None when the site has no counted scored audit."""
    if not score_comparison.may_compare(reader):
        return None
    checklists = score_comparison.latest_versions(score_comparison.scored_checklists(reader, site=site, area=area))
    lines = []
    for checklist in checklists[:PANEL_CHECKLISTS]:
        ranking = score_comparison.site_ranking(reader, checklist.key, checklist.version)
        row = next((row for row in ranking if row.site.id == site.id), None)
        if row is None:
            continue
        lines.append(
            Markup(
                '<li><a href="{}">{}</a> <span class="muted">{} v{}</span>: <strong>{}</strong> {} · {}</li>'
            ).format(
                _link(checklist),
                checklist.title,
                checklist.key,
                checklist.version,
                _percent(row.score),
                _verdict(row.passed),
                score_comparison.rank_text(row.rank, len(ranking)),
            )
        )
    if not lines:
        return None
    html = Markup('<p class="muted">{}</p><ul class="plain-list">{}</ul>').format(
        _(
            "The latest reported or closed audit of %(site)s on each scored checklist,"
            " ranked among all the sites of the group.",
            site=site.code,
        ),
        Markup("").join(lines),
    )
    return _("Audit scores compared with other sites"), html


def dashboard_panel(reader: User) -> tuple[str, Markup] | None:
    """For the group office: the sites ranked on the most recently audited scored checklist versions."""
    if reader.site_id is not None or not score_comparison.may_compare(reader):
        return None
    # Versions apart, the most recently audited first: while sites move to a new version of a
    # standard, the old version's ranking still has the sites not yet audited on the new one.
    checklists = score_comparison.scored_checklists(reader)[:PANEL_CHECKLISTS]
    blocks = []
    for checklist in checklists:
        ranking = score_comparison.site_ranking(reader, checklist.key, checklist.version)
        rows = Markup("").join(
            Markup("<li>{}. {} <strong>{}</strong> {}</li>").format(
                row.rank, row.site.code, _percent(row.score), _verdict(row.passed)
            )
            for row in ranking
        )
        blocks.append(
            Markup(
                '<div><h3><a href="{}">{}</a> <span class="muted">{} v{}</span></h3>'
                '<ul class="plain-list">{}</ul></div>'
            ).format(_link(checklist), checklist.title, checklist.key, checklist.version, rows)
        )
    if not blocks:
        return None
    html = Markup('<div class="columns">{}</div><p><a href="{}">{}</a></p>').format(
        Markup("").join(blocks), url_for("audits.scores"), _("All audit scores")
    )
    return _("Sites ranked by audit score"), html
