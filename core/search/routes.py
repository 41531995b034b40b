"""The search page and API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, LazyView, Route

pages = LazyBlueprint(
    "search",
    __name__,
    signed_in=True,
    url_prefix="/search",
    routes=[
        Route("", "core.search.views:index"),
    ],
)


pages.add_app_template_global(LazyView("core.search.views:_highlighted"), "search_highlighted")

api = LazyApiBlueprint(
    "search",
    __name__,
    description="Search across the records the caller may read.",
    routes=[
        Route("/search", "core.search.api:search_records"),
    ],
)
