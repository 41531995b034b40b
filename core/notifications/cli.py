"""``dealerqms notifications --as LOGIN``: a user's notifications, and the e-mail waiting."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from core.cli import domain_errors


@click.command("notifications")
@click.option("--as", "login", help="Whose notifications to list (newest first).")
@click.option("--waiting", is_flag=True, help="List the e-mail that has not gone out, and why.")
@click.option("--limit", default=50, show_default=True)
@with_appcontext
@domain_errors
def notifications_command(login, waiting, limit):
    """List a user's notifications, or the e-mail waiting to go out."""
    from core.accounts.services import user_by_login
    from core.notifications import mail, services

    if waiting:
        rows = mail.waiting()
        for row in rows:
            click.echo(
                f"{row.mail:<8} {row.mail_attempts} {row.user.email}  {services.texts(row)[0]}  {row.mail_error or ''}"
            )
        click.echo(f"{len(rows)} e-mail(s) waiting or given up.")
        return
    if not login:
        raise click.UsageError("Give --as LOGIN, or --waiting.")
    user = user_by_login(login)
    for row in services.recent(user, limit=limit):
        mark = " " if row.read_at else "*"
        click.echo(f"{mark} {row.created_at:%Y-%m-%d %H:%M}  {services.texts(row)[0]}  {row.url}")
    click.echo(f"{services.unread_count(user)} unread.")
