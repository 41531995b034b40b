"""The document-control work waiting for a user, for their task inbox: revisions to approve,
procedures to review, effective revisions to read and acknowledge."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts import organisation
from core.accounts.models import User
from core.accounts.permissions import Permission, can
from core.clock import local, today
from core.database import db
from core.paths import path_for
from core.plugins import Task, TaskList
from procedures import services
from procedures.models import Procedure, Revision, RevisionState

APPROVE, REVIEW, ACKNOWLEDGE = "procedures.approve", "procedures.review", "procedures.acknowledge"
KIND_LABELS = {
    APPROVE: _l("Approve a revision"),
    REVIEW: _l("Periodic review"),
    ACKNOWLEDGE: _l("Read and acknowledge"),
}
# Staff are asked to read a new revision within two weeks of it taking effect.
ACKNOWLEDGE_WITHIN = timedelta(days=14)
# A periodic review shows in the inbox this long before it is due.
REVIEW_NOTICE = timedelta(days=30)
# A submitted revision is signed within a working week unless it names its effective date: an
# approval with no date would sort after everything else and never reach the dashboard.
APPROVE_WITHIN = timedelta(days=7)


def _sign_url(revision: Revision, meaning: str) -> str:
    return path_for("procedures.sign", code=revision.procedure.code, number=revision.number, meaning=meaning)


def _approver_why(user: User, procedure: Procedure) -> str:
    if services.is_head_of(user, procedure):
        return _("You head %(department)s, which owns it.", department=procedure.department.code)
    return _("Quality officers approve procedures.")


def _approval_due(revision: Revision):
    return local(revision.submitted_at).date() + APPROVE_WITHIN if revision.submitted_at else None


def _approvals(user: User) -> list[Task]:
    if not can(user, Permission.APPROVE_REVISION):
        return []
    waiting = list(
        db.session.execute(
            db.select(Revision)
            .join(Revision.procedure)
            .where(Revision.state == RevisionState.IN_REVIEW, services.drafts_scope(user))
            .order_by(Revision.submitted_at)
            # Every page counts these tasks: the procedure, the editors and the approvals come with
            # the revisions, not one query each a revision.
            .options(db.contains_eager(Revision.procedure), db.selectinload(Revision.editors))
        ).scalars()
    )
    signed = services.approvals_of(waiting)
    return [
        Task(
            kind=APPROVE,
            kind_label=KIND_LABELS[APPROVE],
            title=_(
                "Approve revision %(number)s of %(code)s — %(title)s",
                number=revision.number,
                code=revision.procedure.code,
                title=revision.title,
            ),
            url=_sign_url(revision, "approved"),
            why=_approver_why(user, revision.procedure),
            due=revision.effective_date or _approval_due(revision),
            record=_("%(code)s rev %(number)s", code=revision.procedure.code, number=revision.number),
        )
        for revision in waiting
        if services.approve_refusal(user, revision, services.current_approvals(revision, signed[revision.id])) is None
    ]


def _reviews(user: User) -> list[Task]:
    if not can(user, Permission.APPROVE_REVISION):
        return []
    due = db.session.execute(
        db.select(Procedure)
        .where(
            Procedure.withdrawn_at.is_(None),
            Procedure.next_review_due <= today() + REVIEW_NOTICE,
            services.drafts_scope(user),
        )
        .order_by(Procedure.next_review_due)
        # The revisions of all of them in one query, not one query a procedure (every page counts these tasks).
        .options(db.selectinload(Procedure.revisions))
    ).scalars()
    tasks = []
    for procedure in due:
        revision = procedure.effective_revision
        if revision is None or services.review_refusal(user, revision) is not None:
            continue
        tasks.append(
            Task(
                kind=REVIEW,
                kind_label=KIND_LABELS[REVIEW],
                title=_("Review %(code)s — %(title)s: is it still right?", code=procedure.code, title=revision.title),
                url=_sign_url(revision, "periodic-review"),
                why=_approver_why(user, procedure),
                due=procedure.next_review_due,
                record=procedure.code,
            )
        )
    return tasks


def _acknowledgements(user: User, limit: int) -> TaskList:
    total = services.to_read_count(user)
    revisions = services.to_read(user, limit=limit) if limit else []
    return TaskList(
        [
            Task(
                kind=ACKNOWLEDGE,
                kind_label=KIND_LABELS[ACKNOWLEDGE],
                title=_("Read %(code)s — %(title)s", code=revision.procedure.code, title=revision.title),
                url=_sign_url(revision, "acknowledged"),
                why=_("It is distributed to your role or department."),
                due=(revision.effective_date or today()) + ACKNOWLEDGE_WITHIN,
                record=_("%(code)s rev %(number)s", code=revision.procedure.code, number=revision.number),
            )
            for revision in revisions
        ],
        total=total,
    )


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    tasks, total = [], 0
    for key, source in ((APPROVE, _approvals), (REVIEW, _reviews)):
        if kind in (None, key):
            # Whether the reader heads each procedure's department, asked once per department and site.
            with organisation.headships_remembered():
                found = source(user)
            tasks += found[:limit]
            total += len(found)
    if kind in (None, ACKNOWLEDGE):
        found = _acknowledgements(user, limit)
        tasks += found
        total += found.total
    return TaskList(tasks, total=total)
