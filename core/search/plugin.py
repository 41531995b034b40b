"""Search: its page, API and commands; the sources come from every area's ``search_sources``.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.search import routes

    return [routes.pages]


@hookimpl
def register_api_blueprints():
    from core.search import routes

    return [routes.api]


@hookimpl
def register_commands(cli):
    from core.search import cli as commands

    cli.add_command(commands.search_group)


@hookimpl(trylast=True)
def populate_instance(demo):
    from core.search import index

    # After every other plugin's starting content: the forms, and records written around the ORM.
    index.reindex()
