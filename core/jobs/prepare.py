"""A long-lived job worker gets ready for its jobs once, as it starts (the ``prepare_job_worker`` hook).

``dealerqms worker`` forks one process per job (:func:`core.jobs.worker.run_job`):
whatever the worker has loaded, each job's process starts with. So the worker
lets every plugin load what its jobs need (the evidence pack: WeasyPrint, its
fonts and the render workers' fork server) in a background thread while it
connects to the queue, and a job that arrives meanwhile waits for that thread
before it is forked: forking while another thread is half-way through an import
or a font load could leave the job's process with a lock nobody releases.

Only the queue's worker prepares: creating the app (web processes, commands) and
the local runner's one-job processes never pay for it.
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask

log = logging.getLogger("dealerqms.jobs")

# A preparation that takes longer than this (a machine swapping) no longer holds the jobs back:
# they are forked anyway, and pay for whatever the thread has not loaded yet.
WAIT_SECONDS = 120.0

_prepared: threading.Event | None = None
_seconds: float | None = None


def prepare_in_background(app: Flask) -> threading.Thread:
    """Start every plugin's preparation of this worker process in a thread of its own."""
    global _prepared
    _prepared = threading.Event()
    thread = threading.Thread(target=_prepare, args=(app, _prepared), name="prepare-job-worker", daemon=True)
    thread.start()
    return thread


def _prepare(app: Flask, done: threading.Event) -> None:
    global _seconds
    from core.database import db
    from core.plugin_engine import manager

    started = time.perf_counter()
    try:
        with app.app_context():
            try:
                manager.prepare_job_worker()
            finally:
                # Nothing the preparation opened may be inherited by the jobs' processes.
                db.session.remove()
    except Exception:  # noqa: BLE001 - the worker takes jobs all the same; they are only slower
        log.exception("preparing the job worker failed")
    finally:
        _seconds = time.perf_counter() - started
        done.set()


def wait_until_prepared(timeout: float = WAIT_SECONDS) -> bool:
    """Wait for a preparation under way (none: return at once); False when it outlasted ``timeout``."""
    if _prepared is None:
        return True
    if not _prepared.wait(timeout):
        log.warning("the job worker's preparation is still running after %g seconds; forking the job anyway", timeout)
        return False
    return True


def preparation_seconds() -> float | None:
    """How long the preparation took (None while it runs or when there was none)."""
    return _seconds
