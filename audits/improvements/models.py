from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audits.models import AuditItem, Evidence
from core.accounts.models import Department, Site, User
from core.clock import utcnow
from core.database import Model, partial_index


class Stage(StrEnum):
    PLAN = "plan"
    DO = "do"
    CHECK = "check"
    ACT = "act"
    CLOSED = "closed"
    # Not taken up (a manager's decision), or withdrawn because the finding behind it was revised.
    REJECTED = "rejected"


OPEN_STAGES = (Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT)
WATCHED_WHERE = "source IN ('red_kpi', 'servqual_gap')"


class Source(StrEnum):
    AUDIT_OBSERVATION = "audit_observation"
    AUDIT_OFI = "audit_ofi"
    SUGGESTION = "suggestion"
    SERVQUAL_GAP = "servqual_gap"
    RED_KPI = "red_kpi"
    REVIEW = "review"
    MANUAL = "manual"


class ActionType(StrEnum):
    CORRECTIVE = "corrective"
    PREVENTIVE = "preventive"
    IMPROVEMENT = "improvement"


class Method(StrEnum):
    PDCA = "pdca"
    DMAIC = "dmaic"


class Phase(StrEnum):
    DEFINE = "define"
    MEASURE = "measure"
    ANALYSE = "analyse"
    IMPROVE = "improve"
    CONTROL = "control"


class Improvement(Model):
    """One opportunity for improvement, from where it was seen to its result.

    A DMAIC project is the same record with ``method = "dmaic"``: its phase, the defect it
    counts and the counts before (baseline) and after (current) the change."""

    __tablename__ = "improvement"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(24), index=True)
    # Where it was seen: ``IA-…#item-<id>``, ``metric:<key>/<site>/<period>``, a review's reference.
    source_ref: Mapped[str | None] = mapped_column(String(300), index=True)
    audit_item_id: Mapped[int | None] = mapped_column(ForeignKey("audit_item.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    stage: Mapped[str] = mapped_column(String(16), default=Stage.PLAN.value, index=True)
    # Why it was closed or rejected (the trail keeps every earlier reason).
    stage_reason: Mapped[str | None] = mapped_column(Text)
    action_type: Mapped[str] = mapped_column(String(16), default=ActionType.IMPROVEMENT.value)
    expected_benefit: Mapped[str | None] = mapped_column(Text)
    actions: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    closed_at: Mapped[datetime | None]
    method: Mapped[str] = mapped_column(String(8), default=Method.PDCA.value)
    phase: Mapped[str | None] = mapped_column(String(16))
    # A metric key (then the control phase watches its series) or the defect in words.
    defect_metric: Mapped[str | None] = mapped_column(String(200))
    opportunities: Mapped[int | None]
    baseline_defects: Mapped[int | None]
    baseline_units: Mapped[int | None]
    current_defects: Mapped[int | None]
    current_units: Mapped[int | None]
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    audit_item: Mapped[AuditItem | None] = relationship()
    # The records that show the result: photos, measurements, the changed form.
    evidence: Mapped[list[Evidence]] = relationship(
        primaryjoin="Evidence.improvement_id == Improvement.id", order_by="Evidence.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        # One improvement per audit finding, however often its result is recorded again.
        partial_index(
            "uq_improvement_audit_item",
            "audit_item_id",
            unique=True,
            where="audit_item_id IS NOT NULL",
        ),
        # What the numbers raise, once per metric, site and month, however many scans run at once.
        partial_index(
            "uq_improvement_watched",
            "source_ref",
            unique=True,
            where=WATCHED_WHERE,
        ),
        UniqueConstraint("year", "sequence"),
        Index("ix_improvement_raised_at", "raised_at", "id"),
    )

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def is_dmaic(self) -> bool:
        return self.method == Method.DMAIC

    def __repr__(self) -> str:
        return f"<Improvement {self.reference} {self.stage}>"
