"""The worker side of a job: ``python -m core.jobs.worker JOB_ID`` (or ``dealerqms jobs run JOB_ID``).

:func:`run_job` supervises: it forks the process that does the work, in a
process group of its own (the pack's render workers join it) with the
memory limit set, waits for it up to the time limit, kills the whole group
when the limit passes, and records how the job ended. Whatever way the
work stops — an error, a kill, the limits — the job ends ``failed`` with
one sentence and its folder is removed, so no partial file is left.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from core.database import db, read_only
from core.errors import DomainError
from core.jobs import prepare, states
from core.jobs.models import Job, JobState
from core.plugin_engine.manager import job_kind
from core.storage import StoreUnavailable

log = logging.getLogger("dealerqms.jobs")

POLL_SECONDS = 0.2
# Progress is written at most this often, each write its own short transaction.
PROGRESS_INTERVAL = 0.5


class JobContext:
    """What a job kind's function gets: its parameters, its folder, its user and a progress callback."""

    def __init__(self, job: Job, folder: Path):
        self.job_id = job.id
        self.kind = job.kind
        self.params = dict(job.params or {})
        self.user = job.created_by
        self.folder = folder
        self._last_write = 0.0
        self._last_percent = -1
        # A value the throttle held back, written by a timer once the interval has passed: a step that
        # reports and then works for seconds (a pack's render) is shown while it works, not after.
        self._held: tuple[int, str | None] | None = None
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._app = current_app._get_current_object()

    def progress(self, done: int, total: int, message: str | None = None) -> None:
        """Report ``done`` of ``total`` steps; written to the job at most twice a second, the last value
        held back by that limit written as soon as it allows (or by :meth:`flush`)."""
        percent = int(done * 100 / total) if total else 0
        # 100 is for a finished job only: the file may still be on its way into place.
        percent = min(percent, 99)
        with self._lock:
            if percent == self._last_percent and self._held is None:
                return
            wait = PROGRESS_INTERVAL - (time.monotonic() - self._last_write)
            if wait > 0 and done < total:
                self._held = (percent, message)
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._write_held)
                    self._timer.daemon = True
                    self._timer.start()
                return
            self._held = None
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._write(percent, message)

    def flush(self) -> None:
        """Write the value the throttle still holds back, now (the work has ended)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._held is not None:
                held, self._held = self._held, None
                self._write(*held)

    def _write_held(self) -> None:
        with self._lock:
            self._timer = None
            if self._held is None:
                return
            held, self._held = self._held, None
            try:
                with self._app.app_context():
                    self._write(*held)
            except Exception:  # noqa: BLE001 - a progress value is not worth failing the job; the next one is written
                log.warning("job %s: its progress could not be written", self.job_id, exc_info=True)

    def _write(self, percent: int, message: str | None) -> None:
        self._last_write, self._last_percent = time.monotonic(), percent
        states.set_progress(self.job_id, percent, message)


def execute(job_id: str) -> bool:
    """Do the work of a running job in this process and record the outcome; True when done."""
    # The job's own unit of work: nothing the caller's session holds (a write lock) is carried in.
    db.session.rollback()
    with read_only():
        job = db.session.get(Job, job_id)
        if job is None or job.state != JobState.RUNNING.value:
            return False
        kind_name = job.kind
        kind = job_kind(kind_name)
        folder = states.job_folder(job.id)
        context = JobContext(job, folder) if kind else None
    if kind is None:
        states.mark_failed(job_id, f"This installation has no job kind {kind_name!r} (is its plugin disabled?)")
        return False
    folder.mkdir(parents=True, exist_ok=True)
    try:
        try:
            name = kind.run(context)
        finally:
            # Nothing writes progress after the job has ended; the last step counted is shown until then.
            context.flush()
        db.session.rollback()
    except DomainError as error:
        db.session.rollback()
        states.mark_failed(job_id, error.detail)
        return False
    except MemoryError:
        db.session.rollback()
        limit = current_app.config["JOBS_MEMORY_LIMIT_MB"]
        states.mark_failed(job_id, f"The job ran out of memory (the limit is {limit} MB)")
        return False
    except Exception as error:
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, kind_name)
        states.mark_failed(job_id, f"The job failed: {error}")
        return False
    if not name or not (folder / name).is_file():
        states.mark_failed(job_id, "The job ended without writing its result")
        return False
    store = states.result_store()
    if store is not None:
        # Any app server may be asked for the result: it goes where they all look.
        try:
            store.put_result(job_id, folder / name)
        except StoreUnavailable as error:
            states.mark_failed(job_id, f"The result could not be stored: {error}")
            return False
        shutil.rmtree(folder, ignore_errors=True)
    if not states.mark_done(job_id, name):
        states.remove_output(job_id)  # failed meanwhile (its watchdog, a lost lease): it keeps no result
    return True


def _limit_memory(megabytes: int) -> None:
    if megabytes:
        limit = int(megabytes) * 1024 * 1024
        # Inherited by every process the job starts (the pack's render workers).
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


SUPERVISOR_GONE = "The job's worker was stopped before the job ended; start the job again"


def _watch_supervisor(app, job_id: str, lifeline: int) -> None:
    """Fail the job and end its processes once the supervisor is gone.

    Nothing else would enforce the time limit, and on another machine nobody
    could check this process's pid: the work ends with its supervisor.
    """
    try:
        while os.read(lifeline, 1):
            pass
    except OSError:
        pass
    # End of file: the supervisor's end of the pipe is closed, which only its exit does while we run.
    with app.app_context():
        states.mark_failed(job_id, SUPERVISOR_GONE)
    _kill_group(os.getpgid(0))


def _work(job_id: str, lifeline: int) -> int:
    """The forked process: its own group, its limits, its own database connections."""
    os.setpgid(0, 0)
    # Connections inherited from the supervisor belong to it; never reuse them here.
    db.engine.dispose(close=False)
    if os.read(lifeline, 1) != b"g":
        # The supervisor died before it claimed the job: the job is still queued, untouched, and
        # the queue's recovery (or another delivery) starts it again; nothing here may change it.
        return 1
    app = current_app._get_current_object()
    threading.Thread(target=_watch_supervisor, args=(app, job_id, lifeline), name="lifeline", daemon=True).start()
    _limit_memory(current_app.config["JOBS_MEMORY_LIMIT_MB"])
    return 0 if execute(job_id) else 1


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _ending(status: int) -> str | None:
    """Why the work process ended, when it did not end by itself."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        if number == signal.SIGKILL:
            return f"The job's process was killed ({name})"
        limit = current_app.config["JOBS_MEMORY_LIMIT_MB"]
        return f"The job's process crashed ({name}); it may have run out of memory (the limit is {limit} MB)"
    code = os.waitstatus_to_exitcode(status)
    return f"The job's process stopped unexpectedly (exit status {code})"


def run_job(job_id: str, waiting: Callable[[], None] | None = None) -> str:
    """Run a queued job under the time and memory limits; returns its final state.

    ``waiting`` is called again and again while the work goes on (a queue
    worker renews its lease on the job with it).
    """
    with read_only():
        job = db.session.get(Job, job_id)
        state = job.state if job else None
    db.session.remove()
    if state != JobState.QUEUED.value:
        return state or "unknown"
    time_limit = float(current_app.config["JOBS_TIME_LIMIT"])
    # A queue worker still loading what its jobs need (core.jobs.prepare) finishes first: the job's process
    # then starts with all of it, and no lock is held by a thread that the fork leaves behind.
    prepare.wait_until_prepared()
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover — the forked process ends here, never returns
        os.close(go_write)
        code = 1
        try:
            code = _work(job_id, go_read)
        except BaseException:
            log.exception("job %s: the work process failed", job_id)
        finally:
            os._exit(code)
    os.close(go_read)
    try:
        os.setpgid(pid, pid)
    except (PermissionError, ProcessLookupError):
        pass  # the child did it first, or is already gone
    try:
        return _supervise(job_id, pid, go_write, time_limit, waiting)
    except BaseException:
        # Stopped while waiting (a worker's cold shutdown, RQ's backstop timeout): the work stops too.
        states.mark_failed(job_id, SUPERVISOR_GONE)
        _kill_group(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        raise
    finally:
        # The work process's lifeline: while this end is open, it knows its supervisor is there.
        os.close(go_write)


def _supervise(job_id: str, pid: int, go_write: int, time_limit: float, waiting: Callable[[], None] | None) -> str:
    started = states.record_process(job_id, pid, running=True)
    if not started:
        # Claimed by another worker (a job the queue delivered twice), or failed meanwhile: the
        # work process, still waiting for the go, ends before it has touched the job.
        _kill_group(pid)
        os.waitpid(pid, 0)
        return _state(job_id)
    os.write(go_write, b"g")

    deadline = time.monotonic() + time_limit
    while True:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            break
        if waiting is not None:
            waiting()
        if time.monotonic() > deadline:
            # Failed first, killed second: once the work process is dead, anyone reading the
            # job would otherwise find its pid gone and report it lost instead of timed out.
            states.mark_failed(
                job_id, f"The job took longer than its time limit of {time_limit:g} seconds and was stopped"
            )
            _kill_group(pid)
            os.waitpid(pid, 0)
            _kill_group(pid)
            if _state(job_id) == JobState.FAILED.value:
                states.remove_output(job_id)  # whatever it wrote between the two
            return _state(job_id)
        time.sleep(POLL_SECONDS)
    # Render workers the job started must not outlive it.
    _kill_group(pid)
    if _state(job_id) in (JobState.QUEUED.value, JobState.RUNNING.value):
        states.mark_failed(job_id, _ending(status) or "The job ended without a result")
    elif _state(job_id) == JobState.FAILED.value:
        states.remove_output(job_id)
    return _state(job_id)


def run_queued(job_id: str) -> str:
    """What a queue worker runs (JOBS_RUNNER = rq): the job under its supervisor, holding its lease meanwhile."""
    from core.jobs.queue import Lease

    state = _state(job_id)
    if state != JobState.QUEUED.value:
        return state  # delivered twice: the lease, if any, is another worker's
    lease = Lease(current_app._get_current_object(), job_id)
    # Held before the job is marked running, so no reader ever sees it running without one.
    lease.renew()
    try:
        return run_job(job_id, waiting=lease.renew)
    finally:
        lease.release()


def _state(job_id: str) -> str:
    with read_only():
        state = db.session.execute(db.select(Job.state).where(Job.id == job_id)).scalar()
    db.session.remove()
    return state or "unknown"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m core.jobs.worker JOB_ID", file=sys.stderr)
        return 2
    from core import create_app

    app = create_app()
    with app.app_context():
        state = run_job(args[0])
    return 0 if state == JobState.DONE.value else 1


if __name__ == "__main__":
    sys.exit(main())
