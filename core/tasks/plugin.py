"""The task inbox — its page and API (the tasks come from every area's ``user_tasks``)."""

from __future__ import annotations

from core.plugins import hookimpl
from core.tasks import api, views
from core.tasks import cli as commands


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.tasks_command)
