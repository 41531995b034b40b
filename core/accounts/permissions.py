"""The permission matrix of the product design, in one place.

Views, API handlers and CLI commands all ask :func:`require` (or :func:`can`
to decide what to show); the UI only hides what this already refuses.

Plugins add rows to the matrix: each permission a plugin declares with the
``register_permissions`` hook (``core.plugins.PluginPermission``) is asked
for by its key (``"usedcars.appraise"``) and held by the roles it names. The
core's own permissions and their rules are not theirs to change.
"""

from __future__ import annotations

from enum import StrEnum

from core.accounts.models import Role, User
from core.errors import Forbidden
from core.plugin_engine.manager import registry


class Permission(StrEnum):
    READ_EFFECTIVE_PROCEDURES = "read effective procedures"
    READ_DRAFTS = "read drafts, history and trail"
    EDIT_DRAFT = "edit a draft"
    APPROVE_REVISION = "approve a revision"
    RUN_AUDITS = "plan and run audits"
    EXPORT_PACK = "export an evidence pack"
    RAISE_NC = "raise a nonconformity"
    OWN_ACTION = "own or complete a corrective action"
    VERIFY_EFFECTIVENESS = "verify effectiveness"
    ENTER_MEASUREMENTS = "enter measurements"
    SUBMIT_FORMS = "submit forms"
    MANAGE_USERS = "manage users, sites and plugins"
    READ_TRAIL = "read the audit trail"


ANYONE = frozenset(Role)
QO, HEAD, AUDITOR, STAFF, ADMIN = (Role.QUALITY_OFFICER, Role.DEPARTMENT_HEAD, Role.AUDITOR, Role.STAFF, Role.ADMIN)

# Which roles may do what, and where a department head (or auditor) is limited
# to their own (or, for auditors, any but their own) department.
MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.READ_EFFECTIVE_PROCEDURES: ANYONE,
    Permission.READ_DRAFTS: frozenset({ADMIN, QO, HEAD, AUDITOR}),
    Permission.READ_TRAIL: frozenset({ADMIN, QO, HEAD, AUDITOR}),
    Permission.EDIT_DRAFT: frozenset({QO, HEAD}),
    Permission.APPROVE_REVISION: frozenset({QO, HEAD}),
    Permission.RUN_AUDITS: frozenset({QO, AUDITOR}),
    Permission.EXPORT_PACK: frozenset({QO, AUDITOR}),
    Permission.RAISE_NC: ANYONE,
    Permission.OWN_ACTION: frozenset({QO, HEAD, STAFF}),
    Permission.VERIFY_EFFECTIVENESS: frozenset({QO, HEAD}),
    Permission.ENTER_MEASUREMENTS: frozenset({QO, HEAD}),
    Permission.SUBMIT_FORMS: ANYONE,
    Permission.MANAGE_USERS: frozenset({ADMIN}),
}

# For these, a department head acts only within their own department.
HEAD_OWN_DEPARTMENT = frozenset(
    {
        Permission.READ_DRAFTS,
        Permission.READ_TRAIL,
        Permission.EDIT_DRAFT,
        Permission.APPROVE_REVISION,
        Permission.ENTER_MEASUREMENTS,
    }
)


def can(
    user: User | None, permission: Permission | str, *, department_id: int | None = None, owner_id: int | None = None
) -> bool:
    """Whether ``user`` may do what ``permission`` allows: a :class:`Permission`, or a plugin's key."""
    return _refusal(user, permission, department_id=department_id, owner_id=owner_id) is None


def require(
    user: User | None, permission: Permission | str, *, department_id: int | None = None, owner_id: int | None = None
) -> None:
    """Raise :class:`~core.errors.Forbidden`, saying why, unless :func:`can`."""
    refusal = _refusal(user, permission, department_id=department_id, owner_id=owner_id)
    if refusal:
        raise Forbidden(refusal)


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


def _refusal(user, permission, *, department_id, owner_id) -> str | None:
    holders, action = _holders(permission)
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return f"You must be logged in to {action}."
    allowed = holders & user.roles
    if not allowed:
        needed = ", ".join(sorted(r.value.replace("_", " ") for r in holders))
        return f"Your roles do not allow you to {action} (needs: {needed})."
    own_department = department_id is not None and user.department_id == department_id

    # Rules that bind every role.
    if permission is Permission.RUN_AUDITS and own_department:
        return "An auditor may not audit their own department (ISO 9001 9.2.2 c)."
    if permission is Permission.VERIFY_EFFECTIVENESS and owner_id is not None and owner_id == user.id:
        return "The owner of a corrective action may not verify its effectiveness."

    # Rules that narrow a role which is the user's only way in.
    if permission is Permission.OWN_ACTION and allowed == {STAFF} and owner_id is not None and owner_id != user.id:
        return "Staff may complete only the corrective actions assigned to them."
    if permission in HEAD_OWN_DEPARTMENT and allowed == {HEAD} and department_id is not None and not own_department:
        return f"A department head may {permission.value} only for their own department."
    return None
