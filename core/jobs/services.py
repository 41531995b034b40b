"""The rules of background jobs: who may see a job, its states, where its result lives.

State changes made by a worker (running, progress, done, failed) are single
conditional UPDATEs, each in its own short transaction on its own
connection: a worker that reads for minutes (a pack) never holds a write
lock, a web request's session is never committed behind its back, and a
job that has finished cannot be moved back (a late watchdog cannot turn
``done`` into ``failed``).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from core.accounts.models import Role, User
from core.clock import utcnow
from core.database import after_commit, db, reset_read_only, set_read_only
from core.errors import Conflict, NotFound, ValidationFailed
from core.jobs.models import UNFINISHED, Job, JobState
from core.jobs.registry import kind_named

log = logging.getLogger("dealerqms.jobs")

GONE = "The job's worker process is gone (it was stopped, or the server restarted); start the job again."
MAX_ERROR = 500


def new_job_id() -> str:
    # Unguessable, so a job's address reveals nothing about other jobs.
    return secrets.token_urlsafe(16)


def this_host() -> str:
    return socket.gethostname()


def jobs_root() -> Path:
    return Path(current_app.instance_path) / "jobs"


def job_folder(job_id: str) -> Path:
    return jobs_root() / job_id


def one_sentence(text: str) -> str:
    text = " ".join(str(text).split()) or "The job failed."
    if len(text) > MAX_ERROR:
        text = text[:MAX_ERROR - 1].rstrip() + "…"
    return text if text.endswith((".", "…", "!", "?")) else text + "."


# Submitting and reading -------------------------------------------------------

def submit(user: User, kind: str, params: dict | None = None) -> Job:
    """A new queued job; its runner starts it once the caller's transaction commits.

    Permission to do the work is the caller's service's to check (an
    evidence pack needs EXPORT_PACK); this only needs a known kind.
    """
    if kind_named(kind) is None:
        raise ValidationFailed.field("kind", f"unknown job kind {kind!r}")
    job = Job(id=new_job_id(), kind=kind, params=dict(params or {}), state=JobState.QUEUED.value, progress=0,
              created_by_id=user.id, created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    app = current_app._get_current_object()
    job_id = job.id

    def start():
        # After the commit, so the worker process finds the row it is given.
        from core.jobs.runner import runner_for

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


def job_for(user: User, job_id: str) -> Job:
    """The job, for its creator or an administrator; anyone else learns nothing of it (404)."""
    job = db.session.get(Job, job_id) if job_id else None
    if job is None or not may_see(user, job):
        raise NotFound(f"There is no job {job_id!r}.")
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


def result_file(user: User, job_id: str) -> tuple[Job, Path]:
    job = job_for(user, job_id)
    if job.state != JobState.DONE.value:
        raise Conflict(f"Job {job.id} is {job.state}; its result can be fetched once it is done.")
    path = job_folder(job.id) / (job.result_name or "")
    if not job.result_name or not path.is_file():
        raise NotFound(f"The result of job {job.id} has been removed; start the job again.")
    return job, path


# State changes ------------------------------------------------------------------

def _write_now(statement) -> int:
    """Run one UPDATE in its own transaction, whatever the caller's session is doing."""
    token = set_read_only(False)
    try:
        with db.engine.begin() as connection:
            return connection.execute(statement).rowcount
    finally:
        reset_read_only(token)


def _unfinished(job_id: str):
    return update(Job).where(Job.id == job_id, Job.state.in_(UNFINISHED))


def record_process(job_id: str, pid: int, *, running: bool) -> bool:
    values = {"pid": pid, "host": this_host()}
    if running:
        values.update(state=JobState.RUNNING.value, started_at=utcnow())
    return _write_now(_unfinished(job_id).values(**values)) == 1


def set_progress(job_id: str, percent: int, message: str | None = None) -> None:
    values = {"progress": max(0, min(100, int(percent)))}
    if message is not None:
        values["message"] = message[:300]
    _write_now(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING.value).values(**values))


def mark_done(job_id: str, result_name: str) -> bool:
    return _write_now(_unfinished(job_id).values(
        state=JobState.DONE.value, progress=100, result_name=result_name, finished_at=utcnow(), error=None)) == 1


def mark_failed(job_id: str, error: str) -> bool:
    """Fail an unfinished job and remove whatever it wrote: a failed job leaves no file."""
    changed = _write_now(_unfinished(job_id).values(
        state=JobState.FAILED.value, error=one_sentence(error), finished_at=utcnow(), result_name=None)) == 1
    if changed:  # a job that finished meanwhile keeps its result
        remove_output(job_id)
    return changed


def remove_output(job_id: str) -> None:
    shutil.rmtree(job_folder(job_id), ignore_errors=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A dead child its parent has not waited for yet is still listed; it does no work.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def reap_if_gone(job: Job) -> bool:
    """Fail an unfinished job whose process no longer exists on this machine.

    A job on another app server (another host) is left to that server's
    runner; a queued job without a process yet is left to its runner.
    """
    if job.state not in UNFINISHED or job.pid is None or job.host != this_host() or process_alive(job.pid):
        return False
    mark_failed(job.id, GONE)
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
            expired = connection.execute(
                db.select(Job.id).where(Job.finished_at < cutoff, Job.result_name.is_not(None))).scalars().all()
            connection.rollback()
    finally:
        reset_read_only(token)
    for job_id in expired:
        remove_output(job_id)
        _write_now(update(Job).where(Job.id == job_id).values(
            result_name=None, message="The result was removed after the retention period."))
    return len(expired)
