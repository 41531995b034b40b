"""The audit work waiting for a user, for their task inbox: audits to start and report as lead
auditor, nonconformities to move on as their owner, corrective actions to complete or verify."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from audits.inspections import services as inspections
from audits.inspections.models import Inspection
from audits.models import ActionState, Audit, AuditState, CorrectiveAction, NcState, Nonconformity
from audits.services import actions as action_services
from core.accounts.models import User
from core.database import db
from core.paths import path_for
from core.plugins import Task, TaskList

AUDIT, NC, COMPLETE, VERIFY = "audits.audit", "audits.nonconformity", "audits.complete", "audits.verify"
INSPECTION = "audits.inspection"
KIND_LABELS = {
    AUDIT: _l("Run an audit"),
    NC: _l("Work on a nonconformity"),
    COMPLETE: _l("Complete a corrective action"),
    VERIFY: _l("Verify effectiveness"),
    INSPECTION: _l("Scheduled check"),
}
# What the owner of an NC does next, by its state (NCs waiting for their actions ask nothing of them).
NC_NEXT_STEP = {
    NcState.OPEN: _l("Contain %(reference)s — %(title)s"),
    NcState.CONTAINED: _l("Find the root cause of %(reference)s — %(title)s"),
    NcState.ROOT_CAUSE_IDENTIFIED: _l("Plan corrective actions for %(reference)s — %(title)s"),
    NcState.VERIFYING: _l("Close %(reference)s — %(title)s, once its actions are verified"),
}


def _audits(user: User, limit: int) -> TaskList:
    query = (
        db.select(Audit)
        .where(Audit.lead_auditor_id == user.id, Audit.state.in_([AuditState.PLANNED, AuditState.IN_PROGRESS]))
        .order_by(Audit.planned_date, Audit.id)
    )
    found = list(db.session.execute(query).scalars())
    return TaskList(
        [
            Task(
                kind=AUDIT,
                kind_label=KIND_LABELS[AUDIT],
                title=(
                    _("Start %(reference)s — %(title)s", reference=audit.reference, title=audit.title)
                    if audit.state == AuditState.PLANNED
                    else _("Finish and report %(reference)s — %(title)s", reference=audit.reference, title=audit.title)
                ),
                url=path_for("audits.audit", reference=audit.reference),
                why=_("You are its lead auditor."),
                due=audit.planned_date,
                record=audit.reference,
            )
            for audit in found[:limit]
        ],
        total=len(found),
    )


def _nonconformities(user: User, limit: int) -> TaskList:
    query = (
        db.select(Nonconformity)
        .where(Nonconformity.owner_id == user.id, Nonconformity.state.in_(list(NC_NEXT_STEP)))
        .order_by(Nonconformity.due_date, Nonconformity.id)
    )
    found = list(db.session.execute(query).scalars())
    return TaskList(
        [
            Task(
                kind=NC,
                kind_label=KIND_LABELS[NC],
                title=str(NC_NEXT_STEP[NcState(nc.state)]) % {"reference": nc.reference, "title": nc.title},
                url=path_for("audits.nonconformity", reference=nc.reference),
                why=_("You own it."),
                due=nc.due_date,
                record=nc.reference,
            )
            for nc in found[:limit]
        ],
        total=len(found),
    )


def _to_complete(user: User, limit: int) -> TaskList:
    query = (
        db.select(CorrectiveAction)
        .where(CorrectiveAction.owner_id == user.id, CorrectiveAction.state == ActionState.OPEN)
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
    )
    found = list(db.session.execute(query).scalars())
    return TaskList(
        [
            Task(
                kind=COMPLETE,
                kind_label=KIND_LABELS[COMPLETE],
                title=_("Do %(label)s: %(description)s", label=action.label, description=action.description),
                url=path_for("audits.action", action_id=action.id),
                why=_("It is assigned to you."),
                due=action.due_date,
                record=action.label,
            )
            for action in found[:limit]
        ],
        total=len(found),
    )


def _to_verify(user: User, limit: int) -> TaskList:
    found = [
        action
        for action in action_services.awaiting_verification(user)
        if action_services.verify_refusal(user, action) is None
    ]
    return TaskList(
        [
            Task(
                kind=VERIFY,
                kind_label=KIND_LABELS[VERIFY],
                title=_(
                    "Check that %(label)s worked: %(description)s", label=action.label, description=action.description
                ),
                url=path_for("audits.action", action_id=action.id),
                why=_(
                    "It is done; a quality officer or the head of %(department)s checks its effect.",
                    department=action.nonconformity.department.code,
                ),
                due=action.due_date,
                record=action.label,
            )
            for action in found[:limit]
        ],
        total=len(found),
    )


def _inspections(user: User, limit: int) -> TaskList:
    query = db.select(Inspection).where(inspections.to_do_clause(user)).order_by(Inspection.occurs_on, Inspection.id)
    total = db.session.execute(db.select(db.func.count()).select_from(query.order_by(None).subquery())).scalar()
    found = db.session.execute(query.limit(limit)).scalars() if limit else []
    return TaskList(
        [
            Task(
                kind=INSPECTION,
                kind_label=KIND_LABELS[INSPECTION],
                title=_("%(title)s — %(site)s", title=inspection.title, site=inspection.site.code),
                url=path_for("audits.inspections.inspection", inspection_id=inspection.id),
                why=(
                    _("It is assigned to you.")
                    if inspection.assignee_id == user.id
                    else _(
                        "It is for the people of %(department)s at your site.", department=inspection.department.code
                    )
                ),
                due=inspection.occurs_on,
                record=inspection.reference,
            )
            for inspection in found
        ],
        total=total,
    )


SOURCES = {AUDIT: _audits, NC: _nonconformities, COMPLETE: _to_complete, VERIFY: _to_verify, INSPECTION: _inspections}


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    tasks, total = [], 0
    for key, source in SOURCES.items():
        if kind in (None, key):
            found = source(user, limit)
            tasks += found
            total += found.total
    return TaskList(tasks, total=total)
