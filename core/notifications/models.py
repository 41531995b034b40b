from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.clock import utcnow
from core.database import Model


class MailState:
    NONE = "none"  # not by e-mail: the user turned the kind off, or has no address
    PENDING = "pending"  # to send at the next tick (or its retry time)
    SENDING = "sending"  # claimed by a tick; reclaimed if that tick died
    DIGEST = "digest"  # waits for the user's daily digest
    SENT = "sent"
    DIGESTED = "digested"  # sent in a daily digest
    FAILED = "failed"  # gave up after the retries; the administration page says why


class Notification(Model):
    """One event for one person: shown in the app, and mailed as they chose."""

    __tablename__ = "notification"
    # A message about a record, not a quality record: the record's own events are in the trail.
    __trailed__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(String(500))
    # What happened, as the sender names it (e.g. "submitted:17:2"): one notification per user and event.
    event: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    mail: Mapped[str] = mapped_column(String(16), default=MailState.NONE)
    mail_attempts: Mapped[int] = mapped_column(default=0)
    mail_next_at: Mapped[datetime | None]
    mail_error: Mapped[str | None] = mapped_column(Text)
    mail_sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "event"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_mail", "mail", "mail_next_at"),
    )


class NotificationPreference(Model):
    """How a user wants one kind by e-mail: immediately, in a daily digest, or not at all."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
