"""Metrics — KPI pages, API, import command and the dashboard's KPI tiles and charts."""

from __future__ import annotations

from core.metrics import api, dashboard, history, services, tasks, views
from core.metrics import cli as commands
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def register_commands(cli):
    cli.add_command(commands.metrics_group)


@hookimpl
def tick(now):
    # The computed values no reader has asked for since their records changed.
    done = services.drain_all()
    return [f"computed metric values updated: {done}"] if done else []


@hookimpl
def dashboard_kpis(site, user):
    return dashboard.kpis(site, user)


@hookimpl
def trail_scope(user):
    return services.trail_scope(user)


@hookimpl
def user_tasks(user, kind, limit):
    return tasks.user_tasks(user, kind, limit)


@hookimpl
def register_trail_entities():
    return list(history.ENTITIES)
