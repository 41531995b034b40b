"""The sales plugin's pages: the figures per consultant."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import format_decimal
from flask_login import current_user, login_required

from core.plugins import active_sites, add_months, current_period, form_url
from plugins.sales import consultants, sites
from plugins.sales.definitions import APPRAISAL
from plugins.sales.routes import bp


@bp.route("/consultants")
@login_required
def consultants_page():
    user = current_user._get_current_object()
    site = sites.site_named(user, request.args.get("site"))
    period = consultants.parse_period(request.args.get("period"), site.zone)
    report = consultants.consultant_figures(user, site, period)
    this_month = current_period(site.zone)
    months = [add_months(this_month, -back) for back in range(0, 12)]
    quarters = list(dict.fromkeys(consultants.quarter_of(month) for month in months))
    return render_template(
        "sales/consultants.html",
        report=report,
        # The picker: the group office's readers choose the site; a site's own people see theirs.
        sites=active_sites() if user.site is None else [],
        months=months,
        quarters=quarters,
        appraisal_url=lambda row: _appraisal_url(site, report.period.label, row),
        small_sample=consultants.SMALL_SAMPLE,
        number=_number,
        percent=_percent,
    )


def _appraisal_url(site, period: str, row) -> str:
    """The appraisal form, started with the figures of the consultant's row (step 2's results)."""
    figures = {"units_sold": row.deliveries, "conversion": row.conversion, "ssi": row.ssi, "ssi_answers": row.answers}
    known = {key: value for key, value in figures.items() if value is not None}
    return form_url(APPRAISAL, site, consultant=row.name, period=period, **known)


def _number(value) -> str:
    return "–" if value is None else format_decimal(value)


def _percent(value) -> str:
    return "–" if value is None else f"{format_decimal(value)} %"
