"""The work list's page and API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, LazyView, Route

pages = LazyBlueprint(
    "tasks",
    __name__,
    signed_in=True,
    url_prefix="/tasks",
    routes=[
        Route("/", "core.tasks.views:index"),
        Route("/count", "core.tasks.views:count"),
        Route("/next", "core.tasks.views:next_task"),
    ],
)


pages.add_app_template_global(LazyView("core.tasks.views:_task_overdue"), "task_overdue")

pages.add_app_template_global(LazyView("core.tasks.views:_task_url"), "task_url")

api = LazyApiBlueprint(
    "tasks",
    __name__,
    description="The work waiting for the caller, from every area.",
    routes=[
        Route("/tasks", "core.tasks.api:list_tasks"),
    ],
)
