"""The routes of the API's own blueprint, ``/healthz`` and ``/readyz`` (``core.api.health``),
declared here so that mounting them loads neither the views nor marshmallow (issue #20)."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, Route

health = LazyApiBlueprint(
    "health",
    __name__,
    description="Liveness and readiness of the service.",
    routes=[
        Route("/healthz", "core.api.health:healthz"),
        Route("/readyz", "core.api.health:readyz"),
    ],
)
