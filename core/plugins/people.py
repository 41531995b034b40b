"""Who works where, for plugins: the people a plugin's task, notification or per-person figure
is for — a department's head and people at a site, the site's quality officers — without
importing the core's account internals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import or_

from core.database import db

if TYPE_CHECKING:
    from core.accounts.models import Department, Site, User

__all__ = [
    "active_sites",
    "department_head",
    "department_people",
    "find_site",
    "is_department_head",
    "quality_officers",
]


def find_site(code: str) -> Site:
    """The site with ``code``; ``NotFound`` (a 404, or one sentence on the command line) if none."""
    from core.accounts.services import site_by_code

    return site_by_code(code)


def active_sites() -> list[Site]:
    """Every active site of the group, by code (a picker's choices)."""
    from core.accounts.models import Site

    return list(db.session.execute(db.select(Site).filter_by(active=True).order_by(Site.code)).scalars())


def _site(site: Site | str) -> Site:
    from core.accounts.models import Site

    return site if isinstance(site, Site) else find_site(site)


def _department(code: str) -> Department | None:
    from core.accounts.models import Department

    return db.session.execute(db.select(Department).filter_by(code=code)).scalar_one_or_none()


def department_head(department: str, site: Site | str) -> User | None:
    """The head of ``department`` (its code, e.g. ``sales``) at ``site`` (a site or its code):
    the site's own head, else the group-level head of that function; None when nobody is named."""
    from core.accounts import organisation

    found = _department(department)
    return organisation.head_of(found, _site(site)) if found is not None else None


def is_department_head(user: User, department: str, site: Site | str) -> bool:
    """Whether ``user`` heads (or deputises for) ``department`` at ``site``."""
    from core.accounts import organisation

    found = _department(department)
    return found is not None and organisation.is_head_of(user, found.id, _site(site).id)


def department_people(department: str, site: Site | str) -> list[User]:
    """The active people of ``department`` working at ``site``, by name."""
    from core.accounts.models import User

    found = _department(department)
    if found is None:
        return []
    query = (
        db.select(User)
        .where(User.active.is_(True), User.department_id == found.id, User.site_id == _site(site).id)
        .order_by(User.display_name)
    )
    return list(db.session.execute(query).scalars())


def quality_officers(site: Site | str) -> list[User]:
    """The active quality officers who look after ``site``: its own and the group office's."""
    from core.accounts.models import Role, User, UserRole

    query = (
        db.select(User)
        .where(
            User.active.is_(True),
            User.role_rows.any(UserRole.role == Role.QUALITY_OFFICER.value),
            or_(User.site_id == _site(site).id, User.site_id.is_(None)),
        )
        .order_by(User.display_name)
    )
    return list(db.session.execute(query).scalars())
