"""Checklist libraries — the pages, API and commands of imported checklists, and their trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.accounts.permissions import Permission, can
from core.checklists import api, history, views
from core.checklists import cli as commands
from core.plugin_engine.types import MenuLink
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.checklists_group)


@hookimpl
def register_trail_entities():
    return list(history.ENTITIES)


@hookimpl
def menu_links(user):
    if not can(user, Permission.MANAGE_CHECKLISTS):
        return []
    return [MenuLink(label=_l("Checklists"), endpoint="checklists.index")]
