"""How the core's own records read in the trail: people, roles, sites, departments, signatures."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.accounts.forms import ROLE_LABELS
from core.accounts.models import Department, Site, User
from core.plugin_engine.types import TrailEntity
from core.trail.readable import record


def _user_name(entity_id: str) -> str | None:
    user = record(User, entity_id)
    return user.display_name if user else None


def _user_link(entity_id: str) -> str | None:
    user = record(User, entity_id)
    return url_for("admin.user", login=user.login) if user else None


def _site_name(entity_id: str) -> str | None:
    site = record(Site, entity_id)
    return f"{site.name} ({site.code})" if site else None


def _department_name(entity_id: str) -> str | None:
    department = record(Department, entity_id)
    return department.label if department else None


def _role_name(entity_id: str) -> str:
    """``<user id>/<role>``: whose role, and which."""
    user_id, _slash, role = entity_id.partition("/")
    return _("%(user)s: %(role)s", user=_user_name(user_id) or user_id, role=ROLE_LABELS.get(role, role))


def _department_head_name(entity_id: str) -> str | None:
    from core.accounts.models import DepartmentHead

    row = record(DepartmentHead, entity_id)
    if row is None:
        return None
    return f"{row.department.label} @ {row.site.code}" if row.site else row.department.label


ENTITIES = (
    TrailEntity(
        entity_type="user",
        label=_l("user"),
        fields={
            "login": _l("Login"),
            "display_name": _l("Display name"),
            "email": _l("E-mail"),
            "site_id": _l("Site"),
            "department_id": _l("Department"),
            "locale": _l("Language"),
            "active": _l("Active (may log in)"),
            "password_hash": _l("Password"),
        },
        references={"site_id": "site", "department_id": "department"},
        name=_user_name,
        link=_user_link,
    ),
    TrailEntity(
        entity_type="user_role",
        label=_l("role"),
        fields={"role": _l("Role"), "user_id": _l("User")},
        values={"role": ROLE_LABELS},
        references={"user_id": "user"},
        actions={
            "create": _l("%(who)s gave a role — %(record)s"),
            "delete": _l("%(who)s took a role away — %(record)s"),
        },
        name=_role_name,
    ),
    TrailEntity(
        entity_type="site",
        label=_l("site"),
        fields={"code": _l("Code"), "name": _l("Name"), "time_zone": _l("Time zone"), "active": _l("Active")},
        name=_site_name,
    ),
    TrailEntity(
        entity_type="department",
        label=_l("department"),
        fields={"code": _l("Code"), "name": _l("Name")},
        name=_department_name,
    ),
    TrailEntity(
        entity_type="department_head",
        label=_l("department head"),
        fields={
            "site_id": _l("Site"),
            "department_id": _l("Department"),
            "head_id": _l("Head"),
            "deputy_id": _l("Deputy"),
        },
        references={"site_id": "site", "department_id": "department", "head_id": "user", "deputy_id": "user"},
        name=_department_head_name,
    ),
    TrailEntity(
        entity_type="signature",
        label=_l("signature"),
        fields={
            "meaning": _l("Meaning"),
            "comment": _l("Comment"),
            "signer_name": _l("Signed by"),
            "signed_at": _l("Signed"),
        },
        hidden={"content_sha256", "signer_id", "signer_login", "entity_type", "entity_id"},
    ),
)
