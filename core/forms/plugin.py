"""Forms — the pages and API through which staff fill in the plugins' forms."""

from __future__ import annotations

from core.forms import api, services, views
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def trail_scope(user):
    return services.trail_scope(user)
