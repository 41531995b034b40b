from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audits.models import Evidence, KeepsLanguages
from core.accounts.models import Department, Site, User
from core.clock import utcnow
from core.database import Model


class InspectionSchedule(KeepsLanguages, Model):
    """A checklist to go through at a site on a rhythm, by a person or by the department's people."""

    __tablename__ = "inspection_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    checklist_key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    frequency: Mapped[str] = mapped_column(String(16))
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    day_of_month: Mapped[int | None]
    # Nobody named: anyone of the department at the site may do it.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    __mapper_args__ = {"version_id_col": row_version}


class Inspection(KeepsLanguages, Model):
    """One occurrence of a schedule: its checklist as it was that day, and the results."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("inspection_schedule.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    title: Mapped[str] = mapped_column(String(300))
    checklist_key: Mapped[str] = mapped_column(String(100))
    checklist_version: Mapped[int]
    occurs_on: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(default=1)

    schedule: Mapped[InspectionSchedule] = relationship()
    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    items: Mapped[list["InspectionItem"]] = relationship(
        back_populates="inspection", order_by="InspectionItem.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}
    # One inspection per schedule and day, however many ticks create it.
    __table_args__ = (
        UniqueConstraint("schedule_id", "occurs_on"),
        Index("ix_inspection_site_state_occurs_on", "site_id", "state", "occurs_on"),
    )

    @property
    def reference(self) -> str:
        return f"IN-{self.id}"


class InspectionItem(KeepsLanguages, Model):
    __tablename__ = "inspection_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    question_key: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    guidance: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    inspection: Mapped[Inspection] = relationship(back_populates="items")
    evidence: Mapped[list[Evidence]] = relationship(
        primaryjoin="Evidence.inspection_item_id == InspectionItem.id", order_by="Evidence.id", viewonly=True
    )
