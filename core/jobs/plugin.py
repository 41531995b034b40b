"""Background jobs — the "my jobs" pages, the API and the ``jobs`` command."""

from __future__ import annotations

from flask import current_app

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.jobs import routes

    return [routes.pages]


@hookimpl
def register_api_blueprints():
    from core.jobs import routes

    return [routes.api]


@hookimpl
def register_commands(cli):
    from core.jobs import cli as commands

    cli.add_command(commands.jobs_group)
    cli.add_command(commands.worker_command)


@hookimpl
def register_notification_kinds():
    from core.jobs import notices

    return notices.KINDS


@hookimpl
def tick(now):
    from core.jobs import notices
    from core.jobs.runner import runner_for

    # Lost jobs first: one failed now is announced in the same tick.
    recover = getattr(runner_for(current_app._get_current_object()), "recover", None)
    recovered = recover() if recover is not None else []
    return recovered + notices.announce_finished(now)
