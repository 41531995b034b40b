"""Who heads what in a dealer group, and so who owns and approves what.

Each site's department has its own head (and may have a deputy); a head
without a site heads the function group-wide. Work raised at a site goes to
the head of the department at that site, or to the deputy while the head is
away; group-wide work goes to the group-level head.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from flask_babel import gettext as _
from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from core.accounts.models import Department, DepartmentHead, Role, Site, User, UserRole
from core.accounts.permissions import MATRIX, Permission, require
from core.database import db
from core.errors import ValidationFailed, require_row_version

OWNER_ROLES = tuple(role.value for role in MATRIX[Permission.OWN_ACTION])


def headship(department_id: int, site_id: int | None) -> DepartmentHead | None:
    """The row naming the head of ``department_id`` at ``site_id`` (None: group-wide)."""
    site_rule = DepartmentHead.site_id.is_(None) if site_id is None else DepartmentHead.site_id == site_id
    return db.session.execute(
        db.select(DepartmentHead)
        .where(DepartmentHead.department_id == department_id, site_rule)
        # Routing reads who is head there at once: one statement, not three.
        .options(joinedload(DepartmentHead.head), joinedload(DepartmentHead.deputy))
    ).scalar_one_or_none()


def head_of(department: Department | int, site: Site | int | None) -> User | None:
    """Who acts as head of ``department`` at ``site``: its head, else its deputy,
    else the group-level head of the function; None when nobody is named."""
    department_id = department if isinstance(department, int) else department.id
    site_id = site if isinstance(site, int) or site is None else site.id
    for candidate_site in (site_id, None) if site_id is not None else (None,):
        row = headship(department_id, candidate_site)
        if row is not None and row.acting is not None:
            return row.acting
    return None


def heads_by_department(site_id: int | None) -> dict[int, User]:
    """Everyone acting as head at ``site_id``, by department id, in two queries (for lists)."""
    rows = db.session.execute(
        db.select(DepartmentHead).where(or_(DepartmentHead.site_id == site_id, DepartmentHead.site_id.is_(None)))
    ).scalars()
    acting: dict[int, User] = {}
    # Site rows win over group rows.
    for row in sorted(rows, key=lambda r: r.site_id is not None):
        if row.acting is not None:
            acting[row.department_id] = row.acting
    return acting


def is_head_of(user: User, department_id: int | None, site_id: int | None) -> bool:
    """Whether ``user`` heads (or deputises for) ``department_id`` at ``site_id``
    (None: group-wide). Group-level heads head their function at every site."""
    if department_id is None or Role.DEPARTMENT_HEAD not in user.roles or not user.active:
        return False
    rows = db.session.execute(
        db.select(DepartmentHead).where(
            DepartmentHead.department_id == department_id,
            or_(DepartmentHead.head_id == user.id, DepartmentHead.deputy_id == user.id),
        )
    ).scalars()
    return any(row.site_id is None or row.site_id == site_id for row in rows)


def owner_candidates(site_id: int | None, department_id: int | None = None) -> list[User]:
    """The people who may own work raised at ``site_id``: active holders of a
    role that owns actions, working at that site or in the group office, those
    of ``department_id`` first."""
    query = (
        db.select(User)
        .where(User.active.is_(True), User.role_rows.any(UserRole.role.in_(OWNER_ROLES)))
        .order_by(User.display_name)
    )
    if site_id is not None:
        query = query.where(or_(User.site_id == site_id, User.site_id.is_(None)))
    people = list(db.session.execute(query).scalars())
    return sorted(people, key=lambda u: u.department_id != department_id) if department_id else people


def owner_refusal(user: User | None, site_id: int | None) -> str | None:
    """Why ``user`` may not own work raised at ``site_id``, or None."""
    if user is None or not user.active:
        return "unknown or deactivated user"
    if not user.roles & MATRIX[Permission.OWN_ACTION]:
        return f"{user.login} holds no role that may own corrective work (quality officer, department head or staff)"
    if site_id is not None and user.site_id is not None and user.site_id != site_id:
        return f"{user.login} works at another site"
    return None


def set_heads(
    actor: User | None,
    department: Department,
    site: Site | None,
    *,
    head: User | None,
    deputy: User | None,
    row_version: int | None = None,
) -> DepartmentHead:
    """Name the head and deputy of ``department`` at ``site`` (None: group-wide).
    ``row_version`` is the version of the existing row the caller saw (None when there was none)."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    row = headship(department.id, site.id if site else None)
    if row is not None:
        require_row_version(row, row_version)
    for field, person in (("head", head), ("deputy", deputy)):
        if person is None:
            continue
        if Role.DEPARTMENT_HEAD not in person.roles or not person.active:
            raise ValidationFailed.field(
                field, _("%(login)s is not an active user with the department head role", login=person.login)
            )
        if person.department_id != department.id:
            raise ValidationFailed.field(
                field, _("%(login)s does not work in %(department)s", login=person.login, department=department.code)
            )
        if person.site_id != (site.id if site else None):
            if site:
                raise ValidationFailed.field(
                    field, _("%(login)s does not work at %(site)s", login=person.login, site=site.code)
                )
            raise ValidationFailed.field(field, _("%(login)s does not work in the group office", login=person.login))
    if head is not None and deputy is not None and head.id == deputy.id:
        raise ValidationFailed.field("deputy", _("the deputy must be someone other than the head"))
    if row is None:
        row = DepartmentHead(department=department, site=site)
        db.session.add(row)
    row.head, row.deputy = head, deputy
    db.session.flush()
    return row


def name_head_if_none(user: User) -> None:
    """A new department head heads their department where they work, unless someone already does."""
    if user.department_id is None or Role.DEPARTMENT_HEAD not in user.roles:
        return
    row = headship(user.department_id, user.site_id)
    if row is None:
        db.session.add(DepartmentHead(department_id=user.department_id, site_id=user.site_id, head=user))
    elif row.head is None:
        row.head = user
    db.session.flush()


# Set inside headships_remembered(): the answers of approves_as_head so far.
_remembered: ContextVar[dict | None] = ContextVar("dealerqms_headships", default=None)


@contextmanager
def headships_remembered():
    """Inside the block, :func:`approves_as_head` asks the database once per person, department
    and site: for a read that checks it record by record (every page counts a head's approval and
    review tasks — 84 revisions in review made 252 queries). Nothing inside may change who heads
    what."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def approves_as_head(user: User, department_id: int, site_id: int | None) -> bool:
    """Whether ``user`` may sign a procedure of ``department_id`` as its head:
    for a site's procedure, the head of the department at that site (or the
    group-level head); for a group-wide one, the group-level head — or, where the
    group names none (a single dealership), a head of the department at any site."""
    remembered = _remembered.get()
    if remembered is None:
        return _approves_as_head(user, department_id, site_id)
    key = (user.id, department_id, site_id)
    if key not in remembered:
        remembered[key] = _approves_as_head(user, department_id, site_id)
    return remembered[key]


def _approves_as_head(user: User, department_id: int, site_id: int | None) -> bool:
    if is_head_of(user, department_id, site_id):
        return True
    if site_id is not None or Role.DEPARTMENT_HEAD not in user.roles or not user.active:
        return False
    group_row = headship(department_id, None)
    if group_row is not None and group_row.acting is not None:
        return False
    return (
        db.session.execute(
            db.select(DepartmentHead.id).where(
                DepartmentHead.department_id == department_id,
                or_(DepartmentHead.head_id == user.id, DepartmentHead.deputy_id == user.id),
            )
        ).first()
        is not None
    )
