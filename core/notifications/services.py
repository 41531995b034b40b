"""Sending a notification, reading them, and each user's choice of e-mail per kind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from core.accounts.models import User
from core.clock import utcnow
from core.database import conflict_insert, db
from core.errors import NotFound, ValidationFailed
from core.notifications.models import MailState, Notification, NotificationPreference
from core.plugin_engine.manager import registry
from core.plugin_engine.types import NotificationKind

IMMEDIATELY, DAILY, OFF = "immediately", "daily", "off"
MODES = (IMMEDIATELY, DAILY, OFF)


def kind_named(key: str) -> NotificationKind:
    kind = registry().notification_kinds.get(key)
    if kind is None:
        raise ValueError(f"unknown notification kind {key!r}: no loaded plugin registers it")
    return kind


def kinds() -> list[NotificationKind]:
    return list(registry().notification_kinds.values())


def mode_for(user: User, kind: NotificationKind, preferences: dict[str, str] | None = None) -> str:
    """How ``user`` gets ``kind`` by e-mail; a mandatory kind is never off."""
    if preferences is None:
        preferences = preferences_of(user)
    mode = preferences.get(kind.key, IMMEDIATELY)
    return IMMEDIATELY if kind.mandatory and mode == OFF else mode


def _plain(value):
    # Parameters are stored as JSON and shown in any language: dates as ISO dates.
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value if isinstance(value, int | float | bool) or value is None else str(value)


def notify(users: Iterable[User | None], kind: str, params: dict, *, url: str, event: str) -> int:
    """Tell ``users`` that ``event`` happened (a ``kind`` of notification), inside the caller's
    transaction: it shows in the app with the change, and its e-mail goes out after the commit.

    ``event`` names what happened to which record (``"submitted:SA-PR-001:2"``); a user is
    told of an event once, however often this is called. Returns how many were told anew.
    """
    definition = kind_named(kind)
    plain = {name: _plain(value) for name, value in params.items()}
    recipients = {user.id: user for user in users if user is not None and user.active}
    if not recipients:
        return 0
    preferences = _preferences_of_all(recipients)
    now = utcnow()
    rows = []
    for user in recipients.values():
        mode = mode_for(user, definition, preferences.get(user.id, {}))
        if not user.email or mode == OFF:
            mail = MailState.NONE
        else:
            mail = MailState.PENDING if mode == IMMEDIATELY else MailState.DIGEST
        rows.append(
            {
                "user_id": user.id,
                "kind": kind,
                "params": plain,
                "url": url,
                "event": event[:200],
                "created_at": now,
                "mail": mail,
                "mail_attempts": 0,
            }
        )
    # Two ticks (or a retried request) telling the same event insert nothing twice.
    statement = conflict_insert(Notification).values(rows).on_conflict_do_nothing().returning(Notification.id)
    # Counted from what came back: drivers differ in the row count they give a multi-row insert.
    return len(db.session.execute(statement).all())


def _preferences_of_all(users: dict[int, User]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for row in db.session.execute(
        db.select(NotificationPreference).where(NotificationPreference.user_id.in_(list(users)))
    ).scalars():
        found.setdefault(row.user_id, {})[row.kind] = row.mode
    return found


def preferences_of(user: User) -> dict[str, str]:
    return _preferences_of_all({user.id: user}).get(user.id, {})


def set_preferences(user: User, modes: dict[str, str]) -> None:
    """``user``'s e-mail choice per kind; a mandatory kind cannot be turned off."""
    known = registry().notification_kinds
    for key, mode in modes.items():
        if key not in known:
            raise ValidationFailed.field(key, _("is not a kind of notification"))
        if mode not in MODES:
            raise ValidationFailed.field(key, _("must be one of %(known)s", known=", ".join(MODES)))
        if mode == OFF and known[key].mandatory:
            raise ValidationFailed.field(key, _("cannot be turned off: it asks for your signature"))
    current = {row.kind: row for row in _preference_rows(user)}
    for key, mode in modes.items():
        if key in current:
            current[key].mode = mode
        else:
            db.session.add(NotificationPreference(user_id=user.id, kind=key, mode=mode))
    db.session.flush()


def _preference_rows(user: User) -> list[NotificationPreference]:
    return list(db.session.execute(db.select(NotificationPreference).filter_by(user_id=user.id)).scalars())


# Reading ---------------------------------------------------------------------------------


def texts(notification: Notification, locale: str | None = None) -> tuple[str, str]:
    """The notification's subject and message in ``locale`` (the recipient's by default)."""
    kind = registry().notification_kinds.get(notification.kind)
    if kind is None:
        # Its plugin is gone: the record is still there to open.
        return notification.kind, ""
    locale = locale or notification.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        try:
            return str(kind.subject) % notification.params, str(kind.message) % notification.params
        except (KeyError, TypeError, ValueError):
            return str(kind.title), ""


def recent(user: User, limit: int = 50, *, unread_only: bool = False, offset: int = 0) -> list[Notification]:
    query = db.select(Notification).filter_by(user_id=user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.execute(query.order_by(Notification.id.desc()).offset(offset).limit(limit)).scalars())


def count(user: User) -> int:
    return db.session.execute(
        db.select(db.func.count()).select_from(Notification).filter_by(user_id=user.id)
    ).scalar_one()


def unread_count(user: User) -> int:
    return db.session.execute(
        db.select(db.func.count())
        .select_from(Notification)
        .filter_by(user_id=user.id)
        .where(Notification.read_at.is_(None))
    ).scalar_one()


def notification_of(user: User, notification_id: int) -> Notification:
    """One of ``user``'s notifications (someone else's is not there for them)."""
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user.id:
        raise NotFound(_("There is no notification %(notification_id)s.", notification_id=notification_id))
    return found


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of ``user``'s notifications read, or all of them; how many changed."""
    query = db.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        notification_of(user, notification_id)
        query = query.where(Notification.id == notification_id)
    return db.session.execute(query.values(read_at=utcnow())).rowcount or 0
