"""E-mail of notifications, sent by ``dealerqms tick`` after the commit, never in a request:
claimed one at a time (two ticks never send one twice), retried with growing delays when the
mail server refuses or is down, given up after the last retry with the reason kept."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMessage, Mail

from core.database import commit, db
from core.notifications.models import MailState, Notification
from core.notifications.services import texts
from core.paths import path_for

log = logging.getLogger("dealerqms.mail")

mail = Mail()

# Minutes to wait before each retry; after the last the message is given up (FAILED).
RETRY_MINUTES = (1, 5, 15, 60, 180, 720)
# A claim older than this belongs to a tick that died: the message is sent again.
STALE_CLAIM = timedelta(minutes=15)
# At most one digest a day per person.
DIGEST_EVERY = timedelta(hours=23)
BATCH = 200


def init_app(app) -> None:
    mail.init_app(app)


def _link(path: str) -> str:
    return current_app.config["DEALERQMS_BASE_URL"].rstrip("/") + path


def _locale(user) -> str:
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def _footer() -> str:
    return _(
        "You get this e-mail from dealerqms. Choose which notifications you get by e-mail, and how often: %(url)s",
        url=_link(path_for("notifications.preferences")),
    )


def message_for(notification: Notification) -> EmailMessage:
    user = notification.user
    subject, message = texts(notification)
    with force_locale(_locale(user)):
        body = "\n\n".join(
            part for part in (message, _("Open it: %(url)s", url=_link(notification.url)), "-- \n" + _footer()) if part
        )
    return EmailMessage(subject=f"[dealerqms] {subject}", body=body, to=[user.email])


def digest_for(user, notifications: list[Notification]) -> EmailMessage:
    with force_locale(_locale(user)):
        lines = [f"- {texts(n)[0]}\n  {_link(n.url)}" for n in notifications]
        subject = _("Your dealerqms digest: %(count)s notifications", count=len(notifications))
        body = "\n\n".join(("\n".join(lines), "-- \n" + _footer()))
    return EmailMessage(subject=f"[dealerqms] {subject}", body=body, to=[user.email])


def _claim(ids: list[int], from_state: str, now: datetime) -> bool:
    """Take ``ids`` for this tick, if no other tick has: committed before anything is sent."""
    claimed = db.session.execute(
        db.update(Notification)
        .where(Notification.id.in_(ids), Notification.mail == from_state)
        .values(mail=MailState.SENDING, mail_next_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    commit()
    return claimed == len(ids)


def _failed(notifications: list[Notification], back_to: str, error: Exception, now: datetime) -> None:
    reason = f"{type(error).__name__}: {error}"[:1000]
    for notification in notifications:
        notification.mail_attempts += 1
        notification.mail_error = reason
        if notification.mail_attempts > len(RETRY_MINUTES):
            notification.mail = MailState.FAILED
            notification.mail_next_at = None
        else:
            notification.mail = back_to
            notification.mail_next_at = now + timedelta(minutes=RETRY_MINUTES[notification.mail_attempts - 1])
    commit()
    log.warning("e-mail to %s not sent (%s); it waits for a retry", notifications[0].user.email, reason)


def _reclaim_stale(now: datetime) -> None:
    db.session.execute(
        db.update(Notification)
        .where(Notification.mail == MailState.SENDING, Notification.mail_next_at < now - STALE_CLAIM)
        .values(mail=MailState.PENDING)
        .execution_options(synchronize_session=False)
    )
    commit()


def send_pending(now: datetime) -> tuple[int, int]:
    """Send the e-mails due; how many went out and how many wait for a retry or failed."""
    _reclaim_stale(now)
    ids = list(
        db.session.execute(
            db.select(Notification.id)
            .where(
                Notification.mail == MailState.PENDING,
                db.or_(Notification.mail_next_at.is_(None), Notification.mail_next_at <= now),
            )
            .order_by(Notification.id)
            .limit(BATCH)
        ).scalars()
    )
    sent = failed = 0
    for notification_id in ids:
        if not _claim([notification_id], MailState.PENDING, now):
            continue
        notification = db.session.get(Notification, notification_id)
        try:
            message_for(notification).send()
        except (smtplib.SMTPException, OSError) as error:
            _failed([notification], MailState.PENDING, error, now)
            failed += 1
            continue
        notification.mail, notification.mail_sent_at, notification.mail_error = MailState.SENT, now, None
        commit()
        sent += 1
    return sent, failed


def send_digests(now: datetime) -> int:
    """One e-mail per person who chose a daily digest and had none in the last day."""
    waiting = db.session.execute(
        db.select(Notification.user_id)
        .where(
            Notification.mail == MailState.DIGEST,
            db.or_(Notification.mail_next_at.is_(None), Notification.mail_next_at <= now),
        )
        .distinct()
    ).scalars()
    sent = 0
    for user_id in list(waiting):
        last = db.session.execute(
            db.select(db.func.max(Notification.mail_sent_at)).where(
                Notification.user_id == user_id, Notification.mail == MailState.DIGESTED
            )
        ).scalar()
        if last is not None and last > now - DIGEST_EVERY:
            continue
        rows = list(
            db.session.execute(
                db.select(Notification)
                .where(Notification.user_id == user_id, Notification.mail == MailState.DIGEST)
                .order_by(Notification.id)
            ).scalars()
        )
        if not rows or not _claim([row.id for row in rows], MailState.DIGEST, now):
            db.session.rollback()
            continue
        rows = [db.session.get(Notification, row.id) for row in rows]
        try:
            digest_for(rows[0].user, rows).send()
        except (smtplib.SMTPException, OSError) as error:
            _failed(rows, MailState.DIGEST, error, now)
            continue
        for row in rows:
            row.mail, row.mail_sent_at, row.mail_error = MailState.DIGESTED, now, None
        commit()
        sent += 1
    return sent


def waiting() -> list[Notification]:
    """What has not gone out yet, or failed: for the administration page."""
    return list(
        db.session.execute(
            db.select(Notification)
            .where(Notification.mail.in_([MailState.PENDING, MailState.SENDING, MailState.FAILED]))
            .order_by(Notification.id)
            .limit(500)
        ).scalars()
    )
