"""What the dashboard shows: overdue work, KPIs and the plugins' panels.

The core owns no overdue work and no KPIs of its own; the areas that do
(procedures, audits, metrics) add a source at start-up::

    from core.web.dashboard import OverdueItem, add_overdue_source

    def overdue_reviews(site, user):
        return [OverdueItem(kind=_("Periodic review"), label=p.code, url=..., due=p.next_review)]

    add_overdue_source(app, overdue_reviews)

A source with many items returns its earliest ``OVERDUE_SHOWN`` as an
``OverdueList`` that carries how many there are in all, so that the page
neither loads nor sorts the rest.

A plugin's panel with a chart names a metric; the area that stores
measurements draws it (``add_chart_renderer``). A section, and a chart panel,
appears only when there is something to show, so an empty installation
shows no empty boxes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from markupsafe import Markup

from core.accounts.models import Site, User

EXTENSION = "dealerqms.dashboard"


@dataclass(frozen=True)
class OverdueItem:
    kind: str
    label: str
    url: str
    due: date
    owner: str | None = None


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    url: str | None = None
    unit: str = ""
    period: str = ""
    # green, amber or red, as the metric series reports it.
    status: str | None = None
    # The heading the tile is grouped under (an area); tiles without one come first.
    group: str = ""
    # A small trend chart (SVG), when there is a history to draw.
    sparkline: Markup | None = None


class OverdueList(list):
    """A source's earliest overdue items (at most ``OVERDUE_SHOWN``) and ``total``, how many it has in all."""

    def __init__(self, items: Iterable[OverdueItem] = (), total: int | None = None):
        super().__init__(items)
        self.total = len(self) if total is None else total


OverdueSource = Callable[[Site | None, User], Iterable[OverdueItem]]
KpiSource = Callable[[Site | None, User], Iterable[Kpi]]
# (metric key, site) → the chart as HTML (Markup), or None when there is no data.
ChartRenderer = Callable[[str, Site | None], Markup | None]


@dataclass
class _Sources:
    overdue: list[OverdueSource] = field(default_factory=list)
    kpis: list[KpiSource] = field(default_factory=list)
    chart: ChartRenderer | None = None


def _sources(app) -> _Sources:
    return app.extensions.setdefault(EXTENSION, _Sources())


def add_overdue_source(app, source: OverdueSource) -> None:
    _sources(app).overdue.append(source)


def add_kpi_source(app, source: KpiSource) -> None:
    _sources(app).kpis.append(source)


def add_chart_renderer(app, renderer: ChartRenderer) -> None:
    _sources(app).chart = renderer


@dataclass(frozen=True)
class Panel:
    title: str
    html: Markup


# The earliest overdue items shown; the heading counts them all (hundreds at a large site).
OVERDUE_SHOWN = 50


@dataclass(frozen=True)
class Dashboard:
    overdue: list[OverdueItem]
    kpis: list[Kpi]
    panels: list[Panel]
    overdue_total: int | None = None

    @property
    def overdue_count(self) -> int:
        return len(self.overdue) if self.overdue_total is None else self.overdue_total

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.kpis or self.panels)

    @property
    def kpi_groups(self) -> list[tuple[str, list[Kpi]]]:
        """The KPIs grouped by ``Kpi.group``, groups in the order they first appear."""
        groups: dict[str, list[Kpi]] = {}
        for kpi in sorted(self.kpis, key=lambda kpi: kpi.group != ""):
            groups.setdefault(kpi.group, []).append(kpi)
        return list(groups.items())


def build(site: Site | None, user: User) -> Dashboard:
    sources = _sources(current_app)
    overdue, total = [], 0
    for source in sources.overdue:
        items = list(found := source(site, user))
        overdue += items
        total += getattr(found, "total", len(items))
    overdue.sort(key=lambda item: item.due)
    kpis = [kpi for source in sources.kpis for kpi in source(site, user)]
    return Dashboard(overdue=overdue[:OVERDUE_SHOWN], kpis=kpis, panels=_panels(sources, site, user),
                     overdue_total=total)


def _panels(sources: _Sources, site: Site | None, user: User) -> list[Panel]:
    from core.plugins import manager

    panels = []
    for contributed in manager.dashboard_panels(site, user):
        if contributed.html is not None:
            # Plugin code is trusted like the core; it escapes what its users typed.
            panels.append(Panel(str(contributed.title), Markup(contributed.html)))
        elif sources.chart is not None:
            chart = sources.chart(contributed.chart, site)
            if chart is not None:
                panels.append(Panel(str(contributed.title), chart))
    return panels
