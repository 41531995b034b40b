"""The audit trail's page of the API and its command, plugged in like any area."""

from __future__ import annotations

from core.plugins import hookimpl
from core.trail import api
from core.trail import cli as commands
from core.trail.entities import ENTITIES


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.trail_group)


@hookimpl
def register_trail_entities():
    return list(ENTITIES)
