"""The KPI grid (latest value, status, sparkline per metric, grouped by area)
shared by the dashboard and ``/metrics/``, and the dashboard's metric charts
(``core.web.dashboard``), contributed through ``core.metrics.plugin``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import NumberPattern, format_decimal, parse_pattern
from flask import get_template_attribute, url_for
from flask_babel import get_locale
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


def number_format(places: int) -> str:
    """A Babel pattern: thousands grouped, exactly ``places`` decimals."""
    return "#,##0" + ("." + "0" * places if places else "")


@lru_cache(maxsize=16)
def _pattern(places: int) -> NumberPattern:
    return parse_pattern(number_format(places))


def value_text(metric, value: float | None) -> str:
    """A value as readers see it: rounded by the metric's unit (:func:`services.decimals`), in their
    locale's digits and separators (computed metrics store exact quotients: 2 of 3 is 66.666…)."""
    return value_formatter(metric)(value)


def value_formatter(metric) -> Callable[[float | None], str]:
    """:func:`value_text` for the many values of one metric on a page (the sites compared, a
    series): the decimals, the pattern and the reader's locale found once, not per value — they
    were most of a row's cost, and the comparison shows fifteen rows at a group of fifty sites."""
    places = services.decimals(metric)
    pattern = _pattern(places)
    locale = get_locale()  # None outside a request: Babel's default, as Flask-Babel gives

    def text(value: float | None) -> str:
        if value is None:
            return "—"
        # + 0.0 turns a rounded -0.0 into 0.0, which no reader wants to see signed.
        return format_decimal(round(value, places) + 0.0, format=pattern, locale=locale)

    return text


def chart_numbers(metric) -> dict:
    """What a chart needs to write a metric's values as :func:`value_text` does."""
    return {"decimals": services.decimals(metric), "locale": str(get_locale() or "en")}


def period_name(metric, period: str) -> str:
    """A period as readers name it: ``2026-11``, ``2026 Q3`` (stored as its first month), ``2026``."""
    if metric.period == "quarter":
        return _("%(year)s Q%(quarter)d", year=period[:4], quarter=(int(period[5:]) - 1) // 3 + 1)
    if metric.period == "year":
        return period[:4]
    return period


def period_label(metric, period: str) -> str:
    """A tile's period; one that has not ended says so (its figure is partial)."""
    name = period_name(metric, period)
    if not services.to_date(metric, period):
        return name
    if metric.period == "quarter":
        return _("%(period)s, quarter to date", period=name)
    if metric.period == "year":
        return _("%(period)s, year to date", period=name)
    return _("%(period)s, month to date", period=name)


def tile_kpi(tile: services.Tile, group: str, tiles: TileWriter) -> Kpi:
    """``tile`` as a KPI tile; ``tiles``: what the tiles of one site's page share, made once for them."""
    latest = tile.latest
    return Kpi(
        label=str(tile.metric.name),
        value=value_text(tile.metric, latest.value if latest else None),
        unit=str(tile.metric.unit),
        period=tiles.period_label(tile.metric, latest.period) if latest else "",
        status=latest.status if latest else None,
        group=group,
        sparkline=sparkline(tile),
        url=tiles.link(tile.metric.key),
    )


class TileWriter:
    """What the tiles of one site's page share: the link to a metric at the site, built once
    (:class:`core.web.links.Links`), and each period's label, written once per kind of period —
    a quality officer's dashboard at a large site made 23 tiles to show 12, and each built its
    link and its period's words anew."""

    def __init__(self, site):
        from core.web.links import Links

        self.link = Links("metrics.metric", "key", site=site.code)
        self._labels: dict[tuple[str, str], str] = {}

    def period_label(self, metric, period: str) -> str:
        key = (metric.period, period)
        if key not in self._labels:
            self._labels[key] = period_label(metric, period)
        return self._labels[key]


def grid(
    site, *, measured_only: bool = False, area: str | None = None, month: str | None = None
) -> list[tuple[str, list[Kpi]]]:
    """The site's KPI tiles for ``month`` (by default the last complete period) grouped by area,
    or of one ``area`` (the queries of :func:`services.kpi_grid`, whatever the data)."""
    if site is None:
        return []
    tiles = TileWriter(site)
    return [
        (group.label or _("Other"), [tile_kpi(tile, group.label or _("Other"), tiles) for tile in group.tiles])
        for group in services.kpi_grid(site, measured_only=measured_only, month=month)
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
    tiles = TileWriter(site)
    return [
        tile_kpi(tile, group.label or _("Other"), tiles)
        for group in services.kpi_grid(site, measured_only=True)
        for tile in group.tiles
        if wanted(group.area, tile)
    ]


@dataclass(frozen=True)
class Trend:
    """A metric's last 12 months at a site, as a plugin panel shows it."""

    metric: object
    site: object
    points: list[services.Point]
    thresholds: services.Thresholds

    @property
    def latest(self) -> services.Point:
        return self.points[-1]

    @property
    def url(self) -> str:
        return url_for("metrics.metric", key=self.metric.key, site=self.site.code)

    def chart(self) -> Markup:
        return Markup('<div class="chart">{}</div>').format(
            _trend_svg(
                f"{self.metric.name} · {self.site.code}",
                tuple(p.period for p in self.points),
                tuple(p.value for p in self.points),
                self.thresholds.target,
                self.thresholds.warning,
                self.metric.direction,
                str(self.metric.unit),
                tuple(p.status for p in self.points),
                **chart_numbers(self.metric),
            )
        )

    def summary(self) -> Markup:
        """One line instead of the chart: the latest value, its status and the way to the trend."""
        latest = self.latest
        return Markup(
            '<p class="trend-summary"><span class="kpi-value">{value} <small>{unit}</small></span> '
            '<span class="kpi-period">{period}</span> {status} <a href="{url}">{see}</a></p>'
        ).format(
            value=value_text(self.metric, latest.value),
            unit=str(self.metric.unit),
            period=period_label(self.metric, latest.period),
            status=status_badge(latest.status),
            url=self.url,
            see=_("See the trend"),
        )


def status_badge(status: str | None) -> Markup:
    """The status as the KPI pages show it (their own macro)."""
    return Markup(get_template_attribute("metrics/_status.html", "badge")(status))


def trend(metric_key: str, site) -> Trend | None:
    """The metric's last 12 months at the site (two queries); None without a value."""
    metric = services.definitions_by_key().get(metric_key)
    if metric is None or site is None:
        return None
    thresholds = services.thresholds_for(metric, site)
    points = services.series(
        metric, site, period_from=services.add_months(services.current_period(), -11), thresholds=thresholds
    )
    return Trend(metric, site, points, thresholds) if points else None


def trend_chart(metric_key: str, site) -> Markup | None:
    """A plugin panel's chart: the metric's last 12 months at the site (two queries)."""
    found = trend(metric_key, site)
    return found.chart() if found is not None else None


@lru_cache(maxsize=512)
def _trend_svg(title, periods, values, target, warning, direction, unit, statuses, decimals, locale) -> Markup:
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
        decimals=decimals,
        locale=locale,
    )
