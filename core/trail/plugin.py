"""The audit trail's page of the API and its command, plugged in like any area.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_api_blueprints():
    from core.trail import routes

    return [routes.api]


@hookimpl
def register_commands(cli):
    from core.trail import cli as commands

    cli.add_command(commands.trail_group)


@hookimpl
def register_trail_entities():
    from core.trail.entities import ENTITIES

    return list(ENTITIES)
