"""``dealerqms tick``: every area's periodic work up to now (the ``tick`` hook), and
``dealerqms scheduler``, which ticks in a loop for a demo or a single machine."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from core.clock import utcnow
from core.plugin_engine import manager


def run_tick() -> list[str]:
    return manager.tick(utcnow())


@click.command("tick")
@with_appcontext
def tick_command():
    """Do everything due up to now: reminders, e-mail, scheduled checks. Safe to run at any time, from anywhere."""
    done = run_tick()
    click.echo("\n".join(done) if done else "Nothing was due.")


@click.command("scheduler")
@click.option("--every", default=60, show_default=True, help="Seconds between ticks.")
@with_appcontext
def scheduler_command(every):
    """Tick every EVERY seconds until stopped (for a demo or one machine; in production run tick from cron)."""
    while True:
        for line in run_tick():
            click.echo(line)
        time.sleep(every)
