"""The permission matrix of the product design, in one place.

Views, API handlers and CLI commands all ask :func:`require` (or :func:`can`
to decide what to show); the UI only hides what this already refuses.

Plugins add rows to the matrix: each permission a plugin declares with the
``register_permissions`` hook (``core.plugins.PluginPermission``) is asked
for by its key (``"usedcars.appraise"``) and held by the roles it names. The
core's own permissions and their rules are not theirs to change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, false, or_, true

from core.accounts.models import Department, Role, User
from core.database import db
from core.errors import Forbidden, NotFound
from core.plugin_engine.manager import registry


class Permission(StrEnum):
    READ_EFFECTIVE_PROCEDURES = "read effective procedures"
    READ_DRAFTS = "read drafts, history and trail"
    EDIT_DRAFT = "edit a draft"
    APPROVE_REVISION = "approve a revision"
    RUN_AUDITS = "plan and run audits"
    EXPORT_PACK = "export an evidence pack"
    RAISE_NC = "raise a nonconformity"
    READ_RECORDS = "read nonconformities, actions, submissions and measurements"
    OWN_ACTION = "own or complete a corrective action"
    VERIFY_EFFECTIVENESS = "verify effectiveness"
    ENTER_MEASUREMENTS = "enter measurements"
    SUBMIT_FORMS = "submit forms"
    MANAGE_USERS = "manage users, sites and plugins"
    READ_TRAIL = "read the audit trail"
    MANAGE_CHECKLISTS = "import and retire checklists"


ANYONE = frozenset(Role)
QO, HEAD, AUDITOR, STAFF, ADMIN = (Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD, Role.AUDITOR, Role.STAFF, Role.ADMIN)

# Which roles may do what (the table "Roles and permissions" of the product design).
MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.READ_EFFECTIVE_PROCEDURES: ANYONE,
    Permission.READ_DRAFTS: frozenset({ADMIN, QO, HEAD, AUDITOR}),
    Permission.READ_TRAIL: frozenset({ADMIN, QO, HEAD, AUDITOR}),
    Permission.EDIT_DRAFT: frozenset({QO, HEAD}),
    Permission.APPROVE_REVISION: frozenset({QO, HEAD}),
    Permission.RUN_AUDITS: frozenset({QO, AUDITOR}),
    Permission.EXPORT_PACK: frozenset({QO, AUDITOR}),
    Permission.RAISE_NC: ANYONE,
    Permission.READ_RECORDS: ANYONE,
    Permission.OWN_ACTION: frozenset({QO, HEAD, STAFF}),
    Permission.VERIFY_EFFECTIVENESS: frozenset({QO, HEAD}),
    Permission.ENTER_MEASUREMENTS: frozenset({QO, HEAD}),
    Permission.SUBMIT_FORMS: ANYONE,
    Permission.MANAGE_USERS: frozenset({ADMIN}),
    # Checklist libraries are the group's (brand standards apply at every site): any quality
    # officer, whatever their site, and the administrator who installs the product.
    Permission.MANAGE_CHECKLISTS: frozenset({ADMIN, QO}),
}

# For these, a department head acts only within their own department.
HEAD_OWN_DEPARTMENT = frozenset(
    {
        Permission.READ_DRAFTS,
        Permission.READ_TRAIL,
        Permission.EDIT_DRAFT,
        Permission.APPROVE_REVISION,
        Permission.ENTER_MEASUREMENTS,
        Permission.READ_RECORDS,
    }
)
# For these, everyone but an administrator acts within their scope: the site
# they work at, or every site for a member of the group office (no site).
SITE_SCOPED = frozenset(
    {
        Permission.READ_DRAFTS,
        Permission.READ_TRAIL,
        Permission.EDIT_DRAFT,
        Permission.APPROVE_REVISION,
        Permission.RUN_AUDITS,
        Permission.EXPORT_PACK,
        Permission.RAISE_NC,
        Permission.READ_RECORDS,
        Permission.OWN_ACTION,
        Permission.VERIFY_EFFECTIVENESS,
        Permission.ENTER_MEASUREMENTS,
        Permission.SUBMIT_FORMS,
    }
)
# Staff read only the records that are theirs: raised by them or assigned to them.
STAFF_OWN_RECORDS = frozenset({Permission.READ_RECORDS})


def can(
    user: User | None,
    permission: Permission | str,
    *,
    department_id: int | None = None,
    owner_id: int | None = None,
    site_id: int | None = None,
    people: Iterable[int | None] = (),
) -> bool:
    """Whether ``user`` may do what ``permission`` allows: a :class:`Permission`, or a plugin's key.

    Give what is known of the record: its ``site_id`` and ``department_id``
    (the scope), the ``owner_id`` of an action, and the ``people`` whose
    record it is (who raised it, who owns it) for the rules that let staff
    read their own. A value left out is not checked.
    """
    return (
        refusal(user, permission, department_id=department_id, owner_id=owner_id, site_id=site_id, people=people)
        is None
    )


def require(
    user: User | None,
    permission: Permission | str,
    *,
    department_id: int | None = None,
    owner_id: int | None = None,
    site_id: int | None = None,
    people: Iterable[int | None] = (),
) -> None:
    """Raise :class:`~core.errors.Forbidden`, saying why, unless :func:`can`."""
    reason = refusal(user, permission, department_id=department_id, owner_id=owner_id, site_id=site_id, people=people)
    if reason:
        raise Forbidden(reason)


def require_visible(
    user: User | None,
    permission: Permission | str,
    *,
    department_id: int | None = None,
    site_id: int | None = None,
    people: Iterable[int | None] = (),
    what: str = "record",
) -> None:
    """Raise :class:`~core.errors.NotFound` unless ``user`` may read the record:
    a record outside one's scope is not there for them (its existence is not told)."""
    if refusal(user, permission, department_id=department_id, site_id=site_id, people=people):
        raise NotFound(_("No such %(what)s.", what=what))


def in_group_office(user: User) -> bool:
    """A member of the group office works at every site."""
    return user.site_id is None


def works_at(user: User, site_id: int | None) -> bool:
    """Whether ``site_id`` is in ``user``'s scope: their own site, or every one from the group office
    (a record of the group itself, ``None``, only from the group office)."""
    return in_group_office(user) or (site_id is not None and user.site_id == site_id)


def _holders(permission: Permission | str) -> tuple[frozenset[Role], str]:
    """The roles that hold ``permission`` and what it allows, in words."""
    if isinstance(permission, Permission):
        return MATRIX[permission], permission.value
    declared = registry().permissions.get(permission)
    if declared is None:
        # A mistyped key must not quietly refuse everyone.
        raise ValueError(
            f"unknown permission {permission!r}: neither a core Permission nor declared by a loaded "
            f"plugin's register_permissions"
        )
    return frozenset(Role(role) for role in declared.roles), str(declared.description)


def _role_refusal(user, role, permission, *, department_id, owner_id, site_id, people) -> str | None:
    """Why ``role`` does not let ``user`` do it to this record, or None."""
    if role is ADMIN:
        return None
    if permission in SITE_SCOPED and site_id is not None and not in_group_office(user) and user.site_id != site_id:
        return "This record belongs to another site than yours."
    if role is STAFF and permission in STAFF_OWN_RECORDS and people and user.id not in set(people):
        return "Staff may read only the records they raised or that are assigned to them."
    if role is STAFF and permission is Permission.OWN_ACTION and owner_id is not None and owner_id != user.id:
        return "Staff may complete only the corrective actions assigned to them."
    if role is HEAD and permission in HEAD_OWN_DEPARTMENT and department_id is not None:
        if user.department_id != department_id:
            return f"A department head may {permission.value} only for their own department."
    return None


def refusal(
    user: User | None,
    permission: Permission | str,
    *,
    department_id: int | None = None,
    owner_id: int | None = None,
    site_id: int | None = None,
    people: Iterable[int | None] = (),
) -> str | None:
    """Why ``user`` may not do it, in one sentence, or None when they may."""
    holders, action = _holders(permission)
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return f"You must be logged in to {action}."
    allowed = holders & user.roles
    if not allowed:
        needed = ", ".join(sorted(r.value.replace("_", " ") for r in holders))
        return f"Your roles do not allow you to {action} (needs: {needed})."

    # Rules that bind every role.
    if permission is Permission.RUN_AUDITS and department_id is not None and user.department_id == department_id:
        return "An auditor may not audit their own department (ISO 9001 9.2.2 c)."
    if permission is Permission.VERIFY_EFFECTIVENESS and owner_id is not None and owner_id == user.id:
        return "The owner of a corrective action may not verify its effectiveness."

    # Any role the user holds that allows it is enough.
    reasons = [
        _role_refusal(
            user, role, permission, department_id=department_id, owner_id=owner_id, site_id=site_id, people=people
        )
        for role in sorted(allowed)
    ]
    if any(reason is None for reason in reasons):
        return None
    return reasons[0]


def scope_clause(
    user: User,
    permission: Permission | str,
    *,
    site_column=None,
    department_column=None,
    people_columns: Sequence = (),
) -> ColumnElement[bool]:
    """The SQL condition of the rows ``user`` may ``permission``: the same rule as
    :func:`can`, for list queries (filtered in the database, never fetched and hidden)."""
    holders, _action = _holders(permission)
    allowed = holders & user.roles if user.active else frozenset()
    clauses = []
    for role in sorted(allowed):
        if role is ADMIN:
            return true()
        parts = []
        if permission in SITE_SCOPED and site_column is not None and not in_group_office(user):
            parts.append(site_column == user.site_id)
        if role is STAFF and permission in STAFF_OWN_RECORDS and people_columns:
            parts.append(or_(*(column == user.id for column in people_columns)))
        if role is HEAD and permission in HEAD_OWN_DEPARTMENT and department_column is not None:
            parts.append(department_column == user.department_id)
        clauses.append(and_(true(), *parts))
    return or_(false(), *clauses)


def scope_sites(
    user: User, permission: Permission | str, *, by_department: bool = False, by_people: bool = False
) -> tuple[tuple[int | None, ...] | None, bool]:
    """The sites of the rows :func:`scope_clause` lets ``user`` ``permission`` (None: every
    site, ``()``: none), and whether the site is the whole rule there — False when it is
    narrowed by a department (``by_department``: a ``department_column`` is given) or to
    one's own rows (``by_people``: ``people_columns`` are). For the trail's rules by site."""
    holders, _action = _holders(permission)
    allowed = holders & user.roles if user.active else frozenset()
    if not allowed:
        return (), True
    if ADMIN in allowed:
        return None, True
    sites = (user.site_id,) if permission in SITE_SCOPED and not in_group_office(user) else None

    def narrowed(role) -> bool:
        return (by_people and role is STAFF and permission in STAFF_OWN_RECORDS) or (
            by_department and role is HEAD and permission in HEAD_OWN_DEPARTMENT
        )

    return sites, not all(narrowed(role) for role in allowed)


class AreaDepartment:
    """The department of a row whose plugin definition belongs to an area (a form's submission,
    a metric's measurement), as the ``department_column`` of :func:`scope_clause`: compared with
    a department's id, it selects the rows whose key is a definition of that department's area."""

    __hash__ = None  # compared, never hashed

    def __init__(self, key_column, definitions: Callable[[], Iterable]):
        self.key_column = key_column
        self.definitions = definitions

    def __eq__(self, department_id):  # type: ignore[override]
        code = db.session.execute(db.select(Department.code).filter_by(id=department_id)).scalar_one_or_none()
        keys = [definition.key for definition in self.definitions() if code and definition.area == code]
        return self.key_column.in_(keys)
