"""Accounts — users, sites, departments, login and API tokens — plugged in like any area.

Each hook imports what it returns when it is called, so that importing the hooks stays cheap
(``dealerqms --help`` imports every area's hooks; docs/writing-plugins.md).
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.accounts import routes

    return [routes.pages, routes.account_pages]


@hookimpl
def register_api_blueprints():
    from core.accounts import routes

    return [routes.sites_api, routes.departments_api, routes.users_api, routes.tokens_api]


@hookimpl
def register_commands(cli):
    from core.accounts import cli as commands

    cli.add_command(commands.user_group)
    cli.add_command(commands.token_group)
