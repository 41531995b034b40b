"""The log-in and account pages and the API of sites, departments, users and tokens. Its
routes are tables: mounted at start-up, each view module loaded on the first request that
needs it (:mod:`core.lazy_views`); ``tests/test_lazy_views.py`` checks that every
``@bp.route`` matches its line."""

from __future__ import annotations

from core.lazy_views import LazyApiBlueprint, LazyBlueprint, Route

pages = LazyBlueprint(
    "auth",
    __name__,
    routes=[
        Route("/login", "core.accounts.views:login", methods=("GET", "POST")),
        Route("/logout", "core.accounts.views:logout", methods=("POST",)),
        Route("/language", "core.accounts.views:language", methods=("POST",)),
    ],
)

account_pages = LazyBlueprint(
    "account",
    __name__,
    url_prefix="/account",
    routes=[
        Route("", "core.accounts.views:profile"),
        Route("/profile", "core.accounts.views:save_profile", methods=("POST",)),
        Route("/password", "core.accounts.views:change_password", methods=("POST",)),
        Route("/sessions/<int:session_id>/end", "core.accounts.views:end_session", methods=("POST",)),
        Route("/sessions/end-others", "core.accounts.views:end_other_sessions", methods=("POST",)),
        Route("/tokens", "core.accounts.views:create_token", methods=("POST",)),
        Route("/tokens/<int:token_id>/revoke", "core.accounts.views:revoke_token", methods=("POST",)),
    ],
)

sites_api = LazyApiBlueprint(
    "sites",
    __name__,
    description="Dealerships of the group.",
    routes=[
        Route("/sites", "core.accounts.api:list_sites"),
        Route("/sites", "core.accounts.api:create_site", methods=("POST",)),
        Route("/sites/<code>", "core.accounts.api:get_site"),
        Route("/sites/<code>", "core.accounts.api:update_site", methods=("PATCH",)),
    ],
)

departments_api = LazyApiBlueprint(
    "departments",
    __name__,
    description="Departments and their heads.",
    routes=[
        Route("/departments", "core.accounts.api:list_departments"),
        Route("/departments", "core.accounts.api:create_department", methods=("POST",)),
        Route("/departments/<code>", "core.accounts.api:get_department"),
        Route("/departments/<code>", "core.accounts.api:update_department", methods=("PATCH",)),
    ],
)

users_api = LazyApiBlueprint(
    "users",
    __name__,
    description="Users, their roles, department and site.",
    routes=[
        Route("/users", "core.accounts.api:list_users"),
        Route("/users", "core.accounts.api:create_user", methods=("POST",)),
        Route("/users/<login>", "core.accounts.api:get_user"),
        Route("/users/<login>", "core.accounts.api:update_user", methods=("PATCH",)),
        Route("/users/<login>/password", "core.accounts.api:set_password", methods=("PUT",)),
        Route("/me", "core.accounts.api:get_me"),
        Route("/me", "core.accounts.api:update_me", methods=("PATCH",)),
    ],
)

tokens_api = LazyApiBlueprint(
    "tokens",
    __name__,
    description="The caller's own API tokens.",
    routes=[
        Route("/tokens", "core.accounts.api:list_tokens"),
        Route("/tokens", "core.accounts.api:create_token", methods=("POST",)),
        Route("/tokens/<int:token_id>", "core.accounts.api:get_token"),
        Route("/tokens/<int:token_id>", "core.accounts.api:revoke_token", methods=("DELETE",)),
    ],
)
