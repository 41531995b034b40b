"""The rules of background jobs: submitting one, who may see it, where its result lives,
and reaping jobs whose process is gone (the state changes are in ``core.jobs.states``)."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from core.accounts.models import Role, User
from core.accounts.permissions import Permission, can
from core.clock import utcnow
from core.database import after_commit, db, reset_read_only, set_read_only
from core.errors import Conflict, NotFound, ValidationFailed
from core.jobs.models import STATE_LABELS, UNFINISHED, Job, JobState
from core.jobs.runner import runner_for
from core.jobs.states import (
    job_folder,
    mark_failed,
    process_alive,
    remove_output,
    result_store,
    this_host,
    write_now,
)
from core.plugin_engine.manager import job_kind

log = logging.getLogger("dealerqms.jobs")

GONE = "The job's worker process is gone (it was stopped, or the server restarted); start the job again."


def new_job_id() -> str:
    # Unguessable, so a job's address reveals nothing about other jobs; never
    # starting with "-", so `dealerqms jobs run ID` is not read as an option.
    while True:
        job_id = secrets.token_urlsafe(16)
        if not job_id.startswith("-"):
            return job_id


# Submitting and reading -------------------------------------------------------


def submit(user: User, kind: str, params: dict | None = None) -> Job:
    """A new queued job; its runner starts it once the caller's transaction commits.

    Permission to do the work is the caller's service's to check (an
    evidence pack needs EXPORT_PACK); this only needs a known kind.
    """
    if job_kind(kind) is None:
        raise ValidationFailed.field("kind", _("unknown job kind %(kind)s", kind=kind))
    job = Job(
        id=new_job_id(),
        kind=kind,
        params=dict(params or {}),
        state=JobState.QUEUED.value,
        progress=0,
        created_by_id=user.id,
        created_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    app = current_app._get_current_object()
    job_id = job.id

    def start():
        # After the commit, so the worker process finds the row it is given.
        try:
            runner_for(app).submit(job_id)
        except Exception as error:
            log.exception("could not start job %s", job_id)
            mark_failed(job_id, f"The job could not be started: {error}")
        purge_expired()

    after_commit(start)
    return job


def may_see(user: User, job: Job) -> bool:
    return job.created_by_id == user.id or Role.ADMIN in user.roles


def runs_jobs(user: User) -> bool:
    """Whether ``user`` has jobs to follow ("My jobs" in the menu): who may start the one kind
    the product has (an evidence pack: EXPORT_PACK), and administrators, who see everyone's."""
    return Role.ADMIN in user.roles or can(user, Permission.EXPORT_PACK)


def job_for(user: User, job_id: str) -> Job:
    """The job, for its creator or an administrator; anyone else learns nothing of it (404)."""
    job = db.session.get(Job, job_id) if job_id else None
    if job is None or not may_see(user, job):
        raise NotFound(_("There is no job '%(job_id)s'.", job_id=job_id))
    reap_if_gone(job)
    return job


def recent_jobs(user: User | None = None, limit: int = 50) -> list[Job]:
    """The latest jobs (of ``user`` unless an administrator or None), newest first."""
    query = db.select(Job).order_by(Job.created_at.desc()).limit(limit)
    if user is not None and Role.ADMIN not in user.roles:
        query = query.where(Job.created_by_id == user.id)
    jobs = db.session.execute(query).scalars().all()
    for job in jobs:
        reap_if_gone(job)
    return jobs


def result_file(user: User, job_id: str) -> tuple[Job, Path | BinaryIO]:
    """The job and its result: a file in the job's folder, or a stream from the object store."""
    job = job_for(user, job_id)
    if job.state != JobState.DONE.value:
        raise Conflict(
            _(
                "Job %(number)s is %(state)s; its result can be downloaded once it is done.",
                number=job.id,
                state=STATE_LABELS.get(job.state, job.state),
            )
        )
    removed = NotFound(_("The result of job %(number)s has been removed; start the job again.", number=job.id))
    if not job.result_name:
        raise removed
    store = result_store()
    if store is not None:
        try:
            return job, store.open_result(job.id, job.result_name)
        except NotFound:
            raise removed from None
    path = job_folder(job.id) / job.result_name
    if not path.is_file():
        raise removed
    return job, path


def reap_if_gone(job: Job) -> bool:
    """Fail an unfinished job whose process no longer exists on this machine, or that its runner has lost.

    A pid is checked only on the machine it belongs to; a runner whose
    workers run elsewhere (a queue) answers for them with its ``lost(job)``.
    A queued job without a process yet is left to its runner.
    """
    if job.state not in UNFINISHED:
        return False
    here_and_dead = job.pid is not None and job.host == this_host() and not process_alive(job.pid)
    lost = getattr(runner_for(current_app._get_current_object()), "lost", None)
    if not here_and_dead and not (lost is not None and lost(job)):
        return False
    if not mark_failed(job.id, GONE):
        # It finished after this reader's snapshot was taken (the process ended because the job was
        # done): not gone, and the next read shows how it ended.
        return False
    # The session may hold an older snapshot; show what was just written without dirtying it.
    set_committed_value(job, "state", JobState.FAILED.value)
    set_committed_value(job, "error", GONE)
    set_committed_value(job, "finished_at", utcnow())
    set_committed_value(job, "result_name", None)
    return True


def retention() -> timedelta:
    return timedelta(days=float(current_app.config["JOBS_RETENTION_DAYS"]))


def purge_expired() -> int:
    """Remove the result files of jobs finished longer ago than the retention period.

    The rows stay (who exported what, when); the files go.
    """
    cutoff = utcnow() - retention()
    token = set_read_only(True)
    try:
        with db.engine.connect() as connection:
            expired = (
                connection.execute(db.select(Job.id).where(Job.finished_at < cutoff, Job.result_name.is_not(None)))
                .scalars()
                .all()
            )
            connection.rollback()
    finally:
        reset_read_only(token)
    for job_id in expired:
        remove_output(job_id)
        write_now(
            update(Job)
            .where(Job.id == job_id)
            .values(result_name=None, message="The result was removed after the retention period.")
        )
    return len(expired)
