"""Forms — the pages and API through which staff fill in the plugins' forms, and recurring
forms: schedules whose dues wait in the task inbox until the form is submitted.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.forms import routes

    return [routes.pages]


@hookimpl
def register_api_blueprints():
    from core.forms import routes

    return [routes.api, routes.schedules_api, routes.follow_ups_api]


@hookimpl
def register_commands(cli):
    from core.forms import cli as commands

    cli.add_command(commands.forms_group)


@hookimpl
def trail_scope(user):
    from core.forms import follow_ups, schedules, services

    return {**services.trail_scope(user), **schedules.trail_scope(user), **follow_ups.trail_scope(user)}


@hookimpl
def tick(now):
    from core.database import commit
    from core.forms import schedules

    created = schedules.create_due(now)
    commit()
    return [f"form dues created: {created}"] if created else []


@hookimpl
def user_tasks(user, kind, limit):
    from core.forms import tasks

    return tasks.user_tasks(user, kind, limit)


# After the areas' demo data: their history's surveys are what it follows up.
@hookimpl(trylast=True)
def populate_instance(demo):
    from core.forms import demo as demo_forms

    if demo:
        demo_forms.populate()
        demo_forms.follow_up_the_history()


@hookimpl
def search_sources():
    from core.forms import search

    return search.SOURCES


@hookimpl
def register_notification_kinds():
    from core.forms import notices

    return notices.KINDS


@hookimpl
def register_trail_entities():
    from core.forms import history

    return list(history.ENTITIES)
