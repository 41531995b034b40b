"""The sales plugin's JSON API: the figures per consultant."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from core.plugins import api_user, token_required
from plugins.sales import consultants, sites

# A built-in plugin's API routes carry their whole path below /api/v1.
api = Blueprint("sales", __name__, description="Sales: the figures per consultant (docs/sales-consultants.md).")


def as_json(figures: consultants.Figures, *, with_name: bool = True) -> dict:
    body = {
        "leads": figures.leads,
        "lead_response_time": figures.response_minutes,
        "walk_ins": figures.walk_ins,
        "test_drive_ratio": figures.test_drive_ratio,
        "deliveries": figures.deliveries,
        "lead_conversion": figures.conversion,
        "survey_answers": figures.answers,
        "ssi": figures.ssi,
        "nps": figures.nps,
        "small_samples": list(figures.small_samples),
    }
    if with_name:
        body = {"consultant": figures.name, "in_team": figures.in_team, **body}
    return body


@api.route("/sales/consultants")
@token_required
@api.response(200)
@api.alt_response(403, response="FORBIDDEN")
@api.alt_response(404, response="NOT_FOUND")
@api.alt_response(422, response="UNPROCESSABLE_ENTITY")
def consultant_figures():
    """The sales figures per consultant at a site over a month or a quarter.

    Query: `site` (a code; default the caller's site), `period` (`YYYY-MM` or `YYYY-Qn`;
    default the current month). A consultant receives their own row, the head of sales of
    the site, its quality officers and the administrator every row.
    """
    user = api_user()
    site = sites.site_named(user, request.args.get("site"))
    period = consultants.parse_period(request.args.get("period"), site.zone)
    report = consultants.consultant_figures(user, site, period)
    return {
        "site": site.code,
        "period": period.label,
        "first_month": period.first,
        "last_month": period.last,
        "scope": report.scope,
        "small_sample": consultants.SMALL_SAMPLE,
        "targets": report.targets,
        "site_figures": as_json(report.site_figures, with_name=False),
        "consultants": [as_json(row) for row in report.rows],
    }
