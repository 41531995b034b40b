"""Search: its page, API and commands; the sources come from every area's ``search_sources``."""

from __future__ import annotations

from core.plugins import hookimpl
from core.search import api, index, views
from core.search import cli as commands


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.search_group)


@hookimpl(trylast=True)
def populate_instance(demo):
    # After every other plugin's starting content: the forms, and records written around the ORM.
    index.reindex()
