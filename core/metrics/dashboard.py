"""The KPI tiles and metric charts of the dashboard (``core.web.dashboard``)."""

from __future__ import annotations

from flask import url_for
from markupsafe import Markup

from core import charts
from core.metrics import services
from core.web.dashboard import Kpi, add_chart_renderer, add_kpi_source


def kpis(site, user) -> list[Kpi]:
    """The latest value of every metric measured at the site (three queries, whatever the data)."""
    if site is None:
        return []
    return [Kpi(label=str(tile.metric.name), value=f"{tile.latest.value:g}", unit=str(tile.metric.unit),
                period=tile.latest.period, status=tile.latest.status,
                url=url_for("metrics.metric", key=tile.metric.key, site=site.code))
            for tile in services.site_overview(site) if tile.latest is not None]


def trend_chart(metric_key: str, site) -> Markup | None:
    metric = services.definitions_by_key().get(metric_key)
    if metric is None or site is None:
        return None
    points = services.series(metric, site, period_from=services.add_months(services.current_period(), -11))
    if not points:
        return None
    thresholds = services.thresholds_for(metric, site)
    return Markup('<div class="chart">{}</div>').format(charts.trend_svg(
        title=f"{metric.name} · {site.code}", periods=[p.period for p in points], values=[p.value for p in points],
        target=thresholds.target, warning=thresholds.warning, direction=metric.direction, unit=str(metric.unit),
        statuses=[p.status for p in points]))


def init_app(app) -> None:
    add_kpi_source(app, kpis)
    add_chart_renderer(app, trend_chart)
