"""Look-ups and checks shared by the audit and nonconformity services."""

from __future__ import annotations

from sqlalchemy import func

from core.accounts.models import Department, Role, Site, User
from core.accounts.permissions import Permission, require
from core.accounts.services import department_by_code, site_by_code
from core.database import db
from core.errors import Forbidden, NotFound, Refusal, ValidationFailed


def permission_refusal(user: User, permission: Permission, **scope) -> Refusal | None:
    """The permission matrix's reason as a :class:`Refusal`, or None."""
    try:
        require(user, permission, **scope)
    except Forbidden as error:
        return Refusal(error.detail)
    return None


def next_sequence(model, year: int) -> int:
    """The next number of ``model``'s references in ``year``.

    Two writers cannot both read the same maximum: SQLite's write
    transactions are serialised (BEGIN IMMEDIATE) and on PostgreSQL the
    unique (year, sequence) constraint refuses the second.
    """
    current = db.session.execute(db.select(func.max(model.sequence)).where(model.year == year)).scalar()
    return (current or 0) + 1


def site_named(code: str | None, field: str = "site") -> Site:
    """The site a field of a request names: unknown is that field's error (422), where an
    address naming no site is a 404 (``site_by_code``, the one look-up both use)."""
    if not code:
        raise ValidationFailed.field(field, "is required")
    try:
        return site_by_code(code.strip().upper())
    except NotFound:
        raise ValidationFailed.field(field, f"unknown site {code!r}") from None


def department_named(code: str | None, field: str = "department") -> Department:
    """The department a field of a request names (422 when unknown), through ``department_by_code``."""
    if not code:
        raise ValidationFailed.field(field, "is required")
    try:
        return department_by_code(code.strip().upper())
    except NotFound:
        raise ValidationFailed.field(field, f"unknown department {code!r}") from None


def user_named(login: str | None, field: str, *, required: bool = True) -> User | None:
    if not login:
        if required:
            raise ValidationFailed.field(field, "is required")
        return None
    user = db.session.execute(db.select(User).filter_by(login=login.strip())).scalar_one_or_none()
    if user is None or not user.active:
        raise ValidationFailed.field(field, f"unknown or deactivated user {login!r}")
    return user


def required_text(value: str | None, field: str, limit: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.field(field, "is required")
    if limit is not None and len(text) > limit:
        raise ValidationFailed.field(field, f"is longer than {limit} characters")
    return text.replace("\r\n", "\n")


def optional_text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text.replace("\r\n", "\n") or None


def is_head_of(user: User, department_id: int | None) -> bool:
    if department_id is None or Role.DEPARTMENT_HEAD not in user.roles:
        return False
    department = db.session.get(Department, department_id)
    return user.department_id == department_id or (department is not None and department.head_id == user.id)


def head_of(department: Department) -> User | None:
    if department.head is not None and department.head.active:
        return department.head
    return (
        db.session.execute(
            db.select(User)
            .where(User.department_id == department.id, User.active.is_(True))
            .where(User.role_rows.any(role=Role.DEPARTMENT_HEAD.value))
            .order_by(User.id)
        )
        .scalars()
        .first()
    )
