"""Jobs of test kinds, run in this process (or a fork of it) instead of a worker process.

A worker process would not know the kinds a test registers, so these tests
use a runner that only records what it was asked to start, and run the
job themselves with :func:`core.jobs.worker.run_job` (which forks).
"""

import os
import signal
import time
from typing import ClassVar

import pytest

from core.plugins import JobKind, hookimpl


class RecordingRunner:
    started: ClassVar[list[str]] = []  # what the runners of every test app were asked to start

    def __init__(self, app):
        self.app = app

    def submit(self, job_id):
        RecordingRunner.started.append(job_id)


def echo(context):
    for step in range(1, 4):
        context.progress(step, 3, f"step {step}")
    (context.folder / "echo.txt").write_text(context.params["text"])
    return "echo.txt"


def refuse(context):
    from core.errors import Conflict

    (context.folder / ".half.pdf.x.part").write_bytes(b"%PDF-half")
    raise Conflict("The audit was cancelled while the pack was being built.")


def boom(context):
    (context.folder / "half.txt").write_text("half")
    raise RuntimeError("disk on fire")


def sleep(context):
    (context.folder / ".result.pdf.abc.part").write_bytes(b"%PDF-partial")
    time.sleep(float(context.params.get("seconds", 30)))
    (context.folder / "late.txt").write_text("too late")
    return "late.txt"


def suicide(context):
    (context.folder / ".result.pdf.abc.part").write_bytes(b"%PDF-partial")
    os.killpg(os.getpgid(0), signal.SIGKILL)


def hog(context):
    (context.folder / ".result.pdf.abc.part").write_bytes(b"%PDF-partial")
    blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB: far over the test's limit
    return str(len(blocks))


# What a long-lived worker's preparation left in its process (see TestKinds.prepare_job_worker).
PREPARED: dict[str, int] = {}


def prepared(context):
    """Says which process prepared the worker this job's process was forked from, and who that worker is."""
    (context.folder / "prepared.txt").write_text(f"prepared by {PREPARED.get('by')}, forked from {os.getppid()}")
    return "prepared.txt"


class TestKinds:
    """The test kinds, registered as the plugin ``test``."""

    @hookimpl
    def prepare_job_worker(self):
        time.sleep(0.5)  # slower than taking the first job: that job waits for it
        PREPARED["by"] = os.getpid()

    @hookimpl
    def register_job_kinds(self):
        return [
            JobKind(name="test.echo", run=echo, title="Echo", describe=lambda params: params.get("text", "")),
            *(JobKind(name=f"test.{run.__name__}", run=run) for run in (refuse, boom, sleep, suicide, hog, prepared)),
        ]


@pytest.fixture
def app_config():
    return {"JOBS_RUNNER": "tests.jobs.conftest:RecordingRunner", "DEALERQMS_EXTRA_PLUGINS": {"test": TestKinds()}}


@pytest.fixture
def ctx(app):
    """An app context whose reads take no write lock, as in a GET request.

    Workers write job states on connections of their own; a test session
    holding SQLite's write lock would make them wait for it.
    """
    from core.database import read_only

    with app.app_context(), read_only():
        yield


def user(login):
    from core.accounts.services import user_by_login

    return user_by_login(login)


def submitted(login, kind, **params):
    from core.database import commit
    from core.jobs import submit

    job_id = submit(user(login), kind, params).id
    commit()
    return job_id


def job(job_id):
    from core.database import db
    from core.jobs.models import Job

    db.session.rollback()  # a fresh snapshot: workers write on connections of their own
    return db.session.get(Job, job_id)
