"""Account rules shared by the web pages, the API and the command line."""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import flag_modified

from core.accounts import sessions
from core.accounts.models import (
    ApiToken,
    Department,
    LoginAttempt,
    Role,
    Site,
    StoredSession,
    User,
    UserRole,
    UserSession,
)
from core.accounts.organisation import name_head_if_none
from core.accounts.passwords import (
    check_password,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from core.accounts.permissions import Permission, can, require
from core.clock import instance_zone_name, utcnow, zone_named
from core.database import after_commit, commit, db, write_intent
from core.errors import (
    Conflict,
    NotFound,
    Refusal,
    TooManyAttempts,
    ValidationFailed,
    enforce,
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
        raise NotFound(_("There is no site with code '%(code)s'.", code=code))
    return site


def department_by_code(code: str) -> Department:
    department = db.session.execute(db.select(Department).filter_by(code=code)).scalar_one_or_none()
    if department is None:
        raise NotFound(_("There is no department with code '%(code)s'.", code=code))
    return department


def user_by_login(login: str) -> User:
    user = db.session.execute(db.select(User).filter_by(login=login)).scalar_one_or_none()
    if user is None:
        raise NotFound(_("There is no user with login '%(login)s'.", login=login))
    return user


def parse_roles(names: Iterable[str]) -> set[Role]:
    roles = set()
    for name in names:
        try:
            roles.add(Role(name))
        except ValueError:
            raise ValidationFailed.field(
                "roles", _("unknown role %(name)s; one of %(known)s", name=name, known=", ".join(r.value for r in Role))
            ) from None
    if not roles:
        raise ValidationFailed.field("roles", _("choose at least one role"))
    return roles


def check_password_strength(password: str, login: str = "") -> None:
    """Refuse a new password the policy does not allow (core.accounts.passwords.password_problem)."""
    problem = password_problem(password, login)
    if problem:
        raise ValidationFailed.field("password", problem)


# Sites and departments ------------------------------------------------------


def _zone(time_zone: str | None) -> str | None:
    if time_zone is None:
        return None
    name = time_zone.strip()
    try:
        zone_named(name)
    except ValueError:
        raise ValidationFailed.field(
            "time_zone", _("%(name)s is not a time zone name such as Asia/Shanghai", name=name)
        ) from None
    return name


def create_site(actor: User | None, code: str, name: str, time_zone: str | None = None) -> Site:
    """Add a dealership; its clock is ``time_zone`` (an IANA name), else the instance's."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise ValidationFailed.field("code", _("use 1–32 capital letters, digits, '-' or '_'"))
    if not name.strip():
        raise ValidationFailed.required("name")
    if db.session.execute(db.select(Site.id).filter_by(code=code)).first():
        raise Conflict(_("A site with code %(code)s already exists: choose another code.", code=repr(code)))
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
        raise ValidationFailed.required("name")
    site.name, site.active = name.strip(), active
    site.time_zone = _zone(time_zone) or site.time_zone
    db.session.flush()
    return site


def create_department(actor: User | None, code: str, name: str) -> Department:
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    code = code.strip().upper()
    if not CODE_PATTERN.match(code):
        raise ValidationFailed.field("code", _("use 1–32 capital letters, digits, '-' or '_'"))
    if not name.strip():
        raise ValidationFailed.required("name")
    if db.session.execute(db.select(Department.id).filter_by(code=code)).first():
        raise Conflict(_("A department with code %(code)s already exists: choose another code.", code=repr(code)))
    department = Department(code=code, name=name.strip())
    db.session.add(department)
    db.session.flush()
    return department


def update_department(actor: User, department: Department, *, name: str, row_version: int) -> Department:
    """Rename a department; its heads are named per site (:func:`core.accounts.organisation.set_heads`)."""
    require(actor, Permission.MANAGE_USERS)
    require_row_version(department, row_version)
    if not name.strip():
        raise ValidationFailed.required("name")
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
    locale: str | None = None,
) -> User:
    """Add a user. ``actor`` None means the installation itself (``init``, CLI). A new
    account speaks the instance's language (``DEALERQMS_LANGUAGE``) until its owner picks another."""
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    login = login.strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise ValidationFailed.field("login", _("use 2–64 lower-case letters, digits, '.', '-' or '_'"))
    if db.session.execute(db.select(User.id).filter_by(login=login)).first():
        raise Conflict(_("A user with login %(login)s already exists: choose another login.", login=repr(login)))
    role_set = parse_roles(roles)
    if Role.DEPARTMENT_HEAD in role_set and department is None:
        raise ValidationFailed.field("department", _("a department head needs a department"))
    if password is not None:
        check_password_strength(password, login)
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
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
        raise ValidationFailed.field("department", _("a department head needs a department"))
    if user.id == actor.id and (not active or Role.ADMIN not in role_set):
        raise Conflict(_("You cannot deactivate yourself or remove your own admin role."))
    if not display_name.strip():
        raise ValidationFailed.required("display_name")
    deactivated = user.active and not active
    user.display_name, user.email = display_name.strip(), email or None
    user.department, user.site, user.active = department, site, active
    current = {row.role for row in user.role_rows}
    wanted = {r.value for r in role_set}
    if current != wanted:
        user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - current)
        ]
        # Roles live in their own table; an UPDATE of the user row bumps its
        # version, so that an edit made on a copy from before is refused.
        flag_modified(user, "display_name")
    db.session.flush()
    if deactivated:
        end_sessions_of(user)
    return user


def password_refusal(actor: User | None, user: User) -> Refusal | None:
    """Why ``actor`` may not set ``user``'s password, or None: their own, or an administrator anyone's."""
    if actor is None or actor.id == user.id or can(actor, Permission.MANAGE_USERS):
        return None
    return Refusal(_("You may set only your own password; an administrator sets other people's."))


def set_password(
    actor: User | None,
    user: User,
    new_password: str,
    *,
    current_password: str | None = None,
    keep: UserSession | None = None,
) -> None:
    """Change a password: your own (with the current one) or, as admin, anyone's.

    Every session of the user ends, except ``keep`` (the browser of the user
    changing their own password); API tokens stay valid.
    """
    enforce(password_refusal(actor, user))
    if actor is not None and actor.id == user.id:
        if not current_password or not verify_password(user, current_password):
            raise ValidationFailed.field("current_password", _("This is not your current password; type it again."))
    check_password_strength(new_password, user.login)
    user.password_hash = hash_password(new_password)
    db.session.flush()
    end_sessions_of(user, keep=keep if keep is not None and keep.user_id == user.id else None)


def update_profile(actor: User, user: User, *, display_name: str, email: str | None, row_version: int) -> User:
    """A user's own name and e-mail; an administrator may change anyone's."""
    if actor.id != user.id:
        require(actor, Permission.MANAGE_USERS)
    require_row_version(user, row_version)
    if not display_name.strip():
        raise ValidationFailed.required("display_name")
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
            "locale",
            _(
                "unsupported language %(locale)s; one of %(known)s",
                locale=locale,
                known=", ".join(current_app.config["DEALERQMS_LOCALES"]),
            ),
        )


def make_temporary_password(login: str = "") -> str:
    while True:
        password = secrets.token_urlsafe(12)
        # Random text can still hold a short login ("qo") by chance.
        if password_problem(password, login) is None:
            return password


# Login ------------------------------------------------------------------------


class LoginThrottled(TooManyAttempts):
    """Too many failed logins lately: the next try is possible in ``retry_after`` seconds."""

    def __init__(self, wait: timedelta):
        self.retry_after = max(1, math.ceil(wait.total_seconds()))
        super().__init__(f"Too many failed logins; try again in {self.retry_after} seconds.")


def _failures(*conditions, since: datetime) -> tuple[int, datetime | None]:
    count, last = db.session.execute(
        db.select(db.func.count(LoginAttempt.id), db.func.max(LoginAttempt.at)).where(
            *conditions, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
        )
    ).one()
    return count, last


def _last_success(*conditions, since: datetime) -> datetime | None:
    return db.session.execute(
        db.select(db.func.max(LoginAttempt.at)).where(
            *conditions, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since
        )
    ).scalar_one()


def _free_again_at(failures: int, last: datetime | None, free: int) -> datetime | None:
    """When the next try is allowed after ``failures``, the last at ``last``; ``free`` cost no wait."""
    if last is None or failures < free:
        return None
    config = current_app.config
    delay = min(config["DEALERQMS_LOGIN_MAX_DELAY"], config["DEALERQMS_LOGIN_DELAY"] * 2 ** (failures - free))
    return last + delay


def login_wait(login: str, remote_addr: str | None, now: datetime | None = None) -> timedelta:
    """How long a login attempt for ``login`` from ``remote_addr`` must still wait (zero: none).

    Failed attempts are counted per login and per client address (the logins
    tried there that have never succeeded there). A few cost nothing; each
    further one doubles the wait before the next, up to
    ``DEALERQMS_LOGIN_MAX_DELAY``. Failures older than
    ``DEALERQMS_LOGIN_WINDOW``, and a login's failures before its last
    success, are forgotten. From an address the login has succeeded from
    before, only the failures from that address count against the login:
    someone guessing elsewhere cannot keep its owner out (docs/security.md).
    """
    config = current_app.config
    now = now or utcnow()
    since = now - config["DEALERQMS_LOGIN_WINDOW"]
    moments = []
    same_login = [LoginAttempt.login == login]
    if remote_addr:
        here = LoginAttempt.remote_addr == remote_addr
        # Typing mistakes of people who log in here are theirs (counted below
        # per login); what counts against the address is trying other logins.
        known_here = db.select(LoginAttempt.login).where(
            here, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= now - _memory()
        )
        count, last = _failures(here, LoginAttempt.login.not_in(known_here), since=since)
        moments.append(_free_again_at(count, last, config["DEALERQMS_LOGIN_ADDRESS_MAX_FAILURES"]))
        if _last_success(*same_login, here, since=now - _memory()):
            same_login.append(here)
    success = _last_success(*same_login, since=since)
    count, last = _failures(*same_login, since=max(since, success) if success else since)
    moments.append(_free_again_at(count, last, config["DEALERQMS_LOGIN_MAX_FAILURES"]))
    latest = max((moment for moment in moments if moment is not None), default=now)
    return max(latest - now, timedelta(0))


def _memory() -> timedelta:
    return current_app.config["DEALERQMS_LOGIN_MEMORY"]


def authenticate(login: str, password: str, remote_addr: str | None = None) -> User | None:
    """The user for these credentials, or None; raises LoginThrottled while attempts must wait."""
    login = (login or "").strip().lower()
    wait = login_wait(login, remote_addr)
    if wait:
        raise LoginThrottled(wait)
    user = db.session.execute(db.select(User).filter_by(login=login)).scalar_one_or_none()
    # One password check whoever asks: an unknown or deactivated login takes as long as a real one.
    ok = check_password(user.password_hash if user is not None else None, password)
    ok = ok and user is not None and user.active
    db.session.add(LoginAttempt(login=login[:64], remote_addr=remote_addr, succeeded=ok))
    if ok and needs_rehash(user):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user if ok else None


# Sessions ---------------------------------------------------------------------


def start_session(user: User, sid: str, *, remote_addr: str | None, user_agent: str | None) -> UserSession:
    """Record the browser session ``sid`` (a fresh id) as logged in as ``user``."""
    now = utcnow()
    _purge(now)
    record = UserSession(
        key=sessions.session_key(sid),
        user=user,
        created_at=now,
        last_seen_at=now,
        remote_addr=remote_addr,
        user_agent=(user_agent or "")[:300] or None,
    )
    db.session.add(record)
    db.session.flush()
    return record


def _purge(now: datetime) -> None:
    """Forget what can no longer matter: sessions whose data has expired, old login attempts."""
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.execute(db.delete(UserSession).where(UserSession.last_seen_at < now - lifetime))
    db.session.execute(db.delete(StoredSession).where(StoredSession.expires_at < now))
    db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.at < now - _memory()))


def session_of(sid: str | None) -> UserSession | None:
    """The logged-in session with id ``sid`` (with its user), or None when there is none or it ended."""
    if not sid:
        return None
    return db.session.execute(
        db.select(UserSession).options(joinedload(UserSession.user)).filter_by(key=sessions.session_key(sid))
    ).scalar_one_or_none()


def session_idle(record: UserSession, now: datetime | None = None) -> bool:
    return (now or utcnow()) - record.last_seen_at > current_app.config["DEALERQMS_IDLE_TIMEOUT"]


def _touch_interval() -> timedelta:
    # Often enough for the idle timeout to be exact to a tenth, rarely
    # enough that reading pages does not mean writing to the database.
    return min(timedelta(minutes=1), current_app.config["DEALERQMS_IDLE_TIMEOUT"] / 10)


def touch_due(record: UserSession, now: datetime | None = None) -> bool:
    return (now or utcnow()) - record.last_seen_at >= _touch_interval()


def touch_session(record: UserSession, now: datetime | None = None) -> None:
    record.last_seen_at = now or utcnow()
    db.session.flush()


def renew_session(record: UserSession, sid: str) -> None:
    """The session continues under the new id ``sid`` (after a rotation)."""
    record.key = sessions.session_key(sid)
    db.session.flush()


def active_sessions_of(user: User) -> list[UserSession]:
    """The user's sessions not yet ended by the idle timeout, the most recently used first."""
    since = utcnow() - current_app.config["DEALERQMS_IDLE_TIMEOUT"]
    return list(
        db.session.execute(
            db.select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.last_seen_at >= since)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        ).scalars()
    )


def end_session(actor: User | None, record: UserSession) -> None:
    """End one session: yours, or as an administrator anyone's."""
    if actor is not None and actor.id != record.user_id and not can(actor, Permission.MANAGE_USERS):
        # Someone else's session is as unknown as a missing one.
        raise NotFound(_("You have no such session."))
    _end([record])


def end_sessions_of(user: User, *, keep: UserSession | None = None) -> int:
    """End every session of ``user`` but ``keep``; returns how many ended."""
    query = db.select(UserSession).where(UserSession.user_id == user.id)
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    records = list(db.session.execute(query).scalars())
    _end(records)
    return len(records)


def _end(records: list[UserSession]) -> None:
    keys = [record.key for record in records]
    for record in records:
        db.session.delete(record)
    db.session.flush()
    if keys:
        app = current_app._get_current_object()
        # Without its row the session opens nothing already; its data goes
        # once that is committed (in Redis it cannot share the transaction).
        after_commit(lambda: sessions.discard(app, keys))


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
    """Revoke a token: one's own, or as an administrator anyone's."""
    if actor.id != token.user_id and not can(actor, Permission.MANAGE_USERS):
        # Someone else's token is as unknown as a missing one.
        raise NotFound(_("You have no such token."))
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
