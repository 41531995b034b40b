"""The background jobs' pages and API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, Route

pages = LazyBlueprint(
    "jobs",
    __name__,
    url_prefix="/jobs",
    routes=[
        Route("/", "core.jobs.views:index"),
        Route("/<job_id>", "core.jobs.views:view"),
        Route("/<job_id>/status", "core.jobs.views:status"),
        Route("/<job_id>/download", "core.jobs.views:download"),
    ],
)

api = LazyApiBlueprint(
    "jobs",
    __name__,
    url_prefix="/jobs",
    description="Background jobs (evidence packs): state, progress and result. A job is visible to "
    "the user who started it and to administrators.",
    routes=[
        Route("", "core.jobs.api:list_jobs"),
        Route("/<job_id>", "core.jobs.api:get_job"),
        Route("/<job_id>/result", "core.jobs.api:get_result"),
    ],
)
