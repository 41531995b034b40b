"""Audit programme, audits with their checklist snapshots, nonconformities,
corrective actions and evidence files."""

import json
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Department, Site, User
from core.clock import utcnow
from core.database import Model, iso_utc, partial_index
from core.i18n import in_reader_language
from core.plugin_engine.types import SCALE_MAXIMUM

if TYPE_CHECKING:
    # The recurring checks' models import this module (their photos are evidence).
    from audits.inspections.models import InspectionItem


class KeepsLanguages:
    """A record holding texts copied from a plugin (or built from them) in every
    installed language: its text columns keep the instance's default language
    (what signatures and the trail cover), ``translations`` the others
    (``{"zh_CN": {"text": …}}``), and :meth:`shown` picks the reader's.
    """

    translations: Mapped[dict | None] = mapped_column(JSON)
    # Derived from the catalogs at the time of copying; the default-language columns are what the trail keeps.
    __trail_ignore__ = frozenset({"translations"})

    def shown(self, field: str) -> str:
        return in_reader_language(self.translations, field, getattr(self, field) or "")

    # For the API's schemas, which name attributes.
    shown_text = property(lambda self: self.shown("text"))
    shown_reference = property(lambda self: self.shown("reference"))
    shown_guidance = property(lambda self: self.shown("guidance"))
    shown_title = property(lambda self: self.shown("title"))


class AuditState(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Result(StrEnum):
    CONFORMING = "conforming"
    MINOR_NC = "minor_nc"
    MAJOR_NC = "major_nc"
    OBSERVATION = "observation"
    OFI = "ofi"
    NOT_APPLICABLE = "not_applicable"


NC_RESULTS = {Result.MINOR_NC.value: "minor", Result.MAJOR_NC.value: "major"}


class NcState(StrEnum):
    OPEN = "open"
    CONTAINED = "contained"
    ROOT_CAUSE_IDENTIFIED = "root_cause_identified"
    ACTIONS_PLANNED = "actions_planned"
    VERIFYING = "verifying"
    CLOSED = "closed"
    # Only for an NC an audit raised whose finding was revised before anyone
    # worked on it: the record stays (the trail shows why) but counts nowhere.
    CANCELLED = "cancelled"


class ActionState(StrEnum):
    OPEN = "open"
    DONE = "done"
    VERIFIED_EFFECTIVE = "verified_effective"
    INEFFECTIVE = "ineffective"


SEVERITIES = ("minor", "major")


def _canonical(data) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ProgrammeEntry(Model):
    """One line of a site's yearly audit programme: a department audited in a month."""

    __tablename__ = "audit_programme_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    month: Mapped[int]
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    area: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    audits: Mapped[list["Audit"]] = relationship(back_populates="programme_entry")

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        UniqueConstraint("site_id", "year", "department_id", "month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
        Index("ix_audit_programme_entry_site_year", "site_id", "year"),
    )


class AuditDepartment(Model):
    __tablename__ = "audit_department"

    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True)

    department: Mapped[Department] = relationship(lazy="joined")


class AuditAuditor(Model):
    __tablename__ = "audit_auditor"

    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)

    user: Mapped[User] = relationship(lazy="joined")

    # The audits a person is on, for the audit list's window of them.
    __table_args__ = (Index("ix_audit_auditor_user_audit", "user_id", "audit_id"),)


class Audit(Model):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    scope: Mapped[str] = mapped_column(Text, default="")
    # Procedure codes as planned; ``criteria_revisions`` fixes, when the audit
    # starts, which revision of each was in force on the audit date.
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    criteria_revisions: Mapped[dict] = mapped_column(JSON, default=dict)
    checklist_keys: Mapped[list] = mapped_column(JSON, default=list)
    lead_auditor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    planned_date: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(16), default=AuditState.PLANNED.value, index=True)
    programme_entry_id: Mapped[int | None] = mapped_column(ForeignKey("audit_programme_entry.id"), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    conclusion: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    lead_auditor: Mapped[User] = relationship(foreign_keys=[lead_auditor_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    department_rows: Mapped[list[AuditDepartment]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    auditor_rows: Mapped[list[AuditAuditor]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    programme_entry: Mapped[ProgrammeEntry | None] = relationship(back_populates="audits")
    checklists: Mapped[list["AuditChecklist"]] = relationship(
        back_populates="audit", order_by="AuditChecklist.position", cascade="all, delete-orphan"
    )
    items: Mapped[list["AuditItem"]] = relationship(
        back_populates="audit", order_by="AuditItem.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        # The audit list's windows: a site's audits and a lead auditor's, newest planned first.
        Index("ix_audit_site_planned", "site_id", "planned_date", "id"),
        Index("ix_audit_lead_planned", "lead_auditor_id", "planned_date", "id"),
    )

    @property
    def departments(self) -> list[Department]:
        return sorted((row.department for row in self.department_rows), key=lambda d: d.code)

    @property
    def department_codes(self) -> list[str]:
        return [d.code for d in self.departments]

    @property
    def auditors(self) -> list[User]:
        return sorted((row.user for row in self.auditor_rows), key=lambda u: u.login)

    @property
    def team(self) -> list[User]:
        return [self.lead_auditor] + [u for u in self.auditors if u.id != self.lead_auditor_id]

    def result_counts(self) -> dict[str, int]:
        counts = {result.value: 0 for result in Result}
        counts["unanswered"] = 0
        for item in self.items:
            counts[item.result or "unanswered"] += 1
        return counts

    @property
    def progress(self) -> tuple[int, int]:
        return sum(1 for item in self.items if item.result), len(self.items)

    def signable_content(self) -> bytes:
        """What the lead auditor's report signature vouches for: the plan, the
        findings item by item, and the report text (not the later state)."""
        return _canonical(
            {
                "reference": self.reference,
                "title": self.title,
                "site": self.site.code,
                "departments": self.department_codes,
                "scope": self.scope,
                "criteria": self.criteria,
                "criteria_revisions": self.criteria_revisions,
                "planned_date": self.planned_date.isoformat(),
                "lead_auditor": self.lead_auditor.login,
                "auditors": [u.login for u in self.auditors],
                "items": [
                    {
                        "checklist": item.checklist.key,
                        "question": item.question_key,
                        "text": item.text,
                        "result": item.result,
                        "note": item.note or "",
                        "evidence": sorted(e.sha256 for e in item.evidence),
                    }
                    for item in self.items
                ],
                "summary": self.summary or "",
                "conclusion": self.conclusion or "",
            }
        )

    def __repr__(self) -> str:
        return f"<Audit {self.reference} {self.state}>"


class AuditChecklist(KeepsLanguages, Model):
    """A checklist as it was when the audit started (the plugin may change or go)."""

    __tablename__ = "audit_checklist"
    # Its trail events keep its audit's site (who may read them).
    __trail_site__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    version: Mapped[int]
    plugin: Mapped[str] = mapped_column(String(100))
    area: Mapped[str] = mapped_column(String(32), default="")
    # Scoring as the checklist defined it when the audit started (``grades``: not scored).
    scale: Mapped[str] = mapped_column(String(16), default="grades")
    pass_threshold: Mapped[float | None]
    grade_points: Mapped[dict | None] = mapped_column(JSON)
    # [{"key", "title", "weight"}]; the titles in other languages are in ``translations``
    # under ``section:<key>``.
    sections: Mapped[list | None] = mapped_column(JSON)

    audit: Mapped[Audit] = relationship(back_populates="checklists")
    items: Mapped[list["AuditItem"]] = relationship(back_populates="checklist", order_by="AuditItem.position")

    __table_args__ = (UniqueConstraint("audit_id", "key"),)

    @property
    def scored(self) -> bool:
        return self.scale != "grades"

    @property
    def highest_points(self) -> int:
        """The most points an item can be given on this checklist's scale (a percent: 100)."""
        return SCALE_MAXIMUM.get(self.scale, 1)

    def section_title(self, key: str) -> str:
        default = next((s["title"] for s in self.sections or () if s["key"] == key), key)
        return in_reader_language(self.translations, f"section:{key}", default)


class AuditItem(KeepsLanguages, Model):
    """One question of a snapshot checklist and the auditor's response to it."""

    __tablename__ = "audit_item"
    # Its trail events keep its audit's site (who may read them).
    __trail_site__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audit.id", ondelete="CASCADE"), index=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("audit_checklist.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    question_key: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(Text, default="")
    guidance: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None]
    # Scoring, as the question defined it when the audit started.
    weight: Mapped[float] = mapped_column(default=1)
    section: Mapped[str] = mapped_column(String(100), default="")
    must_pass: Mapped[bool] = mapped_column(default=False)
    # What the auditor gave on a points or percent scale; without it the grade decides.
    points: Mapped[float | None]
    row_version: Mapped[int] = mapped_column(default=1)

    audit: Mapped[Audit] = relationship(back_populates="items")
    checklist: Mapped[AuditChecklist] = relationship(back_populates="items")
    answered_by: Mapped[User | None] = relationship()
    evidence: Mapped[list["Evidence"]] = relationship(
        primaryjoin="Evidence.audit_item_id == AuditItem.id", order_by="Evidence.id", viewonly=True
    )
    nonconformity: Mapped["Nonconformity | None"] = relationship(
        primaryjoin="Nonconformity.audit_item_id == AuditItem.id", viewonly=True, uselist=False
    )

    __mapper_args__ = {"version_id_col": row_version}

    @property
    def anchor(self) -> str:
        return f"item-{self.id}"


class Nonconformity(KeepsLanguages, Model):
    __tablename__ = "nonconformity"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    # audit, complaint, metric, manual or plugin:<name>; ``source_ref`` points
    # at the record (an audit item, a form submission, metric/site/period).
    source: Mapped[str] = mapped_column(String(80), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id"), index=True)
    audit_item_id: Mapped[int | None] = mapped_column(ForeignKey("audit_item.id"))
    severity: Mapped[str] = mapped_column(String(8))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(24), default=NcState.OPEN.value, index=True)
    containment: Mapped[str | None] = mapped_column(Text)
    root_cause: Mapped[dict | None] = mapped_column(JSON)
    # Indexed: the NCs one raised are part of what one may read, looked up by person (dashboard).
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    contained_at: Mapped[datetime | None]
    root_cause_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    raised_by: Mapped[User | None] = relationship(foreign_keys=[raised_by_id])
    audit: Mapped[Audit | None] = relationship()
    audit_item: Mapped[AuditItem | None] = relationship()
    actions: Mapped[list["CorrectiveAction"]] = relationship(
        back_populates="nonconformity", order_by="CorrectiveAction.number"
    )
    evidence: Mapped[list["Evidence"]] = relationship(
        primaryjoin="Evidence.nonconformity_id == Nonconformity.id", order_by="Evidence.id", viewonly=True
    )
    rechecks: Mapped[list["Recheck"]] = relationship(
        primaryjoin="Recheck.nonconformity_id == Nonconformity.id", order_by="Recheck.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        # One NC per audit finding, whatever the code does: editing a result
        # reuses it instead of raising a second one.
        partial_index(
            "uq_nonconformity_audit_item",
            "audit_item_id",
            unique=True,
            where="audit_item_id IS NOT NULL",
        ),
        UniqueConstraint("year", "sequence"),
        # The NC list's order: its first page without sorting every NC.
        Index("ix_nonconformity_raised_at", "raised_at", "id"),
        # The NC list's windows of a reader's rule: their site's, and the NCs they raised or own.
        Index("ix_nonconformity_site_raised_at", "site_id", "raised_at", "id"),
        Index("ix_nonconformity_raised_by_raised_at", "raised_by_id", "raised_at", "id"),
        Index("ix_nonconformity_owner_raised_at", "owner_id", "raised_at", "id"),
        # The NCs one owns that wait for their next step (the inbox): by state, not all one owns.
        Index("ix_nonconformity_owner_state_due", "owner_id", "state", "due_date", "id"),
    )

    @property
    def root_cause_method(self) -> str | None:
        return (self.root_cause or {}).get("method")

    @property
    def is_open(self) -> bool:
        return self.state not in (NcState.CLOSED, NcState.CANCELLED)

    @property
    def live_actions(self) -> "list[CorrectiveAction]":
        """Actions that still count (an ineffective one stays on record only)."""
        return [a for a in self.actions if a.state != ActionState.INEFFECTIVE]

    def __repr__(self) -> str:
        return f"<Nonconformity {self.reference} {self.state}>"


class CorrectiveAction(Model):
    __tablename__ = "corrective_action"
    # Its trail events keep its nonconformity's site (who may read them).
    __trail_site__ = "nonconformity"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("nonconformity.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(24), default=ActionState.OPEN.value, index=True)
    completion_note: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verification_note: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    nonconformity: Mapped[Nonconformity] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    evidence: Mapped[list["Evidence"]] = relationship(
        primaryjoin="Evidence.action_id == CorrectiveAction.id", order_by="Evidence.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (
        UniqueConstraint("nonconformity_id", "number"),
        Index("ix_corrective_action_state_due", "state", "due_date", "id"),
        Index("ix_corrective_action_owner_state_due", "owner_id", "state", "due_date", "id"),
        # An NC's actions in one state: the dashboard's done actions of the NCs a reader may read.
        Index("ix_corrective_action_nc_state", "nonconformity_id", "state"),
        # The NCs one owns an action of (what one may read), without reading the actions' rows.
        Index("ix_corrective_action_owner_nc", "owner_id", "nonconformity_id"),
    )

    @property
    def label(self) -> str:
        return f"{self.nonconformity.reference}/A{self.number}"

    def signable_content(self) -> bytes:
        """What a ``verified-effective`` signature vouches for: the action as done."""
        return _canonical(
            {
                "nonconformity": self.nonconformity.reference,
                "action": self.number,
                "description": self.description,
                "owner": self.owner.login,
                "due_date": self.due_date.isoformat(),
                "completion_note": self.completion_note or "",
                "completed_at": iso_utc(self.completed_at) if self.completed_at else None,
                "evidence": sorted(e.sha256 for e in self.evidence),
            }
        )


class Evidence(Model):
    """An uploaded file: the bytes live in the content-addressed file store."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Which audit the file belongs to (for the evidence pack), whatever it is attached to.
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id"), index=True)
    audit_item_id: Mapped[int | None] = mapped_column(ForeignKey("audit_item.id"), index=True)
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformity.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("corrective_action.id"), index=True)
    # A photo taken on a recurring check's point.
    inspection_item_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_item.id"), index=True)
    # A record of an improvement's result (the register's table comes from the improvements branch).
    improvement_id: Mapped[int | None] = mapped_column(ForeignKey("improvement.id"), index=True)

    uploaded_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN audit_item_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN nonconformity_id IS NULL THEN 0 "
            "ELSE 1 END) + (CASE WHEN action_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN inspection_item_id IS NULL "
            "THEN 0 ELSE 1 END) + (CASE WHEN improvement_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
    )

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


class RecheckState(StrEnum):
    DUE = "due"
    PASSED = "passed"
    FAILED = "failed"


class Recheck(KeepsLanguages, Model):
    """The closed loop: once an NC an audit raised is closed, its checklist point is checked
    again where it was found — in the next audit of that department at the site, or the next
    recurring check of the same checklist there. A failed re-check reopens the NC."""

    __tablename__ = "recheck"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonconformity_id: Mapped[int] = mapped_column(ForeignKey("nonconformity.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    checklist_key: Mapped[str] = mapped_column(String(100))
    question_key: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=RecheckState.DUE.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where it is (or was) checked: a point of an audit or of a recurring check.
    audit_item_id: Mapped[int | None] = mapped_column(ForeignKey("audit_item.id"), index=True)
    inspection_item_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_item.id"), index=True)
    checked_at: Mapped[datetime | None]
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    row_version: Mapped[int] = mapped_column(default=1)

    nonconformity: Mapped[Nonconformity] = relationship()
    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    audit_item: Mapped[AuditItem | None] = relationship()
    inspection_item_of: Mapped["InspectionItem | None"] = relationship("InspectionItem")
    checked_by: Mapped[User | None] = relationship()

    @property
    def checked_in(self) -> str | None:
        """The reference of the audit or the recurring check that decided it."""
        if self.audit_item is not None:
            return self.audit_item.audit.reference
        if self.inspection_item_id is not None:
            return f"IN-{self.inspection_item_of.inspection_id}"
        return None

    __mapper_args__ = {"version_id_col": row_version}
    __table_args__ = (Index("ix_recheck_site_department_state", "site_id", "department_id", "state"),)
