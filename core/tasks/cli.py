"""``dealerqms tasks --as LOGIN``: the inbox on the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.cli import domain_errors
from core.counts import count_text


@click.command("tasks")
@click.option("--as", "login", required=True, help="Whose tasks to list.")
@click.option("--kind", help="Only tasks of this kind, e.g. procedures.acknowledge.")
@with_appcontext
@domain_errors
def tasks_command(login, kind):
    """List what waits for a user, earliest due first."""
    from core.accounts.services import user_by_login
    from core.tasks import services

    user = user_by_login(login)
    inbox = services.inbox(user, kind)
    for task in inbox.tasks:
        due = task.due.isoformat() if task.due else "-"
        flag = " OVERDUE" if services.is_overdue(task) else ""
        click.echo(f"{due}{flag}  {task.title}  [{task.kind}]  {task.url}")
    click.echo(f"{count_text(inbox.total)} task(s) waiting for {user.login}.")
