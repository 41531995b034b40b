"""Internal audits, nonconformities and corrective actions, plugged into the
core through its hooks (the core never imports this package)."""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

import audits.jobs  # noqa: F401  (registers the evidence-pack job kind)
from core.accounts.permissions import Permission, can
from core.plugins import DashboardPanel, MenuLink, hookimpl

__version__ = "1.0"
HERE = Path(__file__).parent


@hookimpl
def register_migrations():
    return [HERE / "migrations" / "versions"]


@hookimpl
def register_translations():
    return [HERE / "translations"]


@hookimpl
def register_commands(cli):
    from audits.cli import audits_group, pack_group

    cli.add_command(audits_group)
    cli.add_command(pack_group)


@hookimpl
def register_blueprints():
    from audits.views import bp

    return [bp]


@hookimpl
def register_api_blueprints():
    from audits.api import bp

    return [bp]


@hookimpl
def populate_instance(demo):
    from audits.services.programme import load_starter_programme

    load_starter_programme()
    if demo:
        from audits.demo import populate

        populate()


@hookimpl
def generate_demo_data(scale, loader):
    from audits.demodata import generate

    generate(scale, loader)


@hookimpl
def menu_links(user):
    links = []
    if can(user, Permission.READ_DRAFTS):
        links.append(MenuLink(label=_l("Audits"), endpoint="audits.index"))
    if can(user, Permission.RAISE_NC):
        links.append(MenuLink(label=_l("Nonconformities"), endpoint="audits.nonconformities"))
        links.append(MenuLink(label=_l("My actions"), endpoint="audits.my_actions"))
    return links


@hookimpl
def create_nonconformity(title, description, severity, site, department, source, source_ref, raised_by):
    from audits.services import nonconformities
    from audits.services.common import user_named

    actor = user_named(raised_by, "raised_by", required=False)
    nc = nonconformities.raise_nonconformity(actor, title=title, description=description, severity=severity,
                                             site=site, department=department, source=source,
                                             source_ref=source_ref)
    return nc.reference


PANEL_ROWS = 20


def _list(rows) -> Markup:
    items = Markup("").join(
        Markup('<li><a href="{}">{}</a> {} <span class="muted">{}</span></li>').format(url, label, text, note)
        for url, label, text, note in rows)
    return Markup('<ul class="plain-list">{}</ul>').format(items)


@hookimpl
def dashboard_panels(site, user):
    from audits.services import actions, nonconformities

    panels = []
    mine = actions.my_actions(user)
    if mine:
        panels.append(DashboardPanel(title=_("My corrective actions"), html=_list(
            (url_for("audits.action", action_id=a.id), a.label, a.description[:80],
             _("due %(date)s", date=escape(a.due_date.isoformat())) if a.state == "open" else _("waiting for verification"))
            for a in mine)))
    # Lists on the dashboard show their first rows and how many there are: a
    # large company has thousands of actions waiting for verification.
    verify = actions.awaiting_verification(user, limit=PANEL_ROWS)
    if verify:
        title = _("Actions waiting for effectiveness verification")
        if len(verify) == PANEL_ROWS:
            title = f"{title} ({actions.awaiting_verification_count(user)})"
        panels.append(DashboardPanel(title=title, html=_list(
            (url_for("audits.action", action_id=a.id), a.label, a.description[:80], a.owner.display_name)
            for a in verify)))
    if can(user, Permission.RAISE_NC):
        overdue_ncs = nonconformities.overdue_nonconformities(site, limit=10)
        overdue_actions = actions.overdue_actions(site, limit=10)
        if overdue_ncs or overdue_actions:
            summary = Markup('<p><a href="{}">{}</a> · {}</p>').format(
                url_for("audits.nonconformities", overdue=1),
                _("%(count)d overdue nonconformities", count=nonconformities.overdue_count(site)),
                _("%(count)d overdue corrective actions", count=actions.overdue_actions_count(site)))
            rows = [(url_for("audits.nonconformity", reference=nc.reference), nc.reference, nc.title[:80],
                     _("due %(date)s", date=escape(nc.due_date.isoformat()))) for nc in overdue_ncs]
            rows += [(url_for("audits.action", action_id=a.id), a.label, a.description[:80],
                      _("due %(date)s", date=escape(a.due_date.isoformat()))) for a in overdue_actions]
            panels.append(DashboardPanel(title=_("Overdue nonconformities and actions"), html=summary + _list(rows)))
    return panels
