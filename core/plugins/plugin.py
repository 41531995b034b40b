"""The plugin API's own outside: ``dealerqms plugins`` and ``GET /api/v1/plugins``.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_api_blueprints():
    from core.plugins import routes

    return [routes.api]


@hookimpl
def register_commands(cli):
    from core.plugins import cli as commands

    cli.add_command(commands.plugins_command)
