"""The records of public intake: one-time survey links, complaint numbering, and the
attempts counted for rate limiting."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Site
from core.clock import utcnow
from core.database import Model
from core.forms.models import FormSubmission


class SurveyToken(Model):
    """A one-time link for one survey answer about one transaction (a delivery, a repair order).

    The token is kept as issued, not hashed: staff reprint the QR code from the
    transaction's page, and a token opens nothing but one survey of that transaction.
    """

    __tablename__ = "survey_token"
    # The trail says a link was made and used, not what it is: it opens a survey.
    __trail_secret__ = frozenset({"token"})

    id: Mapped[int] = mapped_column(primary_key=True)
    # secrets.token_urlsafe(24): 192 random bits.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    form_key: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    # The delivery or repair order the answer will be about.
    source_submission_id: Mapped[int] = mapped_column(ForeignKey("form_submission.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # The survey answer it was used for.
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("form_submission.id"))

    site: Mapped[Site] = relationship()
    source: Mapped[FormSubmission] = relationship(foreign_keys=[source_submission_id])
    answer: Mapped[FormSubmission | None] = relationship(foreign_keys=[answer_id])

    def __repr__(self) -> str:
        return f"<SurveyToken {self.form_key} for #{self.source_submission_id}>"


class ComplaintNumber(Model):
    """The last complaint number given at a site in a year: ``CP-SH01-2026-0001`` counts up from here."""

    __tablename__ = "complaint_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("site_id", "year"),)


class IntakeAttempt(Model):
    """A post to a public page, for rate limiting. A security log like ``LoginAttempt``, not a
    domain record: not in the audit trail, and forgotten after a day."""

    __tablename__ = "intake_attempt"
    __trailed__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    # The token's id for a survey link; None on the site's pages.
    token_id: Mapped[int | None]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        Index("ix_intake_attempt_remote_addr_at", "remote_addr", "at"),
        Index("ix_intake_attempt_token_id_at", "token_id", "at"),
    )
