"""The sites a reader of the consultants' figures may pick.

``core.plugins`` hands plugins the site a hook is about, not a way to look one up by its
code; the page and the API name the site in the URL, so the lookup is done here, through the
session of the signed-in user's own record (SQLAlchemy's inspection, no core module). Should
the public plugin API gain a site lookup, this module is where it goes.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import inspect, select

from core.plugins import NotFound


def _site_class_and_session(user):
    mapper = inspect(type(user))
    return mapper.relationships["site"].mapper.class_, inspect(user).session


def active_sites(user) -> list:
    """Every active site, by code (the picker of the group office's readers)."""
    site_class, session = _site_class_and_session(user)
    return list(session.execute(select(site_class).filter_by(active=True).order_by(site_class.code)).scalars())


def site_named(user, code: str | None):
    """The site ``code`` names; without one, the user's own site, else the first active one."""
    if not code:
        if user.site is not None:
            return user.site
        sites = active_sites(user)
        if not sites:
            raise NotFound(_("There is no site yet."))
        return sites[0]
    site_class, session = _site_class_and_session(user)
    site = session.execute(select(site_class).filter_by(code=code)).scalar_one_or_none()
    if site is None:
        raise NotFound(_("There is no site with code '%(code)s'.", code=code))
    return site
