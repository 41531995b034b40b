"""Look-ups and checks shared by the audit and nonconformity services."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, union_all

from core.accounts import organisation
from core.accounts.models import Department, Role, Site, User
from core.accounts.permissions import Permission, in_group_office, require
from core.accounts.services import department_by_code, site_by_code
from core.database import db
from core.errors import Forbidden, NotFound, Refusal, ValidationFailed
from core.trail.chain import hold_lock
from core.web.window import LAST_PAGE


class Related:
    """A to-many relation as a column of :func:`core.accounts.permissions.scope_clause`:
    ``Related(Audit.department_rows, AuditDepartment.department_id) == 3`` holds when
    any related row's column is 3 (an audit of several departments is each one's)."""

    __hash__ = None  # compared, never hashed

    def __init__(self, relationship, column):
        self.relationship = relationship
        self.column = column

    def __eq__(self, value):  # type: ignore[override]
        return self.relationship.any(self.column == value)


def reads_by_site(user: User) -> bool:
    """Whether what ``user`` may read of a site-scoped record is within their site's plus their
    own (raised, owned, led…): a site's people, not the group office nor an administrator."""
    return user.active and not in_group_office(user) and Role.ADMIN not in user.roles


def in_windows(id_column, branches: list[list], order_by: tuple, *, page: int, per_page: int):
    """SQL: ``id_column`` is among the first rows, in ``order_by``, of each branch of a reader's rule
    (each a list of conditions: the branch's own and the list's), enough for page ``page`` of ``per_page``.

    A list ordered by an index walked it until a page of rows was in the reader's scope: for a
    site's quality officer one row in 50 at ``large``, so the page's cost grew with the group.
    Each branch (their site's rows, those they raised, own…) is its own window through an
    index on (branch column, sort key), and together the branches cover every row the reader
    may read, so the first rows of the union in order are the page's, whatever the filters. A
    deep page costs each branch its page number times ``per_page`` rows, like any offset."""
    size = min(max(page, 1), LAST_PAGE) * per_page + 1
    windows = [db.select(id_column).where(*branch).order_by(*order_by).limit(size).subquery() for branch in branches]
    return id_column.in_(union_all(*(db.select(*window.c) for window in windows)))


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
    transactions are serialised (BEGIN IMMEDIATE); on PostgreSQL the
    numbering waits for the trail's lock, which the record's insert would
    take a moment later anyway and which a writer holds until it commits.
    (The unique (year, sequence) constraint alone turned the second of two
    NCs raised at once into a 500.)
    """
    hold_lock(db.session.connection())
    current = db.session.execute(db.select(func.max(model.sequence)).where(model.year == year)).scalar()
    return (current or 0) + 1


def site_named(code: str | None, field: str = "site") -> Site:
    """The site a field of a request names: unknown is that field's error (422), where an
    address naming no site is a 404 (``site_by_code``, the one look-up both use)."""
    if not code:
        raise ValidationFailed.required(field)
    try:
        return site_by_code(code.strip().upper())
    except NotFound:
        raise ValidationFailed.field(field, _("unknown site %(code)s", code=repr(code))) from None


def department_named(code: str | None, field: str = "department") -> Department:
    """The department a field of a request names (422 when unknown), through ``department_by_code``."""
    if not code:
        raise ValidationFailed.required(field)
    try:
        return department_by_code(code.strip().upper())
    except NotFound:
        raise ValidationFailed.field(field, _("unknown department %(code)s", code=repr(code))) from None


def user_named(login: str | None, field: str, *, required: bool = True) -> User | None:
    if not login:
        if required:
            raise ValidationFailed.required(field)
        return None
    user = db.session.execute(db.select(User).filter_by(login=login.strip())).scalar_one_or_none()
    if user is None or not user.active:
        raise ValidationFailed.field(field, _("unknown or deactivated user %(login)s", login=repr(login)))
    return user


def required_text(value: str | None, field: str, limit: int | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed.required(field)
    if limit is not None and len(text) > limit:
        raise ValidationFailed.field(field, _("is longer than %(limit)s characters", limit=limit))
    return text.replace("\r\n", "\n")


def optional_text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text.replace("\r\n", "\n") or None


def is_head_of(user: User, department_id: int | None, site_id: int | None) -> bool:
    """Whether ``user`` heads (or deputises for) the department at that site, or group-wide."""
    return organisation.is_head_of(user, department_id, site_id)


def head_of(department: Department, site: Site | None) -> User | None:
    """Who owns work raised for ``department`` at ``site``: the head there, else the deputy, else the group head."""
    return organisation.head_of(department, site)


def question_texts(question) -> dict[str, str]:
    """A checklist question's texts in the current language, as a snapshot keeps them per language."""
    return {
        "text": str(question.text),
        "reference": str(question.reference or ""),
        "guidance": str(question.guidance or ""),
    }


def checklist_texts(checklist) -> dict[str, str]:
    """A checklist's title and its sections' titles (``section:<key>``) in the current language."""
    texts = {"title": str(checklist.title)}
    for section in checklist.sections:
        texts[f"section:{section.key}"] = str(section.title)
    return texts
