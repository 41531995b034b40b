"""The audit work waiting for a user, for their task inbox: audits to start and report as lead
auditor, nonconformities to move on as their owner, corrective actions to complete or verify,
improvements they own that are due."""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, or_

from audits.improvements import services as improvements
from audits.improvements.models import Improvement, Stage
from audits.inspections import services as inspections
from audits.inspections.models import Inspection
from audits.models import ActionState, Audit, AuditState, CorrectiveAction, NcState, Nonconformity
from audits.services import actions as action_services
from core.accounts.models import DepartmentHead, Role, User
from core.accounts.permissions import Permission, can, scope_clause
from core.answer_cache import kept_tasks
from core.counts import capped_count
from core.database import alias, db
from core.paths import path_for
from core.plugins import Task, TaskList

AUDIT, NC, COMPLETE, VERIFY = "audits.audit", "audits.nonconformity", "audits.complete", "audits.verify"
INSPECTION = "audits.inspection"
IMPROVEMENT = "audits.improvement"
KIND_LABELS = {
    AUDIT: _l("Run an audit"),
    NC: _l("Work on a nonconformity"),
    COMPLETE: _l("Complete a corrective action"),
    VERIFY: _l("Verify effectiveness"),
    INSPECTION: _l("Scheduled check"),
    IMPROVEMENT: _l("Work on an improvement"),
}
# What the owner of an NC does next, by its state (NCs waiting for their actions ask nothing of them).
NC_NEXT_STEP = {
    NcState.OPEN: _l("Contain %(reference)s — %(title)s"),
    NcState.CONTAINED: _l("Find the root cause of %(reference)s — %(title)s"),
    NcState.ROOT_CAUSE_IDENTIFIED: _l("Plan corrective actions for %(reference)s — %(title)s"),
    NcState.VERIFYING: _l("Close %(reference)s — %(title)s, once its actions are verified"),
}


def _listed(query, limit: int, task_of) -> TaskList:
    """The first ``limit`` rows of ``query`` as tasks, the total counted in the database (the
    navigation asks only for the count, on every page)."""
    total = capped_count(query)
    rows = db.session.execute(query.limit(limit)).scalars() if limit else []
    return TaskList([task_of(row) for row in rows], total=total)


def _task(kind: str, title: str, url: str, why: str, due, record: str) -> Task:
    return Task(kind=kind, kind_label=_label(kind), title=title, url=url, why=why, due=due, record=record)


def _label(kind: str) -> str:
    """The kind's label in the reader's language, looked up once a request: a catalogue lookup
    costs as much as a row, and the inbox lists dozens of tasks of a kind."""
    translated = g.setdefault("dealerqms_audit_task_labels", {})
    if kind not in translated:
        translated[kind] = str(KIND_LABELS[kind])
    return translated[kind]


def _audits(user: User, limit: int) -> TaskList:
    query = (
        db.select(Audit)
        .where(Audit.lead_auditor_id == user.id, Audit.state.in_([AuditState.PLANNED, AuditState.IN_PROGRESS]))
        .order_by(Audit.planned_date, Audit.id)
    )
    step = {
        AuditState.PLANNED: _l("Start %(reference)s — %(title)s"),
        AuditState.IN_PROGRESS: _l("Finish and report %(reference)s — %(title)s"),
    }
    return _listed(
        query,
        limit,
        lambda audit: _task(
            AUDIT,
            str(step[AuditState(audit.state)]) % {"reference": audit.reference, "title": audit.title},
            path_for("audits.audit", reference=audit.reference),
            _("You are its lead auditor."),
            audit.planned_date,
            audit.reference,
        ),
    )


def _owned_waiting_query(user: User):
    """SQL: the NCs ``user`` owns that wait for their next step, earliest due first."""
    return (
        db.select(Nonconformity)
        .where(Nonconformity.owner_id == user.id, Nonconformity.state.in_(list(NC_NEXT_STEP)))
        .order_by(Nonconformity.due_date, Nonconformity.id)
    )


def _nonconformities(user: User, limit: int) -> TaskList:
    return _listed(
        _owned_waiting_query(user),
        limit,
        lambda nc: _task(
            NC,
            str(NC_NEXT_STEP[NcState(nc.state)]) % {"reference": nc.reference, "title": nc.shown("title")},
            path_for("audits.nonconformity", reference=nc.reference),
            _("You own it."),
            nc.due_date,
            nc.reference,
        ),
    )


def _to_complete(user: User, limit: int) -> TaskList:
    query = (
        db.select(CorrectiveAction)
        .where(CorrectiveAction.owner_id == user.id, CorrectiveAction.state == ActionState.OPEN)
        .order_by(CorrectiveAction.due_date, CorrectiveAction.id)
    )
    return _listed(
        query,
        limit,
        lambda action: _task(
            COMPLETE,
            _("Do %(label)s: %(description)s", label=action.label, description=action.description),
            path_for("audits.action", action_id=action.id),
            _("It is assigned to you."),
            action.due_date,
            action.label,
        ),
    )


def _verifiable_query(user: User):
    """SQL: the done actions ``user`` may verify — the rule of :func:`action_services.verify_refusal`
    (readable, in their verification scope, neither owned nor completed by them) with the
    headship that :func:`_headed` adds. The navigation counts these on every page."""
    nc = alias(Nonconformity, "verified_nc")
    return (
        db.select(CorrectiveAction)
        .join(nc, nc.id == CorrectiveAction.nonconformity_id)
        .where(
            action_services.visible_clause(user),
            CorrectiveAction.state == ActionState.DONE,
            CorrectiveAction.owner_id != user.id,
            or_(CorrectiveAction.completed_by_id.is_(None), CorrectiveAction.completed_by_id != user.id),
            scope_clause(user, Permission.VERIFY_EFFECTIVENESS, site_column=nc.site_id),
        )
    ), nc


def _headed(user: User, query, nc):
    """``query`` narrowed to the NCs whose department ``user`` heads (or deputises for) at their
    site or group-wide — :func:`organisation.is_head_of` as a clause — unless a quality officer
    verifies them all."""
    if Role.QUALITY_OFFICER in user.roles:
        return query
    if Role.DEPARTMENT_HEAD not in user.roles or not user.active:
        return query.where(false())
    heads = (
        db.select(DepartmentHead.id)
        .where(
            DepartmentHead.department_id == nc.department_id,
            or_(DepartmentHead.head_id == user.id, DepartmentHead.deputy_id == user.id),
            or_(DepartmentHead.site_id.is_(None), DepartmentHead.site_id == nc.site_id),
        )
        .exists()
    )
    return query.where(heads)


def _to_verify(user: User, limit: int) -> TaskList:
    if not can(user, Permission.VERIFY_EFFECTIVENESS):
        return TaskList()
    query, nc = _verifiable_query(user)
    query = _headed(user, query, nc)
    total = capped_count(query)
    if not limit:
        return TaskList(total=total)
    # The refusal checks read each action's NC and the NC's other actions, and the task names the
    # NC's department: loaded with the actions, which keep them (an NC loaded apart and not held
    # was gone by the time it was read: two queries a task, 135 in the large demo's inbox).
    waiting = list(
        db.session.execute(
            query.order_by(CorrectiveAction.due_date, CorrectiveAction.id)
            .limit(limit)
            .options(
                db.selectinload(CorrectiveAction.nonconformity).options(
                    db.selectinload(Nonconformity.actions), db.selectinload(Nonconformity.department)
                )
            )
        ).scalars()
    )
    # The listed ones are asked of the refusal, as the page asks it.
    found = [action for action in waiting if action_services.verify_refusal(user, action) is None]
    return TaskList(
        [
            _task(
                VERIFY,
                _("Check that %(label)s worked: %(description)s", label=action.label, description=action.description),
                path_for("audits.action", action_id=action.id),
                _(
                    "It is done; a quality officer or the head of %(department)s checks its effect.",
                    department=action.nonconformity.department.code,
                ),
                action.due_date,
                action.label,
            )
            for action in found
        ],
        total=total,
    )


def _inspections(user: User, limit: int) -> TaskList:
    query = db.select(Inspection).where(inspections.to_do_clause(user)).order_by(Inspection.occurs_on, Inspection.id)
    return _listed(
        query,
        limit,
        lambda inspection: _task(
            INSPECTION,
            _("%(title)s — %(site)s", title=inspection.shown("title"), site=inspection.site.code),
            path_for("audits.inspections.inspection", inspection_id=inspection.id),
            _("It is assigned to you.")
            if inspection.assignee_id == user.id
            else _(
                "This check is for the people of %(department)s at your site.", department=inspection.department.code
            ),
            inspection.occurs_on,
            inspection.reference,
        ),
    )


# What the owner of an improvement does next, by its PDCA stage.
IMPROVEMENT_NEXT_STEP = {
    Stage.PLAN: _l("Plan %(reference)s — %(title)s"),
    Stage.DO: _l("Carry out %(reference)s — %(title)s"),
    Stage.CHECK: _l("Check the result of %(reference)s — %(title)s"),
    Stage.ACT: _l("Act on %(reference)s — %(title)s: adopt it or start again"),
}


def _improvements(user: User, limit: int) -> TaskList:
    query = (
        db.select(Improvement)
        .where(improvements.work_waiting_clause(user))
        .order_by(Improvement.due_date.is_(None), Improvement.due_date, Improvement.id)
    )
    return _listed(
        query,
        limit,
        lambda item: _task(
            IMPROVEMENT,
            str(IMPROVEMENT_NEXT_STEP[Stage(item.stage)]) % {"reference": item.reference, "title": item.title},
            path_for("audits.improvements.improvement", reference=item.reference),
            _("You own it."),
            item.due_date,
            item.reference,
        ),
    )


SOURCES = {
    AUDIT: _audits,
    NC: _nonconformities,
    COMPLETE: _to_complete,
    VERIFY: _to_verify,
    INSPECTION: _inspections,
    IMPROVEMENT: _improvements,
}


# Every table the audit tasks are found from (the reader's roles and headships included): under
# test every answer computed is checked against the tables it reads (core.answer_cache).
TASK_TABLES = (
    "audit",
    "audit_auditor",
    "audit_department",
    "audit_item",
    "corrective_action",
    "department",
    "department_head",
    "evidence",
    "improvement",
    "inspection",
    "inspection_item",
    "inspection_schedule",
    "nonconformity",
    "recheck",
    "signature",
    "site",
    "user_account",
    "user_role",
)


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    return kept_tasks("audits.user_tasks", TASK_TABLES, found_tasks, user, kind, limit)


def found_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    return TaskList.joined({key: source(user, limit) for key, source in SOURCES.items() if kind in (None, key)})
