"""The KPI grid (latest value, status, sparkline per metric, grouped by area)
shared by the dashboard and ``/metrics/``, and the dashboard's metric charts
(``core.web.dashboard``), contributed through ``core.metrics.plugin``."""

from __future__ import annotations

from functools import lru_cache

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from core import charts
from core.accounts.models import Role
from core.metrics import services
from core.plugin_engine.types import Kpi


def sparkline(tile: services.Tile) -> Markup | None:
    if len(tile.history) < 2:
        return None
    return charts.sparkline_svg(
        str(tile.metric.name),
        tuple(p.value for p in tile.history),
        tuple(p.status for p in tile.history),
        tile.thresholds.target,
    )


def tile_value(value: float) -> str:
    """A tile's figure: one decimal from 10 up (66.7, 856), three significant digits below (4.25, 0.346).

    Computed metrics store exact quotients (2 of 3 trained: 66.666…); the
    tile shows what a reader compares with the target, not float noise.
    """
    return f"{round(value, 1):g}" if abs(value) >= 10 else f"{value:.3g}"


def tile_kpi(tile: services.Tile, site, group: str) -> Kpi:
    latest = tile.latest
    return Kpi(
        label=str(tile.metric.name),
        value=tile_value(latest.value) if latest else "—",
        unit=str(tile.metric.unit),
        period=latest.period if latest else "",
        status=latest.status if latest else None,
        group=group,
        sparkline=sparkline(tile),
        url=url_for("metrics.metric", key=tile.metric.key, site=site.code),
    )


def grid(site, *, measured_only: bool = False, area: str | None = None) -> list[tuple[str, list[Kpi]]]:
    """The site's KPI tiles grouped by area, or of one ``area`` (the queries of
    :func:`services.kpi_grid`, whatever the data)."""
    if site is None:
        return []
    return [
        (group.label or _("Other"), [tile_kpi(tile, site, group.label or _("Other")) for tile in group.tiles])
        for group in services.kpi_grid(site, measured_only=measured_only)
        if area is None or group.area == area
    ]


def areas(site) -> list[tuple[str, str]]:
    """The areas with metrics: code and name, for the KPI pages' filter."""
    if site is None:
        return []
    return [(group.area, group.label or _("Other")) for group in services.kpi_grid(site)]


def kpis(site, user) -> list[Kpi]:
    """The KPI tiles a person's job asks for first (every tile is on the KPI pages): a department
    head their department's at the site; quality officers, auditors and administrators the site's
    off-target ones; staff none."""
    if site is None or user is None or not user.roles - {Role.STAFF}:
        return []
    if user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.ADMIN}:
        wanted = lambda area, tile: tile.latest is not None and tile.latest.status == "red"  # noqa: E731
    else:
        department = user.department.code if user.department else None
        wanted = lambda area, tile: area == department  # noqa: E731
    return [
        tile_kpi(tile, site, group.label or _("Other"))
        for group in services.kpi_grid(site, measured_only=True)
        for tile in group.tiles
        if wanted(group.area, tile)
    ]


def trend_chart(metric_key: str, site) -> Markup | None:
    """A plugin panel's chart: the metric's last 12 months at the site (two queries)."""
    metric = services.definitions_by_key().get(metric_key)
    if metric is None or site is None:
        return None
    thresholds = services.thresholds_for(metric, site)
    points = services.series(
        metric, site, period_from=services.add_months(services.current_period(), -11), thresholds=thresholds
    )
    if not points:
        return None
    return Markup('<div class="chart">{}</div>').format(
        _trend_svg(
            f"{metric.name} · {site.code}",
            tuple(p.period for p in points),
            tuple(p.value for p in points),
            thresholds.target,
            thresholds.warning,
            metric.direction,
            str(metric.unit),
            tuple(p.status for p in points),
        )
    )


@lru_cache(maxsize=512)
def _trend_svg(title, periods, values, target, warning, direction, unit, statuses) -> Markup:
    # Drawing takes tens of milliseconds and the dashboard shows the same data
    # on every visit until a value changes (the arguments are the cache key).
    return charts.trend_svg(
        title=title,
        periods=list(periods),
        values=list(values),
        target=target,
        warning=warning,
        direction=direction,
        unit=unit,
        statuses=list(statuses),
    )
