"""A job's recorded state as its runner and worker move it: running, progress, done, failed.

Each change is a single conditional UPDATE in its own short transaction on
its own connection: a worker that reads for minutes (a pack) never holds a
write lock, a web request's session is never committed behind its back, and
a job that has finished cannot be moved back (a late watchdog cannot turn
``done`` into ``failed``).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from core.clock import utcnow
from core.database import db, reset_read_only, set_read_only
from core.jobs.models import UNFINISHED, Job, JobState
from core.storage import S3FileStore, StoreUnavailable, file_store, uses_object_store

log = logging.getLogger("dealerqms.jobs")

MAX_ERROR = 500


def this_host() -> str:
    return socket.gethostname()


def jobs_root() -> Path:
    return Path(current_app.instance_path) / "jobs"


def job_folder(job_id: str) -> Path:
    return jobs_root() / job_id


def one_sentence(text: str) -> str:
    text = " ".join(str(text).split()) or "The job failed."
    if len(text) > MAX_ERROR:
        text = text[: MAX_ERROR - 1].rstrip() + "…"
    return text if text.endswith((".", "…", "!", "?")) else text + "."


def write_now(statement) -> int:
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
    """Record the process doing the job; ``running``: claim the job for it.

    The claim takes only a job still ``queued``: a job delivered twice (a queue
    that put it back after losing it) is run by whichever worker claims it first,
    and the other stops before the work begins.
    """
    values = {"pid": pid, "host": this_host()}
    if running:
        values.update(state=JobState.RUNNING.value, started_at=utcnow())
        claim = update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED.value)
        return write_now(claim.values(**values)) == 1
    return write_now(_unfinished(job_id).values(**values)) == 1


def set_progress(job_id: str, percent: int, message: str | None = None) -> None:
    values = {"progress": max(0, min(100, int(percent)))}
    if message is not None:
        values["message"] = message[:300]
    write_now(update(Job).where(Job.id == job_id, Job.state == JobState.RUNNING.value).values(**values))


def mark_done(job_id: str, result_name: str) -> bool:
    return (
        write_now(
            _unfinished(job_id).values(
                state=JobState.DONE.value, progress=100, result_name=result_name, finished_at=utcnow(), error=None
            )
        )
        == 1
    )


def mark_failed(job_id: str, error: str) -> bool:
    """Fail an unfinished job and remove whatever it wrote: a failed job leaves no file."""
    changed = (
        write_now(
            _unfinished(job_id).values(
                state=JobState.FAILED.value, error=one_sentence(error), finished_at=utcnow(), result_name=None
            )
        )
        == 1
    )
    if changed:  # a job that finished meanwhile keeps its result
        remove_output(job_id)
    return changed


def fail_queued(job_id: str, error: str) -> bool:
    """Fail a job that no worker has begun; one that began meanwhile is left to its worker."""
    failed = write_now(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED.value)
        .values(state=JobState.FAILED.value, error=one_sentence(error), finished_at=utcnow(), result_name=None)
    )
    return failed == 1


def result_store() -> S3FileStore | None:
    """The object store that keeps job results, when files live in one; None: they stay in the job's folder."""
    return file_store() if uses_object_store() else None


def remove_output(job_id: str) -> None:
    shutil.rmtree(job_folder(job_id), ignore_errors=True)
    store = result_store()
    if store is not None:
        try:
            store.remove_results(job_id)
        except StoreUnavailable as error:
            # The job's state is what matters here; an object left behind costs only space.
            log.warning("the result of job %s stays in the object store: %s", job_id, error)


def process_alive(pid: int) -> bool:
    """Whether the process ``pid`` is still running, or has ended and is about to be accounted for.

    A job's work process that has just ended stays listed (a zombie) until its supervisor, polling,
    collects it and records how it ended (done, its time limit, the signal that crashed it). Until
    then it counts as alive: otherwise a reader polling the job in that moment would fail it as
    "gone" and hide the real reason. A zombie whose parent is gone too (adopted by init) is dead.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return True
    state, parent = fields[0], int(fields[1])
    if state != "Z":
        return True
    return parent > 1 and process_alive(parent)
