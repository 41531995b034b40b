"""Notifications — their pages and API, and the e-mail each tick sends."""

from __future__ import annotations

from core.notifications import api, mail, views
from core.notifications import cli as commands
from core.plugins import hookimpl


@hookimpl
def register_blueprints():
    return [views.bp]


@hookimpl
def register_api_blueprints():
    return [api.bp]


@hookimpl
def tick(now):
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
    cli.add_command(commands.notifications_command)
