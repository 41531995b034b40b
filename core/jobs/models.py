"""The background job table."""

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.clock import utcnow
from core.database import Model


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# How a job's state reads on its page and in the messages about it.
STATE_LABELS = {
    JobState.QUEUED.value: _l("waiting to start"),
    JobState.RUNNING.value: _l("running"),
    JobState.DONE.value: _l("done"),
    JobState.FAILED.value: _l("failed"),
}

UNFINISHED = (JobState.QUEUED.value, JobState.RUNNING.value)


class Job(Model):
    """One piece of work done outside a web request (an evidence pack).

    Not trailed: a job is an operational record, not a quality record. Its
    progress is written many times a second by a worker; trailing those
    writes would flood the hash chain and make every progress tick wait for
    the trail's lock, and purging old jobs would leave delete events behind.
    What a job produces (a pack) carries its own manifest and trail extract.
    """

    __tablename__ = "job"
    __trailed__ = False

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED.value)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    result_name: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The process doing the work (the process group a watchdog kills) and
    # the machine it runs on: a pid means nothing on another app server.
    pid: Mapped[int | None]
    host: Mapped[str | None] = mapped_column(String(255))

    created_by: Mapped[User] = relationship()

    __table_args__ = (
        Index("ix_job_created_by_created_at", "created_by_id", "created_at"),
        Index("ix_job_state", "state"),
    )

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE.value, JobState.FAILED.value)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state}>"
