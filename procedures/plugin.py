"""Document control, plugged into the core through its hooks (the core never imports it).

Each hook imports what it uses when it is called, so that importing the hooks stays cheap
(``dealerqms --help`` imports every area's hooks).
"""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from core.clock import utcnow
from core.counts import count_text
from core.database import commit
from core.plugins import DashboardPanel, MenuLink, hookimpl

__version__ = "1.0"


@hookimpl
def register_notification_kinds():
    from procedures import notices

    return notices.KINDS


@hookimpl
def user_tasks(user, kind, limit):
    from procedures import tasks

    return tasks.user_tasks(user, kind, limit)


@hookimpl
def register_migrations():
    # The tables the migrations create, on the metadata before the first query: start-up asks
    # for the migrations, listing the commands does not.
    import procedures.models  # noqa: F401

    return [Path(__file__).parent / "migrations" / "versions"]


@hookimpl
def register_translations():
    return [Path(__file__).parent / "translations"]


@hookimpl
def register_commands(cli):
    from procedures.cli import procedures_group

    cli.add_command(procedures_group)


@hookimpl
def register_blueprints():
    from procedures.routes import pages as page_blueprint

    return [page_blueprint]


@hookimpl
def register_api_blueprints():
    from procedures.routes import api as api_blueprint

    return [api_blueprint]


@hookimpl
def populate_instance(demo):
    from procedures import demo as procedures_demo
    from procedures import services
    from procedures.library import load_starter_library

    load_starter_library()
    if demo:
        procedures_demo.populate()
        # The starter library took effect just now: the demo's acknowledgement figures start this month.
        services.start_acknowledgement_months(utcnow(), everywhere=True)
        commit()


@hookimpl
def generate_demo_data(scale, loader):
    from procedures.scaledata import generate

    generate(scale, loader)


@hookimpl
def acknowledgement_completion(site, period):
    from procedures import services

    return services.acknowledgement_completion(site, period)


@hookimpl
def tick(now):
    from procedures import services

    services.start_acknowledgement_months(now)
    commit()
    return []


@hookimpl
def trail_scope(user):
    from procedures import services

    return services.trail_scope(user)


@hookimpl
def menu_links(user):
    from core.accounts.permissions import Permission, can

    if not can(user, Permission.READ_EFFECTIVE_PROCEDURES):
        return []
    return [MenuLink(label=_l("Procedures"), endpoint="procedures.index")]


# The first few of each panel and how many in all (a head at a large group owes 714 revisions and
# has dozens of reviews overdue); the full lists are a click away. Five, as the dashboard's inbox
# lists of each kind: the revisions to read are found once for both.
TO_READ_SHOWN = 5
OVERDUE_SHOWN = 5


def _panel_title(title: str, shown: int, total: int) -> str:
    return f"{title} ({count_text(total)})" if total > shown else title


def _more(url: str, label: str) -> Markup:
    return Markup('<p><a href="{}">{}</a></p>').format(url, label)


@hookimpl
def dashboard_panels(site, user):
    from core.accounts.permissions import Permission, can
    from core.web.links import Links, link_list
    from procedures import services

    panels = []
    pending = services.first_to_read(user, TO_READ_SHOWN)
    if pending:
        total = services.to_read_count(user) if len(pending) == TO_READ_SHOWN else len(pending)
        procedure_link = Links("procedures.view", "code")
        html = link_list(
            (
                procedure_link(r.procedure.code),
                f"{r.procedure.code} — {r.title}",
                "",
                _("revision %(number)s", number=r.number),
            )
            for r in pending
        )
        if total > TO_READ_SHOWN:
            html += _more(url_for("tasks.index", kind="procedures.acknowledge"), _("All revisions to read"))
        panels.append(DashboardPanel(title=_panel_title(_("To read and acknowledge"), TO_READ_SHOWN, total), html=html))
    if can(user, Permission.READ_DRAFTS):
        overdue, total = services.most_overdue_reviews(user, OVERDUE_SHOWN)
        if overdue:
            procedure_link = Links("procedures.view", "code")
            html = link_list(
                (
                    procedure_link(p.code),
                    f"{p.code} — {p.title}",
                    "",
                    _("due %(date)s", date=escape(p.next_review_due.isoformat())),
                )
                for p in overdue
            )
            if total > OVERDUE_SHOWN:
                html += _more(url_for("procedures.index", overdue="1"), _("All overdue reviews"))
            panels.append(
                DashboardPanel(title=_panel_title(_("Periodic reviews overdue"), OVERDUE_SHOWN, total), html=html)
            )
    return panels


@hookimpl
def search_sources():
    from procedures import search

    return search.SOURCES


@hookimpl
def register_trail_entities():
    from procedures.trail import ENTITIES

    return list(ENTITIES)
