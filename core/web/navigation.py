"""The navigation bar: the core's pages the user may open, then the plugins' links.

A link is shown only when the server would let the user through; hiding is
a courtesy, the refusal happens in the view and the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.accounts.permissions import Permission, can
from core.jobs import services as jobs
from core.notifications import services as notifications
from core.plugin_engine import manager


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    # Paths under this prefix mark the link as the current page.
    section: str | None = None
    # A number shown next to the label (the unread notifications), when there is one.
    badge: int | None = None
    # Where the browser asks for the number after the page has arrived (the tasks waiting): a
    # count that would otherwise hold every page while every area counts its work.
    badge_url: str | None = None

    @property
    def current(self) -> bool:
        section = self.section or self.url
        if section == "/":
            return request.path == "/"
        return request.path == section or request.path.startswith(section.rstrip("/") + "/")


@dataclass(frozen=True)
class NavGroup:
    label: str
    links: tuple[NavLink, ...]


def _core_links(user) -> list[NavLink]:
    links = [
        NavLink(_l("Dashboard"), url_for("web.dashboard")),
        NavLink(_l("My tasks"), url_for("tasks.index"), badge_url=url_for("tasks.count")),
        NavLink(_l("Notifications"), url_for("notifications.index"), badge=notifications.unread_count(user) or None),
        NavLink(_l("Forms"), url_for("forms.index")),
        NavLink(_l("KPIs"), url_for("metrics.index")),
    ]
    if jobs.runs_jobs(user):
        links.append(NavLink(_l("My jobs"), url_for("jobs.index")))
    if can(user, Permission.READ_TRAIL):
        links.append(NavLink(_l("Audit trail"), url_for("web.trail")))
    return links


def _admin_group(user) -> NavGroup | None:
    if not can(user, Permission.MANAGE_USERS):
        return None
    return NavGroup(
        _l("Administration"),
        (
            NavLink(_l("Users"), url_for("admin.users")),
            NavLink(_l("Sites"), url_for("admin.sites")),
            NavLink(_l("Departments"), url_for("admin.departments")),
            NavLink(_l("E-mail waiting"), url_for("notifications.waiting_mail")),
        ),
    )


def _plugin_links(user) -> list[NavLink]:
    # The manager has resolved endpoints to URLs and left out failing plugins.
    return [NavLink(str(link.label), link.url) for link in manager.menu_links(user)]


def navigation() -> dict:
    """What the layout needs to draw the bar, for the logged-in user."""
    if not current_user.is_authenticated:
        return {"main": [], "admin": None}
    user = current_user._get_current_object()
    return {"main": _core_links(user) + _plugin_links(user), "admin": _admin_group(user)}


def init_app(app) -> None:
    @app.context_processor
    def _navigation():
        # Lazily: error pages and plain pages that never draw the bar pay nothing.
        return {"navigation": navigation}
