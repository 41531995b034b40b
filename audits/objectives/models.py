from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Department, Site, User
from core.clock import utcnow
from core.database import Model


class Objective(Model):
    """A quality objective of a department at a site, of a whole site (no department), or of the
    group (no site). Measured by a KPI (``metric_key``) or by hand (``measure`` and the updates)."""

    __tablename__ = "quality_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    title: Mapped[str] = mapped_column(String(300))
    # Why: the policy statement, risk or finding it answers.
    why: Mapped[str] = mapped_column(Text, default="")
    metric_key: Mapped[str | None] = mapped_column(String(100))
    # A measure taken by hand when no KPI fits ("share of staff certified").
    measure: Mapped[str | None] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(32), default="")
    direction: Mapped[str] = mapped_column(String(8), default="higher")
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    starts_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The plan (ISO 9001 6.2.2): what will be done, with what, by whom, by when.
    plan_what: Mapped[str] = mapped_column(Text, default="")
    plan_resources: Mapped[str] = mapped_column(Text, default="")
    plan_who: Mapped[str] = mapped_column(Text, default="")
    plan_when: Mapped[str] = mapped_column(Text, default="")
    # active, or ended: withdrawn (with the reason in the trail).
    state: Mapped[str] = mapped_column(String(16), default="active")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site | None] = relationship()
    department: Mapped[Department | None] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    updates: Mapped[list["ObjectiveUpdate"]] = relationship(
        back_populates="objective", order_by="ObjectiveUpdate.period.desc()", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def reference(self) -> str:
        return f"OBJ-{self.id}"

    @property
    def shown_unit(self) -> str:
        """The unit in the reader's language: a KPI's as its plugin says it now (``unit`` keeps
        it in the language of whoever set the objective), a measure's as it was written."""
        from core.plugin_engine.manager import registry

        metric = registry().metrics.get(self.metric_key) if self.metric_key else None
        return str(metric.unit) if metric is not None else self.unit


class ObjectiveUpdate(Model):
    """The owner's word on a month: the value of a measure kept by hand, and how it goes."""

    __tablename__ = "quality_objective_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("quality_objective.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(7))
    value: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    objective: Mapped[Objective] = relationship(back_populates="updates")
    by: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("objective_id", "period"),)
