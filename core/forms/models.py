from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Site, User
from core.clock import utcnow
from core.database import Model


class FormVersion(Model):
    """A form definition as it was when the first submission of that version arrived.

    Plugins only ever offer their current definition; stored submissions keep
    pointing at the definition they were validated against, so a new version
    never makes an old submission unreadable.
    """

    __tablename__ = "form_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[dict] = mapped_column(JSON)
    definition_sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("form_key", "version"),)

    def __repr__(self) -> str:
        return f"<FormVersion {self.form_key} v{self.version}>"


class FormSubmission(Model):
    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[int]
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_version.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    # The month it was submitted in (YYYY-MM): computed metrics read a period's submissions.
    period: Mapped[str] = mapped_column(String(7))
    data: Mapped[dict] = mapped_column(JSON)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()
    submitted_by: Mapped[User] = relationship()
    definition: Mapped[FormVersion] = relationship()

    __table_args__ = (
        Index("ix_form_submission_key_site_period", "form_key", "site_id", "period"),
        Index("ix_form_submission_key_submitted_at", "form_key", "submitted_at"),
    )

    def __repr__(self) -> str:
        return f"<FormSubmission {self.form_key} #{self.id}>"
