"""Background jobs — the "my jobs" pages, the API and the ``jobs`` command."""

from __future__ import annotations

from core.jobs import api, notices, views
from core.jobs import cli as commands
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.jobs_group)
    cli.add_command(commands.worker_command)


@hookimpl
def register_notification_kinds():
    return notices.KINDS


@hookimpl
def tick(now):
    return notices.announce_finished(now)
