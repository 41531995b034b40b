"""``dealerqms plugins``: what is installed and what each plugin contributes."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from core.plugin_engine.manager import describe_plugins

_COUNT_LABELS = (
    ("checklists", "checklist", "checklists"),
    ("metrics", "metric", "metrics"),
    ("forms", "form", "forms"),
    ("procedure_templates", "procedure template", "procedure templates"),
)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.option(
    "--all",
    "include_defaults",
    is_flag=True,
    help="Also list the core's own areas, which plug in through the same hooks.",
)
@with_appcontext
def plugins_command(as_json, include_defaults):
    """List installed plugins: name, version, hooks and what each contributes."""
    plugins = describe_plugins(include_defaults=include_defaults)
    if as_json:
        click.echo(json.dumps(plugins, indent=2))
        return
    if not plugins:
        safe_mode = current_app.config.get("DEALERQMS_PLUGINS_SAFE_MODE")
        click.echo("Safe mode: no plugins are loaded." if safe_mode else "No plugins are loaded.")
        return
    for plugin in plugins:
        origin = " (core)" if plugin.get("default") else " (built in)" if plugin["builtin"] else ""
        click.echo(f"{plugin['name']} {plugin['version'] or '(no version)'}{origin}")
        counts = ", ".join(
            f"{plugin['counts'][key]} {one if plugin['counts'][key] == 1 else many}"
            for key, one, many in _COUNT_LABELS
            if plugin["counts"][key]
        )
        click.echo(f"  contributes: {counts or 'no definitions'}")
        click.echo(f"  hooks: {', '.join(plugin['hooks']) or 'none'}")
