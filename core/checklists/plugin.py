"""Checklist libraries — the pages, API and commands of imported checklists, and their trail.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.plugin_engine.types import MenuLink
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.checklists import routes

    return [routes.pages]


@hookimpl
def register_api_blueprints():
    from core.checklists import routes

    return [routes.api]


@hookimpl
def register_commands(cli):
    from core.checklists import cli as commands

    cli.add_command(commands.checklists_group)


@hookimpl
def register_trail_entities():
    from core.checklists import history

    return list(history.ENTITIES)


@hookimpl
def menu_links(user):
    from core.accounts.permissions import Permission, can

    if not can(user, Permission.MANAGE_CHECKLISTS):
        return []
    return [MenuLink(label=_l("Checklists"), endpoint="checklists.index")]
