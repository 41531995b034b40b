"""Notifications — their pages and API, and the e-mail each tick sends.

Each hook imports what it uses when it is called: importing the hooks stays cheap.
"""

from __future__ import annotations

from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    from core.notifications import routes

    return [routes.pages]


@hookimpl
def register_api_blueprints():
    from core.notifications import routes

    return [routes.api]


@hookimpl
def tick(now):
    from core.notifications import mail

    sent, failed = mail.send_pending(now)
    digests = mail.send_digests(now)
    done = []
    if sent or failed:
        done.append(f"{sent} e-mails sent, {failed} waiting for a retry")
    if digests:
        done.append(f"{digests} daily digests sent")
    return done


@hookimpl
def register_commands(cli):
    from core.notifications import cli as commands

    cli.add_command(commands.notifications_command)
