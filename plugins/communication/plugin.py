"""The communication plugin's hook implementations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins import DashboardPanel, PluginPermission, add_months, hookimpl, submissions_url
from plugins.communication import computations, definitions

__version__ = "1.0"

# Open actions are carried over from meeting to meeting, so the last
# quarter's logs hold every action still open.
OVERDUE_MONTHS = 3
# The longest overdue actions the panel lists; its title counts them all.
OVERDUE_SHOWN = 10
FOLLOW_UP_ACTIONS = "communication.follow_up_actions"


@hookimpl
def register_permissions():
    # Those who chase meeting actions: the quality team and the department heads, not the auditors.
    return [
        PluginPermission(
            key=FOLLOW_UP_ACTIONS,
            description="follow up overdue meeting actions",
            roles=("admin", "quality_officer", "department_head"),
        )
    ]


@hookimpl
def register_checklists():
    return [definitions.checklist()]


@hookimpl
def register_metrics():
    return definitions.metrics()


@hookimpl
def register_forms():
    return definitions.forms()


@hookimpl
def register_procedure_templates():
    return definitions.procedure_templates()


@hookimpl
def register_translations():
    return [Path(__file__).parent / "translations"]


@hookimpl
def compute_metric(metric, site, period):
    from core.plugins import submissions_in_period

    if metric.key == "communication.actions_on_time":
        value = computations.actions_on_time_rate(submissions_in_period("communication.meeting", site, period), period)
    elif metric.key == "communication.handoff_rate":
        value = computations.handoff_rate(submissions_in_period("communication.handoff", site, period))
    elif metric.key == "communication.ro_updates":
        value = computations.ro_update_rate(submissions_in_period(definitions.REPAIR_ORDER, site, period))
    else:
        return None
    return None if value is None else round(value, 2)


def overdue_actions(site, today: date | None = None) -> list[dict]:
    from core.plugins import submissions_between
    from core.plugins import today as local_today

    today = today or local_today()
    latest = today.strftime("%Y-%m")
    meetings = submissions_between("communication.meeting", site, add_months(latest, 1 - OVERDUE_MONTHS), latest)
    return computations.overdue_actions(meetings, today)


@hookimpl
def dashboard_panels(site, user):
    from core.plugins import can

    if not can(user, FOLLOW_UP_ACTIONS):
        return []
    panels = []
    late = overdue_actions(site)
    if late:
        rows = Markup("").join(
            Markup('<li>{} <span class="muted">{}</span></li>').format(
                action["action"], _("%(owner)s, due %(date)s", owner=action["owner"], date=action["due"])
            )
            for action in late[:OVERDUE_SHOWN]
        )
        html = Markup('<ul class="plain-list">{}</ul>').format(rows)
        if len(late) > OVERDUE_SHOWN:
            html += Markup('<p class="muted"><a href="{}">{}</a></p>').format(
                submissions_url("communication.meeting", site), _("and %(count)d more", count=len(late) - OVERDUE_SHOWN)
            )
        panels.append(DashboardPanel(title=_("Meeting actions overdue (%(count)d)", count=len(late)), html=str(html)))
    panels.append(DashboardPanel(title=_l("Meeting actions closed on time"), chart="communication.actions_on_time"))
    return panels


@hookimpl
def populate_instance(demo):
    from plugins.communication import demo as demo_records

    if demo:
        demo_records.populate()
