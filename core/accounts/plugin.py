"""Accounts — users, sites, departments, login and API tokens — plugged in like any area."""

from __future__ import annotations

from core.accounts import api, views
from core.accounts import cli as commands
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    return [views.bp, views.account_bp]


@hookimpl
def register_api_blueprints():
    return list(api.blueprints)


@hookimpl
def register_commands(cli):
    cli.add_command(commands.user_group)
    cli.add_command(commands.token_group)
