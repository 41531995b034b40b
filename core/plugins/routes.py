"""The API of the installed plugins as a table of routes: mounted at start-up, its module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, Route

api = LazyApiBlueprint(
    "plugins",
    __name__,
    url_prefix="",
    description="Installed plugins and the checklists they contribute.",
    routes=[
        Route("/plugins", "core.plugins.api:list_plugins"),
        Route("/checklists", "core.plugins.api:list_checklists"),
        Route("/checklists/<plugin_key:key>", "core.plugins.api:get_checklist"),
    ],
)
