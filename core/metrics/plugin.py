"""Metrics — KPI pages, API, import command and the dashboard's KPI tiles and charts.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.metrics import routes

    return [routes.pages]


@hookimpl
def register_api_blueprints():
    from core.metrics import routes

    return [routes.api]


@hookimpl
def register_commands(cli):
    from core.metrics import cli as commands

    cli.add_command(commands.metrics_group)


@hookimpl
def tick(now):
    from core.metrics import services

    # The computed values no reader has asked for since their records changed.
    done = services.drain_all()
    return [f"computed metric values updated: {done}"] if done else []


@hookimpl
def dashboard_kpis(site, user):
    from core.metrics import dashboard

    return dashboard.kpis(site, user)


@hookimpl
def trail_scope(user):
    from core.metrics import services

    return services.trail_scope(user)


@hookimpl
def user_tasks(user, kind, limit):
    from core.metrics import tasks

    return tasks.user_tasks(user, kind, limit)


@hookimpl
def register_trail_entities():
    from core.metrics import history

    return list(history.ENTITIES)
