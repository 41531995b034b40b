"""Who the audit area tells, and of what: an NC's owner when it is raised, an action's owner
when it is assigned, proves ineffective, comes due and runs late — and, when it stays late,
the head of the department and then the quality officers; the audit team when an audit is planned."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from audits.labels import SEVERITY_LABELS
from audits.models import ActionState, Audit, CorrectiveAction, Nonconformity
from core.accounts import organisation
from core.accounts.models import Role, User, UserRole
from core.clock import utcnow
from core.database import commit, db
from core.i18n import default_language
from core.notifications.services import notify
from core.paths import path_for
from core.plugin_engine.settings import plugin_config
from core.plugins import NotificationKind
from core.times import site_today

NC_RAISED = "audits.nc_raised"
ACTION_ASSIGNED = "audits.action_assigned"
ACTION_DUE = "audits.action_due"
ACTION_OVERDUE = "audits.action_overdue"
ACTION_ESCALATED = "audits.action_escalated"
ACTION_INEFFECTIVE = "audits.action_ineffective"
NC_ESCALATED = "audits.nc_escalated"
NC_REOPENED = "audits.nc_reopened"
AUDIT_PLANNED = "audits.audit_planned"
REPORT_SIGNED = "audits.report_signed"

# Reminders (the instance may change them: DEALERQMS_PLUGIN_CONFIG_AUDITS='{"escalate_to_head_after_days": 5}'):
# an action is announced this many days before it is due; a late action or NC goes to the head of
# the department after so many days and to the quality officers after so many more.
DEFAULTS = {"remind_days_before": 3, "escalate_to_head_after_days": 7, "escalate_to_quality_after_days": 14}


def _days(name: str) -> timedelta:
    value = plugin_config("audits").get(name, DEFAULTS[name])
    return timedelta(days=int(value))


KINDS = [
    NotificationKind(
        key=NC_RAISED,
        title=_l("A nonconformity was raised for you to own"),
        subject=_l("%(reference)s raised: %(title)s"),
        message=_l("A %(severity)s nonconformity of %(department)s at %(site)s is yours: contain it by %(due)s."),
    ),
    NotificationKind(
        key=ACTION_ASSIGNED,
        title=_l("A corrective action was assigned to you"),
        subject=_l("%(label)s is yours: %(description)s"),
        message=_l("Due %(due)s."),
    ),
    NotificationKind(
        key=ACTION_DUE,
        title=_l("A corrective action of yours is due soon"),
        subject=_l("%(label)s is due %(due)s"),
        message=_l("%(description)s"),
    ),
    NotificationKind(
        key=ACTION_OVERDUE,
        title=_l("A corrective action of yours is overdue"),
        subject=_l("%(label)s is overdue since %(due)s"),
        message=_l("%(description)s"),
    ),
    NotificationKind(
        key=ACTION_ESCALATED,
        title=_l("A corrective action in your area is long overdue"),
        subject=_l("%(label)s, owned by %(owner)s, is overdue since %(due)s"),
        message=_l("%(description)s"),
    ),
    NotificationKind(
        key=NC_ESCALATED,
        title=_l("A nonconformity in your area is long overdue"),
        subject=_l("%(reference)s, owned by %(owner)s, is overdue since %(due)s"),
        message=_l("%(title)s"),
    ),
    NotificationKind(
        key=ACTION_INEFFECTIVE,
        title=_l("A corrective action proved ineffective"),
        subject=_l("%(label)s did not work: plan again"),
        message=_l("%(verifier)s wrote: %(note)s"),
    ),
    NotificationKind(
        key=NC_REOPENED,
        title=_l("A closed nonconformity of yours was found again"),
        subject=_l("%(reference)s reopened: the re-check in %(where)s failed"),
        message=_l("%(title)s — %(note)s Plan a new corrective action."),
    ),
    NotificationKind(
        key=REPORT_SIGNED,
        title=_l("The report of an audit of your department was issued"),
        subject=_l("Report of %(reference)s issued: %(title)s"),
        message=_l("%(lead)s signed it. Read the findings and the nonconformities raised."),
    ),
    NotificationKind(
        key=AUDIT_PLANNED,
        title=_l("An audit was planned with you on the team"),
        subject=_l("%(reference)s on %(date)s: %(title)s"),
        message=_l("%(lead)s leads it."),
    ),
]


def _action_params(action: CorrectiveAction) -> dict:
    return {
        "label": action.label,
        "description": action.description,
        "due": action.due_date,
        "owner": action.owner.display_name,
    }


def _action_url(action: CorrectiveAction) -> str:
    return path_for("audits.action", action_id=action.id)


def _in_language_of(reader: User | None, make):
    """A text of a notice to one person, made in their language (the notice keeps it as made);
    for someone who chose none, the instance's — not that of whatever made the notice (a job,
    the scheduler, someone else's request)."""
    if reader is None or not reader.locale:
        with default_language():
            return make()
    with force_locale(reader.locale):
        return make()


def _title_for(nc: Nonconformity, reader: User | None) -> str:
    """The NC's title in the reader's language (titles built from a checklist keep every language)."""
    return _in_language_of(reader, lambda: nc.shown("title"))


def nc_raised(nc: Nonconformity) -> None:
    notify(
        [nc.owner],
        NC_RAISED,
        {
            "reference": nc.reference,
            "title": _title_for(nc, nc.owner),
            "severity": _in_language_of(nc.owner, lambda: str(SEVERITY_LABELS.get(nc.severity, nc.severity))),
            "department": nc.department.code,
            "site": nc.site.code,
            "due": nc.due_date,
        },
        url=path_for("audits.nonconformity", reference=nc.reference),
        event=f"nc-raised:{nc.id}",
    )


def action_assigned(action: CorrectiveAction) -> None:
    notify(
        [action.owner],
        ACTION_ASSIGNED,
        _action_params(action),
        url=_action_url(action),
        event=f"action-assigned:{action.id}:{action.owner_id}",
    )


def action_ineffective(action: CorrectiveAction, verifier: User, note: str) -> None:
    notify(
        [action.owner, action.nonconformity.owner],
        ACTION_INEFFECTIVE,
        {**_action_params(action), "verifier": verifier.display_name, "note": note},
        url=path_for("audits.nonconformity", reference=action.nonconformity.reference),
        event=f"action-ineffective:{action.id}:{action.verified_at.isoformat()}",
    )


def nc_reopened(nc: Nonconformity, where: str, note: str) -> None:
    notify(
        [nc.owner],
        NC_REOPENED,
        {"reference": nc.reference, "title": _title_for(nc, nc.owner), "where": where, "note": note},
        url=path_for("audits.nonconformity", reference=nc.reference),
        event=f"nc-reopened:{nc.id}:{where}",
    )


def audit_planned(audit: Audit) -> None:
    notify(
        [audit.lead_auditor, *audit.auditors],
        AUDIT_PLANNED,
        {
            "reference": audit.reference,
            "title": audit.title,
            "date": audit.planned_date,
            "lead": audit.lead_auditor.display_name,
        },
        url=path_for("audits.audit", reference=audit.reference),
        event=f"audit-planned:{audit.id}",
    )


def report_signed(audit: Audit) -> None:
    """The heads of the audited departments at the audit's site hear that its report is out."""
    heads = [organisation.head_of(department, audit.site) for department in audit.departments]
    notify(
        heads,
        REPORT_SIGNED,
        {"reference": audit.reference, "title": audit.title, "lead": audit.lead_auditor.display_name},
        url=path_for("audits.audit", reference=audit.reference),
        event=f"report-signed:{audit.id}",
    )


def _quality_officers_for(site_id: int) -> list[User]:
    officers = db.session.execute(
        db.select(User).where(User.active.is_(True), User.role_rows.any(UserRole.role == Role.QUALITY_OFFICER.value))
    ).scalars()
    return [user for user in officers if user.site_id in (None, site_id)]


def _escalate(item_id: str, department, site, due, day, kind: str, params, url: str) -> int:
    """The head of the department at the site after some days late, the quality officers after more.

    ``params`` is a dict, or a function of the reader giving them in the reader's
    language (an NC's title kept in every language): each is then told on their own.
    """

    def tell(readers, event):
        if not callable(params):
            return notify(readers, kind, params, url=url, event=event)
        return sum(notify([reader], kind, params(reader), url=url, event=event) for reader in readers)

    told = 0
    if day - due >= _days("escalate_to_head_after_days"):
        told += tell([organisation.head_of(department, site)], f"{item_id}-escalated-head:{due}")
    if day - due >= _days("escalate_to_quality_after_days"):
        told += tell(_quality_officers_for(site.id), f"{item_id}-escalated-qo:{due}")
    return told


def remind(now) -> list[str]:
    """Due-soon and overdue reminders, and escalation of long-overdue actions and NCs (the tick)."""
    now = now or utcnow()
    # Each record is judged on its site's day; the query only narrows to what may be due anywhere
    # (no site's day is more than one day ahead of UTC's).
    latest_day = now.date() + timedelta(days=1)
    open_actions = list(
        db.session.execute(
            db.select(CorrectiveAction)
            .where(
                CorrectiveAction.state == ActionState.OPEN,
                CorrectiveAction.due_date <= latest_day + _days("remind_days_before"),
            )
            .order_by(CorrectiveAction.due_date)
        ).scalars()
    )
    told = 0
    for action in open_actions:
        params, url, due = _action_params(action), _action_url(action), action.due_date
        day = site_today(action.nonconformity.site, now)
        if due > day + _days("remind_days_before"):
            continue
        # Each reminder is one event per action and due date: a moved due date reminds again.
        if due >= day:
            told += notify([action.owner], ACTION_DUE, params, url=url, event=f"action-due:{action.id}:{due}")
            continue
        told += notify([action.owner], ACTION_OVERDUE, params, url=url, event=f"action-overdue:{action.id}:{due}")
        nc = action.nonconformity
        told += _escalate(f"action-{action.id}", nc.department, nc.site, due, day, ACTION_ESCALATED, params, url)
    late_ncs = db.session.execute(
        db.select(Nonconformity).where(
            Nonconformity.state.not_in(["closed", "cancelled"]),
            Nonconformity.due_date < latest_day - _days("escalate_to_head_after_days") + timedelta(days=1),
        )
    ).scalars()
    for nc in late_ncs:
        day = site_today(nc.site, now)
        if day - nc.due_date < _days("escalate_to_head_after_days"):
            continue

        def params_for(reader, nc=nc):
            return {
                "reference": nc.reference,
                "title": _title_for(nc, reader),
                "owner": nc.owner.display_name if nc.owner else "",
                "due": nc.due_date,
            }

        url = path_for("audits.nonconformity", reference=nc.reference)
        told += _escalate(f"nc-{nc.id}", nc.department, nc.site, nc.due_date, day, NC_ESCALATED, params_for, url)
    commit()
    return [f"action reminders and escalations: {told}"] if told else []
