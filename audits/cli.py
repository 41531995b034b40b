from __future__ import annotations

import click
from flask.cli import with_appcontext

from audits.services import actions, nonconformities, programme
from core.cli import domain_errors
from core.database import commit
from core.trail import acting_as


@click.group("audits", help="Internal audits, nonconformities and corrective actions.")
def audits_group():
    pass


@audits_group.command("load-programme")
@click.option("--year", type=int, help="The programme year (default: this year).")
@with_appcontext
@domain_errors
def load_programme_command(year):
    """Put the starter audit programme in place for the default site (skipped when it has one)."""
    with acting_as("init"):
        added = programme.load_starter_programme(year)
        commit()
    click.echo(f"{added} programme entries added.")


@audits_group.command("overdue")
@with_appcontext
@domain_errors
def overdue_command():
    """List overdue nonconformities and corrective actions (for a daily mail or a cron log)."""
    ncs = nonconformities.overdue_nonconformities()
    overdue_actions = actions.overdue_actions()
    for nc in ncs:
        click.echo(f"{nc.reference}\t{nc.due_date}\t{nc.owner.login if nc.owner else '-'}\t{nc.title}")
    for action in overdue_actions:
        click.echo(f"{action.label}\t{action.due_date}\t{action.owner.login}\t{action.description}")
    click.echo(f"{len(ncs)} overdue nonconformities, {len(overdue_actions)} overdue corrective actions.", err=True)
