"""The dashboard, the trail page and the administration pages. Their routes are tables:
mounted at start-up, each view module loaded on the first request that needs it
(:mod:`core.lazy_views`); ``tests/test_lazy_views.py`` checks that every ``@bp.route``
matches its line."""

from __future__ import annotations

from core.lazy_views import LazyBlueprint, LazyView, Route

pages = LazyBlueprint(
    "web",
    __name__,
    routes=[
        Route("/", "core.web.views:dashboard"),
        Route("/trail", "core.web.views:trail"),
    ],
)

admin_pages = LazyBlueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    routes=[
        Route("/users", "core.web.admin:users"),
        Route("/users/new", "core.web.admin:new_user", methods=("GET", "POST")),
        Route("/users/<login>", "core.web.admin:user", methods=("GET", "POST")),
        Route("/users/<login>/password", "core.web.admin:set_user_password", methods=("POST",)),
        Route("/sites", "core.web.admin:sites"),
        Route("/sites/new", "core.web.admin:new_site", methods=("GET", "POST")),
        Route("/sites/<code>", "core.web.admin:site", methods=("GET", "POST")),
        Route("/departments", "core.web.admin:departments"),
        Route("/departments/new", "core.web.admin:new_department", methods=("GET", "POST")),
        Route("/departments/<code>", "core.web.admin:department", methods=("GET", "POST")),
        Route("/departments/<code>/heads/<site_key>", "core.web.admin:department_heads", methods=("POST",)),
    ],
)

# Every administration page is for administrators only; the check loads with the pages.
admin_pages.before_request(LazyView("core.web.admin:_administrators_only"))
