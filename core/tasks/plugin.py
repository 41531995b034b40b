"""The task inbox — its page and API (the tasks come from every area's ``user_tasks``).

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.tasks import routes

    return [routes.pages]


@hookimpl
def register_api_blueprints():
    from core.tasks import routes

    return [routes.api]


@hookimpl
def register_commands(cli):
    from core.tasks import cli as commands

    cli.add_command(commands.tasks_command)
