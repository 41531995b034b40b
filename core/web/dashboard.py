"""What the dashboard shows: the user's tasks first, then overdue work, KPIs and the plugins' panels.

Every area contributes through hooks, the core's own as any plugin's:
``dashboard_overdue`` (procedures' overdue reviews, audits' overdue NCs and
actions), ``dashboard_kpis`` (the metrics area's tiles) and
``dashboard_panels``. A panel with a chart names a metric; the metrics area
draws its trend. A section, and a chart panel, appears only when there is
something to show, so an empty installation shows no empty boxes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from markupsafe import Markup

from core.accounts.models import Role, Site, User
from core.metrics.dashboard import Trend, trend
from core.metrics.services import definitions_by_key
from core.plugin_engine import manager
from core.plugin_engine.types import DashboardPanel, Kpi, OverdueItem
from core.tasks import services as tasks

log = logging.getLogger("dealerqms.plugins")


@dataclass(frozen=True)
class Panel:
    title: str
    html: Markup


# The earliest overdue items shown; the heading counts them all (hundreds at a large site). Twenty
# are a screen and a half: 50 rows were a fifth of the page's HTML at large and nobody reads on.
OVERDUE_SHOWN = 20
# The first tasks of the user's inbox; the whole inbox is a click away.
TASKS_SHOWN = 6
# Staff see only their tasks, and on one tablet screen even when every title takes two lines.
STAFF_TASKS_SHOWN = 5
# The first KPI tiles (a quality officer's are the site's off-target ones: 23 of them at a large
# site, a kilobyte each); the KPI pages have them all.
KPIS_SHOWN = 12


@dataclass(frozen=True)
class Dashboard:
    tasks: tasks.Inbox
    overdue: list[OverdueItem]
    kpis: list[Kpi]
    panels: list[Panel]
    overdue_total: int | None = None
    kpi_total: int = 0

    @property
    def overdue_count(self) -> int:
        return len(self.overdue) if self.overdue_total is None else self.overdue_total

    @property
    def empty(self) -> bool:
        return not (self.tasks.total or self.overdue or self.kpis or self.panels)

    @property
    def kpi_groups(self) -> list[tuple[str, list[Kpi]]]:
        """The KPIs grouped by ``Kpi.group``, groups in the order they first appear."""
        groups: dict[str, list[Kpi]] = {}
        for kpi in sorted(self.kpis, key=lambda kpi: kpi.group != ""):
            groups.setdefault(kpi.group, []).append(kpi)
        return list(groups.items())


def build(site: Site | None, user: User) -> Dashboard:
    overdue, total = manager.dashboard_overdue(site, user)
    overdue.sort(key=lambda item: item.due)
    kpis = manager.dashboard_kpis(site, user)
    return Dashboard(
        tasks=tasks.inbox(user, limit=TASKS_SHOWN if user.roles - {Role.STAFF} else STAFF_TASKS_SHOWN),
        overdue=overdue[:OVERDUE_SHOWN],
        kpis=every_area_first(kpis, KPIS_SHOWN),
        # The areas' panels are management views: staff see their tasks, on one tablet screen.
        # Their charts are a click away: the KPI tiles above already draw each off-target trend.
        panels=panels(manager.dashboard_panels(site, user), site, charts=0) if user.roles - {Role.STAFF} else [],
        overdue_total=total,
        kpi_total=len(kpis),
    )


def every_area_first(kpis: list[Kpi], shown: int) -> list[Kpi]:
    """At most ``shown`` tiles, taken from each area in turn, its furthest from target first.

    The first ``shown`` in the plugins' order would fill the dashboard with the first areas'
    (at the demo's Shanghai, 27 KPIs are off target: the first 12 were all after-sales and
    communication) and hide that sales or training slipped at all.
    """
    groups: dict[str, list[Kpi]] = {}
    for kpi in kpis:
        groups.setdefault(kpi.group, []).append(kpi)
    queues = [sorted(tiles, key=lambda kpi: _SEVERITY.get(kpi.status or "", 2)) for tiles in groups.values()]
    chosen: set[int] = set()
    for round_ in range(max((len(queue) for queue in queues), default=0)):
        for queue in queues:
            if len(chosen) < shown and round_ < len(queue):
                chosen.add(id(queue[round_]))
    # The tiles keep the plugins' order, so that each area's tiles stay together.
    return [kpi for kpi in kpis if id(kpi) in chosen]


# Charts drawn in full on a page of panels (the KPI pages); the other chart panels show their
# latest value and a link. A chart is about 8 KB of SVG and a dealer group's areas contribute a
# dozen: all of them made the dashboard 150 KB and more, so it draws none.
CHARTS_DRAWN = 2
# Which charts are drawn: the metrics furthest from target first, then in the panels' order.
_SEVERITY = {"red": 0, "amber": 1}


def panels(
    contributions: list[tuple[str, DashboardPanel]], site: Site | None, charts: int = CHARTS_DRAWN
) -> list[Panel]:
    """The panels plugins contributed (``dashboard_panels``, ``kpi_panels``) as a page shows
    them: HTML as given, a chart panel as its metric's trend at ``site`` once it has values —
    drawn for the ``charts`` metrics furthest from target, a line with the latest value and a
    link to the trend for the others."""
    shown: list[Panel | tuple[str, Trend]] = []
    for plugin, contributed in contributions:
        if contributed.html is not None:
            # Plugin code is trusted like the core; it escapes what its users typed.
            shown.append(Panel(str(contributed.title), Markup(contributed.html)))
        elif contributed.chart not in definitions_by_key():
            log.warning(
                "plugin %r: its panel %r charts the metric %r, which no plugin defines",
                plugin,
                str(contributed.title),
                contributed.chart,
            )
        elif (found := trend(contributed.chart, site)) is not None:
            shown.append((str(contributed.title), found))
    trends = [entry for entry in shown if isinstance(entry, tuple)]
    drawn = {id(entry) for entry in sorted(trends, key=lambda e: _SEVERITY.get(e[1].latest.status, 2))[:charts]}
    return [
        entry
        if isinstance(entry, Panel)
        else Panel(entry[0], entry[1].chart() if id(entry) in drawn else entry[1].summary())
        for entry in shown
    ]
