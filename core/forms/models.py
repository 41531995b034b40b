from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import Department, Site, User
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
        # Who reads a submission's trail is "its site or who submitted it" (and so for its survey
        # follow-ups): without these the trail page read every submission of every site.
        Index("ix_form_submission_site_id", "site_id"),
        Index("ix_form_submission_submitted_by_id", "submitted_by_id"),
    )

    def __repr__(self) -> str:
        return f"<FormSubmission {self.form_key} #{self.id}>"


class FormSchedule(Model):
    """A form to fill in at a site on a rhythm, by a person or by the department's people."""

    __tablename__ = "form_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    form_key: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    frequency: Mapped[str] = mapped_column(String(16))
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    day_of_month: Mapped[int | None]
    # Nobody named: anyone of the department at the site may fill it in.
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def shown_title(self) -> str:
        """The title in the reader's language when it is its form's title.

        A schedule given no name of its own stores its form's title in the language
        its maker read; a reader of another language gets the form's title in theirs.
        A name someone typed is shown as typed.
        """
        # Imported here: the registry loads the plugins, whose forms use these models.
        from core.i18n import in_every_language
        from core.plugin_engine.manager import registry

        definition = registry().forms.get(self.form_key)
        if definition is None or self.title not in in_every_language(lambda: str(definition.title)).values():
            return self.title
        return str(definition.title)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    row_version: Mapped[int] = mapped_column(default=1)

    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    __mapper_args__ = {"version_id_col": row_version}

    def __repr__(self) -> str:
        return f"<FormSchedule {self.form_key} #{self.id}>"


class FormDue(Model):
    """One occurrence of a form schedule: the form is due at the site that day, until a
    submission of it there closes it."""

    __tablename__ = "form_due"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("form_schedule.id", ondelete="CASCADE"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    form_key: Mapped[str] = mapped_column(String(100))
    occurs_on: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("form_submission.id"))
    done_at: Mapped[datetime | None]

    schedule: Mapped[FormSchedule] = relationship()
    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    submission: Mapped[FormSubmission | None] = relationship()

    # One due per schedule and day, however many ticks create it; the tasks and the
    # submission that closes one look for the open ones of a site, earliest first.
    __table_args__ = (
        UniqueConstraint("schedule_id", "occurs_on"),
        Index("ix_form_due_site_state_occurs_on", "site_id", "state", "occurs_on"),
    )

    @property
    def reference(self) -> str:
        return f"FD-{self.id}"

    def __repr__(self) -> str:
        return f"<FormDue {self.form_key} {self.occurs_on} #{self.id}>"


class SurveyFollowUp(Model):
    """A customer's low score on a survey, to be followed up by the head of a department at the
    site within days (``Form.follow_up``); open until its outcome is recorded on it."""

    __tablename__ = "survey_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("form_submission.id"), unique=True)
    form_key: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    # The ratings that were low, by field key: what the head asks the customer about.
    low_ratings: Mapped[dict] = mapped_column(JSON)
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None while open; then one of core.forms.labels.RESULTS.
    result: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime | None]
    row_version: Mapped[int] = mapped_column(default=1)

    submission: Mapped[FormSubmission] = relationship()
    site: Mapped[Site] = relationship()
    department: Mapped[Department] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])

    __mapper_args__ = {"version_id_col": row_version}
    # A head's open follow-ups, earliest due first, are read on every page (the task count).
    __table_args__ = (Index("ix_survey_follow_up_open", "department_id", "site_id", "result", "due_on"),)

    @property
    def is_open(self) -> bool:
        return self.result is None

    @property
    def reference(self) -> str:
        return f"FU-{self.id}"

    def __repr__(self) -> str:
        return f"<SurveyFollowUp {self.form_key} #{self.id}>"
