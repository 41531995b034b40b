"""Internal audits, nonconformities and corrective actions, plugged into the
core through its hooks (the core never imports this package).

Each hook imports what it uses when it is called, so that importing the hooks stays cheap
(``dealerqms --help`` imports every area's hooks).
"""

from __future__ import annotations

from pathlib import Path

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from audits.inspections import COMPLETION_METRIC
from core.counts import count_text
from core.database import commit
from core.plugins import DashboardPanel, MenuLink, Metric, OverdueItem, OverdueList, TaskList, hookimpl

__version__ = "1.0"

HERE = Path(__file__).parent


@hookimpl
def register_migrations():
    # The tables the migrations create, on the metadata before the first query: start-up asks
    # for the migrations, listing the commands does not.
    import audits.improvements.models  # noqa: F401
    import audits.inspections.models  # noqa: F401
    import audits.models  # noqa: F401
    import audits.objectives.models  # noqa: F401
    import audits.reviews.models  # noqa: F401

    return [HERE / "migrations" / "versions"]


@hookimpl
def register_translations():
    return [HERE / "translations"]


@hookimpl
def register_commands(cli):
    from audits.cli import audits_group, pack_group
    from audits.improvements.cli import improvements_group
    from audits.inspections.cli import checks_group
    from audits.reviews.cli import review_group

    cli.add_command(audits_group)
    cli.add_command(pack_group)
    cli.add_command(checks_group)
    cli.add_command(improvements_group)
    cli.add_command(review_group)


@hookimpl
def prepare_job_worker():
    from audits.jobs import prepare_worker

    prepare_worker()


@hookimpl
def register_notification_kinds():
    from audits import notices

    return notices.KINDS


@hookimpl
def tick(now):
    from audits import notices
    from audits.improvements import kpis as improvement_signals
    from audits.inspections import services as inspection_services

    created = inspection_services.create_due(now)
    commit()
    raised = improvement_signals.scan(now)
    commit()
    return (
        ([f"scheduled checks created: {created}"] if created else [])
        + ([f"improvements raised from KPIs: {raised}"] if raised else [])
        + notices.remind(now)
    )


@hookimpl
def register_checklists():
    from audits.checklists import quality_system

    return [quality_system()]


@hookimpl
def register_metrics():
    # How many of a site's scheduled checks of the month were done: the rhythm holding.
    inspection_completion = Metric(
        key=COMPLETION_METRIC,
        name=_l("Scheduled checks done"),
        unit="%",
        direction="higher",
        target=95,
        warning=85,
        computed=True,
        formula=_l("checks recorded ÷ checks due in the month × 100"),
        area="QUALITY",
        # Fed by inspections, not forms: no form submission recomputes it.
        inputs=("audits.inspections",),
    )
    return [inspection_completion]


@hookimpl
def compute_metric(metric, site, period):
    if metric.key == COMPLETION_METRIC:
        from audits.inspections import services as inspection_services

        return inspection_services.completion_rate(site, period)
    return None


@hookimpl
def user_tasks(user, kind, limit):
    from audits import tasks
    from audits.objectives import tasks as objective_tasks

    audit_work = tasks.user_tasks(user, kind, limit)
    updates_owed = objective_tasks.user_tasks(user, kind, limit)
    return TaskList(
        audit_work + updates_owed,
        total=audit_work.total + updates_owed.total,
        kind_totals={**audit_work.kind_totals, **updates_owed.kind_totals},
    )


@hookimpl
def trail_scope(user):
    from audits.services import trail

    return trail.trail_scope(user)


@hookimpl
def register_blueprints():
    from audits.routes import pages as page_blueprint

    return [page_blueprint]


@hookimpl
def register_api_blueprints():
    from audits.routes import api as api_blueprint

    return [api_blueprint]


# Last: the demo's objectives, improvement items and management reviews read the KPIs and
# complaints that the areas' demo records produce.
@hookimpl(trylast=True)
def populate_instance(demo):
    from audits.demo import populate
    from audits.improvements import demo as improvements_demo
    from audits.inspections import demo as inspections_demo
    from audits.objectives import demo as objectives_demo
    from audits.reviews import demo as reviews_demo
    from audits.services.programme import load_starter_programme

    load_starter_programme()
    if demo:
        populate()
        inspections_demo.populate()
        improvements_demo.populate()
        objectives_demo.populate()
        reviews_demo.populate()


@hookimpl
def generate_demo_data(scale, loader):
    from audits.scaledata import generate

    generate(scale, loader)


@hookimpl
def menu_links(user):
    from core.accounts.models import Role
    from core.accounts.permissions import Permission, can

    links = []
    if can(user, Permission.READ_DRAFTS):
        links.append(MenuLink(label=_l("Audits"), endpoint="audits.index"))
    if can(user, Permission.READ_RECORDS):
        links.append(MenuLink(label=_l("Nonconformities"), endpoint="audits.nonconformities"))
        links.append(MenuLink(label=_l("My actions"), endpoint="audits.my_actions"))
        links.append(MenuLink(label=_l("Scheduled checks"), endpoint="audits.inspections.index"))
        links.append(MenuLink(label=_l("Improvements"), endpoint="audits.improvements.index"))
        links.append(MenuLink(label=_l("Objectives"), endpoint="audits.objectives.index"))
    if Role.QUALITY_OFFICER in user.roles:
        links.append(MenuLink(label=_l("Management review"), endpoint="audits.reviews.index"))
    return links


@hookimpl
def create_nonconformity(title, description, severity, site, department, source, source_ref, raised_by):
    from audits.services import nonconformities
    from audits.services.common import user_named

    # A plugin raises it for a form's submitter (staff raise NCs only this way): the
    # submitter is recorded as who raised it, not checked as who may raise one by hand.
    submitter = user_named(raised_by, "raised_by", required=False)
    nc = nonconformities.raise_nonconformity(
        None,
        raised_by=submitter,
        title=title,
        description=description,
        severity=severity,
        site=site,
        department=department,
        source=source,
        source_ref=source_ref,
    )
    return nc.reference


PANEL_ROWS = 20


@hookimpl
def dashboard_panels(site, user):
    from audits.services import actions
    from audits.views import scores as score_views
    from core.web.links import link_list

    panels = []
    # The earliest due of them: a department head of a large site owns hundreds (the whole list
    # made the dashboard 450 KB); the list page has them all.
    # As rows of the columns shown (one statement): the actions with their NCs and owners made up
    # most of the panels' time at the large demo size.
    mine = actions.my_action_rows(user, limit=PANEL_ROWS)
    if mine:
        title = _("My corrective actions")
        if len(mine) == PANEL_ROWS:
            title = f"{title} ({count_text(actions.my_actions_count(user))})"
        panels.append(
            DashboardPanel(
                title=title,
                html=link_list(
                    (
                        url_for("audits.action", action_id=a.id),
                        a.label,
                        a.description[:80],
                        _("due %(date)s", date=escape(a.due_date.isoformat()))
                        if a.state == "open"
                        else _("waiting for verification"),
                    )
                    for a in mine
                )
                + (
                    Markup('<p><a href="{}">{}</a></p>').format(url_for("audits.my_actions"), _("My actions"))
                    if len(mine) == PANEL_ROWS
                    else ""
                ),
            )
        )
    # Lists on the dashboard show their first rows and how many there are: a
    # large company has thousands of actions waiting for verification.
    verify = actions.verification_rows(user, limit=PANEL_ROWS)
    if verify:
        title = _("Actions waiting for effectiveness verification")
        if len(verify) == PANEL_ROWS:
            title = f"{title} ({count_text(actions.awaiting_verification_count(user))})"
        panels.append(
            DashboardPanel(
                title=title,
                html=link_list(
                    (url_for("audits.action", action_id=a.id), a.label, a.description[:80], a.owner) for a in verify
                ),
            )
        )
    # The group office compares its sites (a site's people see their own scores on the KPI pages).
    ranked = score_views.dashboard_panel(user)
    if ranked is not None:
        panels.append(DashboardPanel(title=ranked[0], html=ranked[1]))
    # Overdue NCs and actions are not a panel: they are in the dashboard's overdue list (dashboard_overdue).
    return panels


@hookimpl
def kpi_panels(site, area, user):
    from audits.improvements import charts as improvement_charts
    from audits.views import scores as score_views

    # Where the site's NCs come from, next to the KPIs they explain (ISO 9001 10.3; issue #15).
    found = [
        improvement_charts.kpi_panel(site, area, user),
        # How the site's audit scores compare with the other sites' (issue #17).
        score_views.kpi_panel(site, area, user),
    ]
    return [DashboardPanel(title=title, html=html) for title, html in filter(None, found)]


@hookimpl
def dashboard_overdue(site, user):
    from audits.services import actions, nonconformities
    from core.accounts.permissions import Permission, can
    from core.web.dashboard import OVERDUE_SHOWN
    from core.web.links import Links

    if not can(user, Permission.READ_RECORDS):
        return []
    # The dashboard shows the earliest OVERDUE_SHOWN of all its sources: the earliest as
    # many of each kind are enough, and a large site has hundreds of each.
    nc_link, action_link = Links("audits.nonconformity", "reference"), Links("audits.action", "action_id")
    items = [
        OverdueItem(
            kind=str(_l("Nonconformity")),
            label=f"{nc.reference} {nc.title}",
            url=nc_link(nc.reference),
            due=nc.due_date,
            owner=nc.owner,
        )
        for nc in nonconformities.overdue_nc_rows(site, OVERDUE_SHOWN, user)
    ]
    items += [
        OverdueItem(
            kind=str(_l("Corrective action")),
            label=f"{a.label} {a.description[:60]}",
            url=action_link(a.id),
            due=a.due_date,
            owner=a.owner,
        )
        for a in actions.overdue_action_rows(site, OVERDUE_SHOWN, user)
    ]
    total = nonconformities.overdue_count(site, reader=user) + actions.overdue_actions_count(site, reader=user)
    return OverdueList(items, total=total)


@hookimpl
def register_job_kinds():
    from audits.jobs import PACK_JOB

    return [PACK_JOB]


@hookimpl
def search_sources():
    from audits.services import search

    return search.SOURCES


@hookimpl
def register_trail_entities():
    from audits import history
    from audits.inspections import history as inspection_history
    from audits.objectives import history as objective_history
    from audits.reviews import history as review_history

    return [*history.ENTITIES, *inspection_history.ENTITIES, *review_history.ENTITIES, *objective_history.ENTITIES]
