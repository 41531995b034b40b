import json
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Site, User
from core.clock import utcnow
from core.database import Model


class ReviewState(StrEnum):
    PLANNED = "planned"
    COMPILED = "compiled"
    # The meeting record and the chair's signature (part 2) freeze the inputs from here on.
    HELD = "held"
    SIGNED = "signed"


class ManagementReview(Model):
    """A management review of one site, or of the group (no site), over a period.

    The inputs compiled from the data are kept as JSON exactly as compiled, with the SHA-256 of
    their canonical form, so that the chair's signature can later cover what was reviewed."""

    __tablename__ = "management_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    planned_date: Mapped[date] = mapped_column(Date, index=True)
    chair_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # Logins, as the API names people; checked against the active users when planned.
    participants: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default=ReviewState.PLANNED.value, index=True)
    inputs: Mapped[dict | None] = mapped_column(JSON)
    compiled_at: Mapped[datetime | None]
    compiled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    inputs_sha256: Mapped[str | None] = mapped_column(String(64))
    # What the data cannot say (9.3.2 b, e; 9.3.2 d 7 until there is a register of providers).
    context_changes: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    external_providers: Mapped[str] = mapped_column(Text, default="")
    # The meeting record (part 2a): logins present, guests, a decision per input section's key.
    present: Mapped[list] = mapped_column(JSON, default=list)
    guests: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[dict] = mapped_column(JSON, default=dict)
    held_at: Mapped[datetime | None]
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site | None] = relationship()
    chair: Mapped[User] = relationship(foreign_keys=[chair_id])
    compiled_by: Mapped[User | None] = relationship(foreign_keys=[compiled_by_id])
    outputs: Mapped[list["ReviewOutput"]] = relationship(back_populates="review", order_by="ReviewOutput.id")

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (UniqueConstraint("year", "sequence"),)

    def __repr__(self) -> str:
        return f"<ManagementReview {self.reference} {self.state}>"

    def signable_content(self) -> bytes:
        """What the chair's signature vouches for: the review's plan, the inputs as compiled (by
        their hash) and as written, the meeting record and the outputs decided (not their later
        progress, which the next review reports)."""
        record = {
            "reference": self.reference,
            "site": self.site.code if self.site else None,
            "period": [self.period_from.isoformat(), self.period_to.isoformat()],
            "planned_date": self.planned_date.isoformat(),
            "chair": self.chair.login,
            "participants": list(self.participants or []),
            "inputs_sha256": self.inputs_sha256,
            "context_changes": self.context_changes,
            "resources": self.resources,
            "external_providers": self.external_providers,
            "present": list(self.present or []),
            "guests": self.guests,
            "decisions": self.decisions or {},
            "outputs": [
                [
                    output.kind,
                    output.record_reference,
                    output.title,
                    output.description,
                    output.owner.login if output.owner else None,
                    output.due_date.isoformat() if output.due_date else None,
                ]
                for output in self.outputs
            ],
        }
        return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class OutputKind(StrEnum):
    IMPROVEMENT = "improvement"
    OBJECTIVE = "objective"
    NONCONFORMITY = "nonconformity"


class ReviewOutput(Model):
    """An output of a review (9.3.3), created as a tracked record and linked back to it."""

    __tablename__ = "management_review_output"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("management_review.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int]
    record_reference: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    review: Mapped[ManagementReview] = relationship(back_populates="outputs")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
