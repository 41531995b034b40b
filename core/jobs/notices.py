"""Telling whoever started a background job that it finished (the ``tick``): a pack of a large
audit takes minutes, and nobody should have to keep its page open."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from core.accounts.models import User
from core.database import commit, db
from core.jobs.models import Job, JobState
from core.notifications.services import notify
from core.paths import path_for
from core.plugin_engine.manager import job_kind
from core.plugin_engine.types import NotificationKind

DONE, FAILED = "core.jobs.done", "core.jobs.failed"
KINDS = [
    NotificationKind(
        key=DONE,
        title=_l("A job you started is done"),
        subject=_l("Your job %(subject)s is done"),
        message=_l("Open it to download the result."),
    ),
    NotificationKind(
        key=FAILED,
        title=_l("A job you started failed"),
        subject=_l("Your job %(subject)s failed"),
        message=_l("Open it to see why, and start it again."),
    ),
]
# Jobs that finished longer ago than this are not announced any more (their results are gone soon).
LOOK_BACK = timedelta(days=1)


def announce_finished(now: datetime) -> list[str]:
    jobs = db.session.execute(
        db.select(Job).where(
            Job.state.in_([JobState.DONE.value, JobState.FAILED.value]), Job.finished_at >= now - LOOK_BACK
        )
    ).scalars()
    told = 0
    for job in jobs:
        kind = job_kind(job.kind)
        # The job's subject (an audit's reference) reads the same in every language.
        subject = (kind.subject(job.params or {}) if kind else "") or job.kind
        told += notify(
            [db.session.get(User, job.created_by_id)],
            DONE if job.state == JobState.DONE.value else FAILED,
            {"subject": subject},
            url=path_for("jobs.view", job_id=job.id),
            event=f"job-finished:{job.id}",
        )
    commit()
    return [f"finished jobs announced: {told}"] if told else []
