"""Account rules shared by the web pages, the API and the command line."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm.attributes import flag_modified

from core.accounts.models import (
    ApiToken,
    Department,
    LoginAttempt,
    Role,
    Site,
    User,
    UserRole,
)
from core.accounts.organisation import name_head_if_none
from core.accounts.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from core.accounts.permissions import Permission, require
from core.clock import instance_zone_name, utcnow, zone_named
from core.database import commit, db, write_intent
from core.errors import (
    Conflict,
    NotFound,
    TooManyAttempts,
    ValidationFailed,
    require_row_version,
)
from core.plugin_engine.types import DEPARTMENTS

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
TOKEN_PREFIX = "dqms_"


# Look-ups -------------------------------------------------------------------


def site_by_code(code: str) -> Site:
    site = db.session.execute(db.select(Site).filter_by(code=code)).scalar_one_or_none()
    if site is None:
        raise NotFound(f"There is no site with code {code!r}.")
    return site


def department_by_code(code: str) -> Department:
    department = db.session.execute(db.select(Department).filter_by(code=code)).scalar_one_or_none()
    if department is None:
        raise NotFound(f"There is no department with code {code!r}.")
    return department


def user_by_login(login: str) -> User:
    user = db.session.execute(db.select(User).filter_by(login=login)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"There is no user with login {login!r}.")
    return user


def parse_roles(names: Iterable[str]) -> set[Role]:
    roles = set()
    for name in names:
        try:
            roles.add(Role(name))
        except ValueError:
            raise ValidationFailed.field(
                "roles", f"unknown role {name!r}; one of {', '.join(r.value for r in Role)}"
            ) from None
    if not roles:
        raise ValidationFailed.field("roles", "at least one role is needed")
    return roles


def check_password_strength(password: str, login: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.field("password", f"must be at least {MIN_LENGTH} characters long")
    if login and login.lower() in password.lower():
        raise ValidationFailed.field("password", "must not contain the login name")


# Sites and departments ------------------------------------------------------


def _zone(time_zone: str | None) -> str | None:
    if time_zone is None:
        return None
    name = time_zone.strip()
    try:
        zone_named(name)
    except ValueError:
        raise ValidationFailed.field("time_zone", f"{name!r} is not a time zone name such as Asia/Shanghai") from None
    return name


def create_site(actor: User | None, code: str, name: str, time_zone: str | None = None) -> Site:
    """Add a dealership; its clock is ``time_zone`` (an IANA name), else the instance's."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise ValidationFailed.field("code", "use 1–32 capital letters, digits, '-' or '_'")
    if not name.strip():
        raise ValidationFailed.field("name", "is required")
    if db.session.execute(db.select(Site.id).filter_by(code=code)).first():
        raise Conflict(f"A site with code {code!r} already exists.")
    site = Site(code=code, name=name.strip(), time_zone=_zone(time_zone) or instance_zone_name())
    db.session.add(site)
    db.session.flush()
    return site


def update_site(
    actor: User, site: Site, *, name: str, active: bool, row_version: int, time_zone: str | None = None
) -> Site:
    require(actor, Permission.MANAGE_USERS)
    require_row_version(site, row_version)
    if not name.strip():
        raise ValidationFailed.field("name", "is required")
    site.name, site.active = name.strip(), active
    site.time_zone = _zone(time_zone) or site.time_zone
    db.session.flush()
    return site


def create_department(actor: User | None, code: str, name: str) -> Department:
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise ValidationFailed.field("code", "use 1–32 capital letters, digits, '-' or '_'")
    if not name.strip():
        raise ValidationFailed.field("name", "is required")
    if db.session.execute(db.select(Department.id).filter_by(code=code)).first():
        raise Conflict(f"A department with code {code!r} already exists.")
    department = Department(code=code, name=name.strip())
    db.session.add(department)
    db.session.flush()
    return department


def update_department(actor: User, department: Department, *, name: str, row_version: int) -> Department:
    """Rename a department; its heads are named per site (:func:`core.accounts.organisation.set_heads`)."""
    require(actor, Permission.MANAGE_USERS)
    require_row_version(department, row_version)
    if not name.strip():
        raise ValidationFailed.field("name", "is required")
    department.name = name.strip()
    db.session.flush()
    return department


def ensure_defaults() -> Site:
    """The default site and departments; creating only what is missing keeps `init` repeatable."""
    site = db.session.execute(db.select(Site).filter_by(code="MAIN")).scalar_one_or_none()
    if site is None:
        site = create_site(None, "MAIN", "Main dealership")
    # Every instance starts with the departments plugins name (core.plugins.DEPARTMENTS).
    for code, name in DEPARTMENTS.items():
        if not db.session.execute(db.select(Department.id).filter_by(code=code)).first():
            create_department(None, code, name)
    return site


# Users ------------------------------------------------------------------------


def create_user(
    actor: User | None,
    *,
    login: str,
    display_name: str | None = None,
    roles: Iterable[str],
    password: str | None,
    department: Department | None = None,
    site: Site | None = None,
    email: str | None = None,
    locale: str = "en",
) -> User:
    """Add a user. ``actor`` None means the installation itself (``init``, CLI)."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    login = login.strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise ValidationFailed.field("login", "use 2–64 lower-case letters, digits, '.', '-' or '_'")
    if db.session.execute(db.select(User.id).filter_by(login=login)).first():
        raise Conflict(f"A user with login {login!r} already exists.")
    role_set = parse_roles(roles)
    if Role.DEPARTMENT_HEAD in role_set and department is None:
        raise ValidationFailed.field("department", "a department head needs a department")
    if password is not None:
        check_password_strength(password, login)
    _check_locale(locale)
    user = User(
        login=login,
        display_name=(display_name or login).strip(),
        email=email or None,
        password_hash=hash_password(password) if password else None,
        department=department,
        site=site,
        locale=locale,
        role_rows=[UserRole(role=r.value) for r in sorted(role_set)],
    )
    db.session.add(user)
    db.session.flush()
    name_head_if_none(user)
    return user


def update_user(
    actor: User,
    user: User,
    *,
    display_name: str,
    email: str | None,
    roles: Iterable[str],
    department: Department | None,
    site: Site | None,
    active: bool,
    row_version: int,
) -> User:
    require(actor, Permission.MANAGE_USERS)
    require_row_version(user, row_version)
    role_set = parse_roles(roles)
    if Role.DEPARTMENT_HEAD in role_set and department is None:
        raise ValidationFailed.field("department", "a department head needs a department")
    if user.id == actor.id and (not active or Role.ADMIN not in role_set):
        raise Conflict("You cannot deactivate yourself or remove your own admin role.")
    if not display_name.strip():
        raise ValidationFailed.field("display_name", "is required")
    user.display_name, user.email = display_name.strip(), email or None
    user.department, user.site, user.active = department, site, active
    current = {row.role for row in user.role_rows}
    wanted = {r.value for r in role_set}
    if current != wanted:
        user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - current)
        ]
        # Roles live in their own table; an UPDATE of the user row bumps its
        # version, which ends the user's open sessions and refuses stale edits.
        flag_modified(user, "display_name")
    db.session.flush()
    return user


def set_password(actor: User | None, user: User, new_password: str, *, current_password: str | None = None) -> None:
    """Change a password: your own (with the current one) or, as admin, anyone's."""
    if actor is not None and actor.id == user.id:
        if not current_password or not verify_password(user, current_password):
            raise ValidationFailed.field("current_password", "does not match")
    elif actor is not None:
        require(actor, Permission.MANAGE_USERS)
    check_password_strength(new_password, user.login)
    user.password_hash = hash_password(new_password)
    db.session.flush()


def update_profile(actor: User, user: User, *, display_name: str, email: str | None, row_version: int) -> User:
    """A user's own name and e-mail; an administrator may change anyone's."""
    if actor.id != user.id:
        require(actor, Permission.MANAGE_USERS)
    require_row_version(user, row_version)
    if not display_name.strip():
        raise ValidationFailed.field("display_name", "is required")
    user.display_name, user.email = display_name.strip(), (email or "").strip() or None
    db.session.flush()
    return user


def set_locale(user: User, locale: str) -> None:
    _check_locale(locale)
    user.locale = locale
    db.session.flush()


def _check_locale(locale: str) -> None:
    if locale not in current_app.config["DEALERQMS_LOCALES"]:
        raise ValidationFailed.field(
            "locale", f"unsupported language {locale!r}; one of {', '.join(current_app.config['DEALERQMS_LOCALES'])}"
        )


def make_temporary_password() -> str:
    return secrets.token_urlsafe(12)


# Login ------------------------------------------------------------------------


def authenticate(login: str, password: str, remote_addr: str | None = None) -> User | None:
    """The user for these credentials, or None; refuses while the login is throttled."""
    login = (login or "").strip().lower()
    window = current_app.config["DEALERQMS_LOGIN_WINDOW"]
    limit = current_app.config["DEALERQMS_LOGIN_MAX_FAILURES"]
    since = utcnow() - window
    failures = db.session.execute(
        db.select(db.func.count(LoginAttempt.id)).where(
            LoginAttempt.login == login, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False)
        )
    ).scalar_one()
    if failures >= limit:
        minutes = int(window / timedelta(minutes=1))
        raise TooManyAttempts(f"Too many failed logins for this account; try again in {minutes} minutes.")
    user = db.session.execute(db.select(User).filter_by(login=login)).scalar_one_or_none()
    ok = user is not None and user.active and verify_password(user, password)
    db.session.add(LoginAttempt(login=login, remote_addr=remote_addr, succeeded=ok))
    if ok and needs_rehash(user):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user if ok else None


def load_session_user(session_id: str) -> User | None:
    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.row_version != version:
        return None
    return user


# API tokens -------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(actor: User | None, user: User, name: str = "API token") -> tuple[ApiToken, str]:
    """A new token for ``user``; the plain token is returned once and never stored."""
    if actor is not None and actor.id != user.id:
        require(actor, Permission.MANAGE_USERS)
    name = (name or "").strip() or "API token"
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name[:100], token_hash=_digest(plain), prefix=plain[:12])
    db.session.add(token)
    db.session.flush()
    return token, plain


def revoke_token(actor: User, token: ApiToken) -> None:
    if actor.id != token.user_id:
        require(actor, Permission.MANAGE_USERS)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def user_for_token(plain: str) -> User | None:
    if not plain or not plain.startswith(TOKEN_PREFIX):
        return None
    token = db.session.execute(db.select(ApiToken).filter_by(token_hash=_digest(plain))).scalar_one_or_none()
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    # Recorded at most hourly, so read-only API calls rarely need a write.
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        with write_intent():
            token.last_used_at = now
            commit()
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            db.select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.created_at.desc())
        ).scalars()
    )
