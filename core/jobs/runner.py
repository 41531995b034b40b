"""Runners: what starts a submitted job.

A runner is any object with ``submit(job_id: str) -> None`` that makes
``dealerqms jobs run JOB_ID`` (or :func:`core.jobs.worker.run_job`) happen
once, soon, somewhere that sees the same database and instance folder. It
is chosen by ``JOBS_RUNNER``: ``"local"`` (the default, a worker process
on this machine), ``"rq"`` (a Redis queue, :mod:`core.jobs.queue`) or
``"package.module:ClassName"``, a class built with the
app (``ClassName(app)``) — for example one that puts the id on a queue that
workers on other machines take from (docs/jobs.md).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
from typing import Protocol

from flask import Flask

from core.jobs import states

EXTENSION = "dealerqms-jobs-runner"


class JobRunner(Protocol):
    def submit(self, job_id: str) -> None: ...

    # Optional: ``lost(job) -> bool``, whether an unfinished job's worker is known to be gone
    # (checked whenever a job is read; a pid on this machine is checked without it).
    # Optional: ``recover() -> list[str]``, called by ``dealerqms tick``: find the queued jobs the
    # runner lost before they started, start them again or fail them; returns what it did, in lines.


def worker_environment(app: Flask) -> dict[str, str]:
    """The environment that makes a worker process see this app's database, files, plugins and limits."""
    config = app.config
    env = dict(os.environ)
    env.update(
        {
            "DEALERQMS_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "DEALERQMS_INSTANCE": app.instance_path,
            "DEALERQMS_STORAGE_PATH": str(config["DEALERQMS_STORAGE_PATH"]),
            "DEALERQMS_JOBS_TIME_LIMIT": str(config["JOBS_TIME_LIMIT"]),
            "DEALERQMS_JOBS_MEMORY_LIMIT_MB": str(config["JOBS_MEMORY_LIMIT_MB"] or 0),
        }
    )
    for name in ("DEALERQMS_STORAGE_URL", "DEALERQMS_S3_ENDPOINT_URL"):
        if config.get(name):
            env[name] = config[name]
    if config.get("DEALERQMS_PLUGINS_SAFE_MODE"):
        env["DEALERQMS_PLUGINS_SAFE_MODE"] = "1"
    if config.get("DEALERQMS_PLUGINS_ALLOW") is not None:
        env["DEALERQMS_PLUGINS_ALLOW"] = ",".join(config["DEALERQMS_PLUGINS_ALLOW"])
    if config.get("DEALERQMS_PLUGINS_DENY"):
        env["DEALERQMS_PLUGINS_DENY"] = ",".join(config["DEALERQMS_PLUGINS_DENY"])
    return env


class LocalProcessRunner:
    """Each job in its own OS process on this machine: no service to start, no web worker blocked.

    The process (``python -m core.jobs.worker JOB_ID``) runs in a session of
    its own, so it outlives a restarted web worker; it supervises the job
    (time and memory limits) and records how it ended.
    """

    def __init__(self, app: Flask):
        self.app = app

    def submit(self, job_id: str) -> None:
        process = subprocess.Popen(
            [sys.executable, "-m", "core.jobs.worker", job_id],
            env=worker_environment(self.app),
            cwd=os.getcwd(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        # Until the worker takes over, its own pid tells a reader whether anything is still on the way.
        states.record_process(job_id, process.pid, running=False)
        # Wait for it in the background so that it does not linger as a zombie of this web worker.
        threading.Thread(target=process.wait, name=f"job-{job_id}", daemon=True).start()


def _load(spec: str, app: Flask) -> JobRunner:
    if spec == "local":
        return LocalProcessRunner(app)
    if spec == "rq":
        from core.jobs.queue import RqRunner  # RQ is imported only where it is used

        return RqRunner(app)
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        raise ValueError(f'JOBS_RUNNER must be "local", "rq" or "package.module:ClassName", not {spec!r}')
    return getattr(importlib.import_module(module_name), class_name)(app)


def runner_for(app: Flask) -> JobRunner:
    runner = app.extensions.get(EXTENSION)
    if runner is None:
        runner = app.extensions[EXTENSION] = _load(app.config["JOBS_RUNNER"], app)
    return runner
