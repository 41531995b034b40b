"""Who may see a recurring check and who may do it (and so add photos to its points)."""

from __future__ import annotations

from flask_babel import gettext as _

from audits.inspections.models import Inspection
from core.accounts import organisation
from core.accounts.models import Role, User
from core.accounts.permissions import in_group_office, works_at
from core.database import db
from core.errors import NotFound, Refusal


def in_scope(user: User, site_id: int) -> bool:
    return works_at(user, site_id)


def is_visible(user: User, inspection: Inspection) -> bool:
    """The people who may do it, quality officers and auditors in scope, the department's head there."""
    if perform_refusal(user, inspection, check_visible=False) is None:
        return True
    if user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.ADMIN} and in_scope(user, inspection.site_id):
        return True
    return organisation.is_head_of(user, inspection.department_id, inspection.site_id)


def perform_refusal(user: User, inspection: Inspection, *, check_visible: bool = True) -> Refusal | None:
    """Why ``user`` may not record ``inspection``: it is its assignee's, or — nobody named —
    anyone's of the department at the site; a quality officer in scope may stand in."""
    if check_visible and not is_visible(user, inspection):
        return Refusal(_("There is no inspection %(number)s.", number=inspection.id), NotFound)
    if inspection.assignee_id is not None:
        if user.id == inspection.assignee_id:
            return None
    elif user.site_id == inspection.site_id and user.department_id == inspection.department_id:
        return None
    if Role.QUALITY_OFFICER in user.roles and in_scope(user, inspection.site_id):
        return None
    return Refusal(_("This check is assigned to someone else."))


def visible_clause(user: User):
    """SQL: the inspections ``user`` may see (the rule of :func:`is_visible`, for lists and tasks)."""
    mine = db.or_(
        Inspection.assignee_id == user.id,
        db.and_(
            Inspection.assignee_id.is_(None),
            Inspection.site_id == user.site_id,
            Inspection.department_id == user.department_id,
        ),
    )
    clauses = [mine]
    if user.roles & {Role.QUALITY_OFFICER, Role.AUDITOR, Role.ADMIN}:
        clauses.append(db.true() if in_group_office(user) else Inspection.site_id == user.site_id)
    if Role.DEPARTMENT_HEAD in user.roles:
        clauses.append(db.and_(Inspection.site_id == user.site_id, Inspection.department_id == user.department_id))
    return db.or_(*clauses)


def to_do_clause(user: User):
    """SQL: the open inspections that are ``user``'s to do (not those they may only stand in for)."""
    return db.and_(
        Inspection.state == "open",
        db.or_(
            Inspection.assignee_id == user.id,
            db.and_(
                Inspection.assignee_id.is_(None),
                Inspection.site_id == user.site_id,
                Inspection.department_id == user.department_id,
            ),
        ),
    )
