"""The imported checklist libraries: one row per version of a checklist a quality officer imported."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.clock import utcnow
from core.database import Model


class ChecklistVersion(Model):
    """One version of an imported checklist, as it was imported: never changed afterwards.

    ``content`` is the canonical form of the file (``core.checklists.format``), whatever
    type it came in; audits started on this version keep their own copy of its questions,
    so retiring it (``retired_at``) only stops new audits and checks from using it.
    """

    __tablename__ = "checklist_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[dict] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_filename: Mapped[str] = mapped_column(String(255))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    retired_at: Mapped[datetime | None]

    imported_by: Mapped[User | None] = relationship(foreign_keys=[imported_by_id])
    retired_by: Mapped[User | None] = relationship(foreign_keys=[retired_by_id])

    __table_args__ = (UniqueConstraint("key", "version"),)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    @property
    def questions_count(self) -> int:
        return len(self.content.get("questions") or [])

    def __repr__(self) -> str:
        return f"<ChecklistVersion {self.key} v{self.version}>"
