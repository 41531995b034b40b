"""The plugin API's own outside: ``dealerqms plugins`` and ``GET /api/v1/plugins``."""

from __future__ import annotations

from core.plugins import api, hookimpl
from core.plugins import cli as commands


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.plugins_command)
