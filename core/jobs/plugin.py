"""Background jobs — the "my jobs" pages, the API and the ``jobs`` command."""

from __future__ import annotations

from flask import current_app

from core.jobs import api, notices, views
from core.jobs import cli as commands
from core.jobs.runner import runner_for
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
    # Lost jobs first: one failed now is announced in the same tick.
    recover = getattr(runner_for(current_app._get_current_object()), "recover", None)
    recovered = recover() if recover is not None else []
    return recovered + notices.announce_finished(now)
