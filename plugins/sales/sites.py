"""The sites a reader of the consultants' figures may pick, and the one a page or the API names."""

from __future__ import annotations

from flask_babel import gettext as _

from core.plugins import NotFound, active_sites, find_site


def site_named(user, code: str | None):
    """The site ``code`` names; without one, the user's own site, else the first active one."""
    if code:
        return find_site(code)
    if user.site is not None:
        return user.site
    sites = active_sites()
    if not sites:
        raise NotFound(_("There is no site yet."))
    return sites[0]
