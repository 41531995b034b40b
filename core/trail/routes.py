"""The audit trail's API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, Route

api = LazyApiBlueprint(
    "trail",
    __name__,
    url_prefix="/trail",
    description="The hash-chained audit trail (21 CFR Part 11 11.10(e)).",
    routes=[
        Route("", "core.trail.api:list_events"),
        Route("/verify", "core.trail.api:verify_chain"),
    ],
)
