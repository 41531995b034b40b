"""The marketing plugin's hook implementations."""

from __future__ import annotations

from pathlib import Path

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins import DashboardPanel, ProcedureTemplate, add_months, current_period, hookimpl, submissions_url
from plugins.marketing import computations, definitions

HERE = Path(__file__).parent
# The lead-source table looks back a year: campaigns are few, and a month
# usually holds no evaluation at all.
LOOKBACK_MONTHS = 12
# The unreviewed campaigns the panel lists; its title counts them all.
CAMPAIGNS_SHOWN = 10


@hookimpl
def register_checklists():
    return definitions.checklists()


@hookimpl
def register_metrics():
    return definitions.metrics()


@hookimpl
def register_forms():
    return definitions.forms()


@hookimpl
def register_translations():
    return [HERE / "translations"]


@hookimpl
def register_procedure_templates():
    return [
        ProcedureTemplate(
            code="MK-WI-001",
            title=_l("Legal review of advertisements and offers"),
            department="MARKETING",
            kind="work_instruction",
            body=_body("MK-WI-001-advertising-legal-review.md"),
            distribution_departments=("MARKETING", "SALES"),
        )
    ]


def _body(name: str) -> dict[str, str]:
    """The template's Markdown in each language it is written in: English, and Chinese from ``library/zh_CN``."""
    return {
        "en": (HERE / "library" / name).read_text(encoding="utf-8"),
        "zh_CN": (HERE / "library" / "zh_CN" / name).read_text(encoding="utf-8"),
    }


@hookimpl
def compute_metric(metric, site, period):
    return computations.compute(metric.key, site, period)


def last_periods(months: int, latest: str | None = None) -> list[str]:
    """The ``months`` periods up to ``latest`` (this month unless given), newest first."""
    latest = latest or current_period()
    return [add_months(latest, -back) for back in range(months)]


@hookimpl
def dashboard_panels(site):
    from core.plugins import submissions_between, table_totals

    periods = last_periods(LOOKBACK_MONTHS)
    # Summed and filtered by the database: a busy site's year of campaigns (277 evaluations at
    # the large demo size) was decoded on every dashboard to add up its channels.
    totals = table_totals(
        definitions.EVALUATION, site, periods[-1], periods[0], table="channels", by="source", fields=("spend", "sales")
    )
    unreviewed = submissions_between(definitions.PLAN, site, periods[2], periods[0], where={"legal_review": False})
    labels = dict(definitions.CHANNELS)
    panels = []
    by_source = computations.cost_per_sale_by_source(totals)
    if by_source:
        rows = Markup("").join(
            Markup('<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>').format(
                labels.get(source, source),
                format_decimal(round(spend)),
                sales,
                "–" if cost is None else format_decimal(round(cost)),
            )
            for source, (spend, sales, cost) in sorted(by_source.items(), key=lambda item: _sort_key(item[1]))
        )
        head = Markup(
            '<thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead>'
        ).format(_("Lead source"), _("Spend (CNY)"), _("Sales (units)"), _("Cost per sale (CNY)"))
        panels.append(
            DashboardPanel(
                title=_("Cost per sale by lead source, last 12 months"),
                html=str(
                    Markup('<div class="table-wrap"><table class="data">{}<tbody>{}</tbody></table></div>').format(
                        head, rows
                    )
                ),
            )
        )
    if unreviewed:
        items = Markup("").join(
            Markup("<li>{} ({})</li>").format(plan.get("campaign", ""), plan.get("start_date", ""))
            for plan in unreviewed[:CAMPAIGNS_SHOWN]
        )
        html = Markup("<p>{}</p><ul>{}</ul>").format(
            _("Review these offers and advertisements against the Advertising Law before launch."), items
        )
        if len(unreviewed) > CAMPAIGNS_SHOWN:
            html += Markup('<p class="muted"><a href="{}">{}</a></p>').format(
                submissions_url(definitions.PLAN, site),
                _("and %(count)d more", count=len(unreviewed) - CAMPAIGNS_SHOWN),
            )
        panels.append(
            DashboardPanel(
                title=_("Campaigns planned without legal review (%(count)d)", count=len(unreviewed)), html=str(html)
            )
        )
    panels.append(DashboardPanel(title=_("Campaign return on investment"), chart="marketing.roi"))
    return panels


def _sort_key(totals):
    # Cheapest source first; sources that sold nothing last.
    _spend, _sales, cost = totals
    return (cost is None, cost or 0)


@hookimpl
def populate_instance(demo):
    from plugins.marketing import demo as demo_records

    if demo:
        demo_records.populate()
