"""Forms — the pages and API through which staff fill in the plugins' forms, and recurring
forms: schedules whose dues wait in the task inbox until the form is submitted."""

from __future__ import annotations

from core.database import commit
from core.forms import api, follow_ups, history, notices, schedules, search, services, tasks, views
from core.forms import cli as commands
from core.forms import demo as demo_forms
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp, api.schedules_bp, api.follow_ups_bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.forms_group)


@hookimpl
def trail_scope(user):
    return {**services.trail_scope(user), **schedules.trail_scope(user), **follow_ups.trail_scope(user)}


@hookimpl
def tick(now):
    created = schedules.create_due(now)
    commit()
    return [f"form dues created: {created}"] if created else []


@hookimpl
def user_tasks(user, kind, limit):
    return tasks.user_tasks(user, kind, limit)


# After the areas' demo data: their history's surveys are what it follows up.
@hookimpl(trylast=True)
def populate_instance(demo):
    if demo:
        demo_forms.populate()
        demo_forms.follow_up_the_history()


@hookimpl
def search_sources():
    return search.SOURCES


@hookimpl
def register_notification_kinds():
    return notices.KINDS


@hookimpl
def register_trail_entities():
    return list(history.ENTITIES)
