"""The document-control work waiting for a user, for their task inbox: revisions to approve,
procedures to review, effective revisions to read and acknowledge."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, false, func, or_
from sqlalchemy.orm import aliased

from core.accounts import organisation
from core.accounts.models import Role, User
from core.accounts.permissions import Permission, can, scope_clause
from core.answer_cache import kept_tasks
from core.clock import local, today
from core.counts import capped_count
from core.database import db
from core.paths import path_for
from core.plugins import Task, TaskList
from core.signatures import Signature
from procedures import services
from procedures.models import Procedure, Revision, RevisionState, revision_editor

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


def _approvable_query(user: User):
    """SQL: the revisions ``user`` may approve now — the rule of :func:`services.approve_refusal`
    (in review, in their approval scope, text not theirs, not approved by them since it was
    submitted), but for the headship, which :func:`_headed_pairs` adds: counted in the
    database, since the navigation asks on every page and a quality officer of a large group
    has hundreds waiting."""
    mine = db.select(revision_editor.c.revision_id).where(revision_editor.c.user_id == user.id)
    # A signature whose text no longer matches is not an approval (``current_approvals``), but
    # the text of a revision in review cannot change since it was submitted: one signed since
    # then is taken as given (if it were tampered with, the task is left out, never added).
    approved_already = (
        db.select(Signature.id)
        .where(
            Signature.entity_type == "procedure_revision",
            Signature.entity_id == cast(Revision.id, String),
            Signature.meaning == "approved",
            Signature.signer_id == user.id,
            Signature.signed_at >= Revision.submitted_at,
        )
        .exists()
    )
    return (
        db.select(Revision)
        .join(Revision.procedure)
        .where(
            Revision.state == RevisionState.IN_REVIEW,
            services.drafts_scope(user),
            _approval_scope(user),
            or_(Revision.author_id.is_(None), Revision.author_id != user.id),
            Revision.id.not_in(mine),
            ~approved_already,
        )
    )


def _approval_scope(user: User):
    """SQL: the procedures ``user`` holds the approval permission for (``decide_refusal``'s first check)."""
    return scope_clause(
        user,
        Permission.APPROVE_REVISION,
        site_column=func.coalesce(Procedure.site_id, user.site_id) if user.site_id is not None else None,
        department_column=Procedure.department_id,
    )


def _headed(user: User, query):
    """``query`` narrowed to the procedures ``user`` signs as head, unless a quality officer signs
    them all. Who heads what is the organisation's rule (acting heads, deputies, group-level
    heads): asked in Python, once per department and site among the candidates — as many as the
    organisation has, whatever the number of revisions."""
    if Role.QUALITY_OFFICER in user.roles:
        return query
    pairs = db.session.execute(
        query.with_only_columns(Procedure.department_id, Procedure.site_id).distinct().order_by(None)
    ).all()
    headed = [(department, site) for department, site in pairs if organisation.approves_as_head(user, department, site)]
    if not headed:
        return query.where(false())
    return query.where(
        or_(
            *(
                and_(
                    Procedure.department_id == department,
                    Procedure.site_id.is_(None) if site is None else Procedure.site_id == site,
                )
                for department, site in headed
            )
        )
    )


def _approvals(user: User, limit: int) -> TaskList:
    if not can(user, Permission.APPROVE_REVISION):
        return TaskList()
    query = _headed(user, _approvable_query(user))
    total = capped_count(query)
    if not limit:
        return TaskList(total=total)
    waiting = list(
        db.session.execute(
            query.order_by(Revision.submitted_at, Revision.id)
            .limit(limit)
            .options(db.contains_eager(Revision.procedure), db.selectinload(Revision.editors))
        ).scalars()
    )
    signed = services.approvals_of(waiting)
    label = str(KIND_LABELS[APPROVE])
    # The listed ones are asked of the refusal, as the sign page asks it.
    return TaskList(
        [
            Task(
                kind=APPROVE,
                kind_label=label,
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
            if services.approve_refusal(user, revision, services.current_approvals(revision, signed[revision.id]))
            is None
        ],
        total=total,
    )


def _reviewable_query(user: User):
    """SQL: the procedures whose periodic review ``user`` may sign and that are due within the
    notice — the rule of :func:`services.review_refusal` on their effective revision."""
    effective = (
        db.select(Revision.id)
        .where(Revision.procedure_id == Procedure.id, Revision.state == RevisionState.EFFECTIVE)
        .exists()
    )
    return db.select(Procedure).where(
        Procedure.withdrawn_at.is_(None),
        Procedure.next_review_due <= today() + REVIEW_NOTICE,
        services.drafts_scope(user),
        _approval_scope(user),
        effective,
    )


def _reviews(user: User, limit: int) -> TaskList:
    if not can(user, Permission.APPROVE_REVISION):
        return TaskList()
    query = _reviewable_query(user)
    total = capped_count(query)
    if not limit:
        return TaskList(total=total)
    # Each with its effective revision, in the same statement and without its text: loading
    # every revision of each (text included) to pick the effective one was most of the list's time.
    effective = aliased(Revision, name="effective_revision")
    due = db.session.execute(
        query.add_columns(effective)
        .join(effective, and_(effective.procedure_id == Procedure.id, effective.state == RevisionState.EFFECTIVE))
        .order_by(Procedure.next_review_due, Procedure.id)
        .limit(limit)
        .options(db.defer(effective.body))
    ).all()
    tasks = []
    label = str(KIND_LABELS[REVIEW])
    for procedure, revision in due:
        if services.review_refusal(user, revision) is not None:
            continue
        tasks.append(
            Task(
                kind=REVIEW,
                kind_label=label,
                title=_("Review %(code)s — %(title)s: is it still right?", code=procedure.code, title=revision.title),
                url=_sign_url(revision, "periodic-review"),
                why=_approver_why(user, procedure),
                due=procedure.next_review_due,
                record=procedure.code,
            )
        )
    return TaskList(tasks, total=total)


def _acknowledgements(user: User, limit: int) -> TaskList:
    total = services.to_read_count(user)
    revisions = services.first_to_read(user, limit) if limit else []
    if not revisions:
        return TaskList(total=total)
    # Translated once for the list, not once a task: a catalogue lookup costs as much as a row.
    label, why = str(KIND_LABELS[ACKNOWLEDGE]), _("It is distributed to your role or department.")
    title, record = _("Read %(code)s — %(title)s"), _("%(code)s rev %(number)s")
    return TaskList(
        [
            Task(
                kind=ACKNOWLEDGE,
                kind_label=label,
                title=title % {"code": revision.procedure.code, "title": revision.title},
                url=_sign_url(revision, "acknowledged"),
                why=why,
                due=(revision.effective_date or today()) + ACKNOWLEDGE_WITHIN,
                record=record % {"code": revision.procedure.code, "number": revision.number},
            )
            for revision in revisions
        ],
        total=total,
    )


# Every table the procedure tasks are found from (the reader's roles and headships included):
# tests/procedures/test_kept_tasks.py checks it against the tables they read.
TASK_TABLES = (
    "department",
    "department_head",
    "procedure",
    "procedure_reader",
    "procedure_revision",
    "procedure_revision_editor",
    "signature",
    "site",
    "user_account",
    "user_role",
)


def user_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    return kept_tasks("procedures.user_tasks", TASK_TABLES, found_tasks, user, kind, limit)


def found_tasks(user: User, kind: str | None, limit: int) -> TaskList:
    parts = {}
    # Whether the reader heads each procedure's department, asked once per department and site
    # for both kinds.
    with organisation.headships_remembered():
        for key, source in ((APPROVE, _approvals), (REVIEW, _reviews)):
            if kind in (None, key):
                parts[key] = source(user, limit)
    if kind in (None, ACKNOWLEDGE):
        parts[ACKNOWLEDGE] = _acknowledgements(user, limit)
    return TaskList.joined(parts)
