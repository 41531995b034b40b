"""The task inbox — its page and API (the tasks come from every area's ``user_tasks``)."""

from __future__ import annotations

from core.plugins import hookimpl
from core.tasks import api, views


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]
