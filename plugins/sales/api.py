"""The sales plugin's JSON API: the figures per consultant (docs/sales-consultants.md)."""

from __future__ import annotations

from marshmallow import Schema, fields

from core.plugins import api_user, token_required
from plugins.sales import consultants, sites
from plugins.sales.routes import api


class ConsultantFiguresArgs(Schema):
    site = fields.String(metadata={"description": "A site's code; the caller's own site when left out."})
    period = fields.String(
        metadata={"description": "A month (`YYYY-MM`) or a quarter (`YYYY-Qn`); the last complete month when left out."}
    )


class FiguresSchema(Schema):
    leads = fields.Integer()
    lead_response_time = fields.Float(allow_none=True, metadata={"description": "Mean minutes to first response."})
    walk_ins = fields.Integer()
    test_drive_ratio = fields.Float(allow_none=True, metadata={"description": "Per cent of walk-ins who drove."})
    deliveries = fields.Integer()
    lead_conversion = fields.Float(allow_none=True, metadata={"description": "Deliveries ÷ leads, per cent."})
    survey_answers = fields.Integer()
    ssi = fields.Float(allow_none=True)
    nps = fields.Float(allow_none=True)
    small_samples = fields.List(
        fields.String(), metadata={"description": "The figures computed from fewer than `small_sample` records."}
    )


class ConsultantSchema(FiguresSchema):
    consultant = fields.String(metadata={"description": "The name the records give (a display name)."})
    in_team = fields.Boolean(metadata={"description": "False: a name not among the site's sales people today."})


class ConsultantReportSchema(Schema):
    site = fields.String()
    period = fields.String()
    first_month = fields.String()
    last_month = fields.String()
    scope = fields.String(metadata={"description": "`own`: the caller's row alone; `team`: every row."})
    small_sample = fields.Integer()
    targets = fields.Dict(keys=fields.String(), values=fields.Float())
    site_figures = fields.Nested(FiguresSchema)
    consultants = fields.List(fields.Nested(ConsultantSchema))


def as_json(figures: consultants.Figures) -> dict:
    return {
        "consultant": figures.name,
        "in_team": figures.in_team,
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


@api.route("/sales/consultants")
@token_required
@api.arguments(ConsultantFiguresArgs, location="query")
@api.response(200, ConsultantReportSchema)
@api.alt_response(403, response="FORBIDDEN")
@api.alt_response(404, response="NOT_FOUND")
@api.alt_response(422, response="UNPROCESSABLE_ENTITY")
def consultant_figures(args):
    """The sales figures per consultant at a site over a month or a quarter.

    A consultant receives their own row; the site's head of sales, the quality officers who
    look after the site and the administrator every row.
    """
    user = api_user()
    site = sites.site_named(user, args.get("site"))
    period = consultants.parse_period(args.get("period"), site.zone)
    report = consultants.consultant_figures(user, site, period)
    return {
        "site": site.code,
        "period": period.label,
        "first_month": period.first,
        "last_month": period.last,
        "scope": report.scope,
        "small_sample": consultants.SMALL_SAMPLE,
        "targets": report.targets,
        "site_figures": as_json(report.site_figures),
        "consultants": [as_json(row) for row in report.rows],
    }
