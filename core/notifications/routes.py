"""The notification pages and API. Its routes are tables: mounted at start-up, each view module
loaded on the first request that needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py``
checks that every ``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, LazyView, Route

pages = LazyBlueprint(
    "notifications",
    __name__,
    signed_in=True,
    url_prefix="/notifications",
    routes=[
        Route("/", "core.notifications.views:index"),
        Route("/<int:notification_id>/open", "core.notifications.views:open_one", methods=("POST",)),
        Route("/read", "core.notifications.views:read_all", methods=("POST",)),
        Route("/preferences", "core.notifications.views:preferences", methods=("GET", "POST")),
        Route("/mail", "core.notifications.views:waiting_mail"),
    ],
)


pages.add_app_template_global(LazyView("core.notifications.views:_texts"), "notification_texts")

api = LazyApiBlueprint(
    "notifications",
    __name__,
    description="The caller's notifications.",
    routes=[
        Route("/notifications", "core.notifications.api:list_notifications"),
        Route(
            "/notifications/<int:notification_id>/read", "core.notifications.api:read_notification", methods=("POST",)
        ),
        Route("/notifications/read", "core.notifications.api:read_all_notifications", methods=("POST",)),
    ],
)
