"""The KPI pages and API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, Route

pages = LazyBlueprint(
    "metrics",
    __name__,
    signed_in=True,
    url_prefix="/metrics",
    routes=[
        Route("/", "core.metrics.views:index"),
        Route("/<key>", "core.metrics.views:metric"),
        Route("/<key>/measurements", "core.metrics.views:record", methods=("POST",)),
        Route("/<key>/measurements/<site>/<period>/correct", "core.metrics.views:correct", methods=("GET", "POST")),
        Route("/<key>/recompute", "core.metrics.views:recompute", methods=("POST",)),
        Route("/<key>/target", "core.metrics.views:target", methods=("GET", "POST")),
        Route("/compare", "core.metrics.views:compare"),
        Route("/import", "core.metrics.views:import_csv", methods=("GET", "POST")),
    ],
)


api = LazyApiBlueprint(
    "metrics",
    __name__,
    url_prefix="/metrics",
    description="KPIs: definitions, measurements, series.",
    routes=[
        Route("", "core.metrics.api:list_metrics"),
        Route("/<plugin_key:key>", "core.metrics.api:get_metric"),
        Route("/<plugin_key:key>/measurements", "core.metrics.api:create_measurement", methods=("POST",)),
        Route("/<plugin_key:key>/measurements/<site>/<period:period>", "core.metrics.api:get_measurement"),
        Route(
            "/<plugin_key:key>/measurements/<site>/<period:period>",
            "core.metrics.api:correct_measurement",
            methods=("PUT",),
        ),
        Route("/<plugin_key:key>/recompute", "core.metrics.api:recompute", methods=("POST",)),
        Route("/<plugin_key:key>/targets/<site>", "core.metrics.api:set_target", methods=("PUT",)),
        Route("/<plugin_key:key>/series", "core.metrics.api:series"),
        Route("/imports", "core.metrics.api:import_measurements", methods=("POST",)),
    ],
)
