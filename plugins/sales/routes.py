"""The sales plugin's page and API as tables of routes: mounted at start-up, each module loaded
on the first request that needs it; a view's ``@bp.route`` must match its line here."""

from __future__ import annotations

from core.plugins import LazyApiBlueprint, LazyBlueprint, Route

bp = LazyBlueprint(
    "sales",
    __name__,
    url_prefix="/sales",
    template_folder="templates",
    routes=[Route("/consultants", "plugins.sales.web:consultants_page")],
)

# A built-in plugin's API routes carry their whole path below /api/v1.
api = LazyApiBlueprint(
    "sales",
    __name__,
    description="Sales: the figures per consultant.",
    routes=[Route("/sales/consultants", "plugins.sales.api:consultant_figures")],
)
