"""The supervising worker (run_job): limits, kills and clean-up, with test kinds in a fork of this process."""

import re
from pathlib import Path

import pytest

from core.jobs import states
from core.jobs.worker import run_job
from tests.jobs.conftest import job, submitted

pytestmark = pytest.mark.usefixtures("users", "ctx")


def test_a_job_runs_in_its_own_process_and_ends_done_with_its_file():
    import os

    job_id = submitted("qo", "test.echo", text="from the worker")
    assert run_job(job_id) == "done"
    done = job(job_id)
    assert done.pid and done.pid != os.getpid() and done.host == states.this_host()
    assert (states.job_folder(job_id) / "echo.txt").read_text() == "from the worker"
    assert run_job(job_id) == "done"  # a job runs once: a second run changes nothing


def test_a_job_over_its_time_limit_is_killed_and_leaves_no_file(app):
    app.config["JOBS_TIME_LIMIT"] = 1
    job_id = submitted("qo", "test.sleep", seconds=30)
    assert run_job(job_id) == "failed"
    failed = job(job_id)
    assert failed.error == "The job took longer than its time limit of 1 seconds and was stopped."
    assert (failed.finished_at - failed.started_at).total_seconds() < 10
    assert not states.job_folder(job_id).exists()


def test_a_killed_job_is_reported_and_its_partial_file_removed():
    job_id = submitted("qo", "test.suicide")
    assert run_job(job_id) == "failed"
    assert job(job_id).error == "The job's process was killed (SIGKILL)."
    assert not states.job_folder(job_id).exists()


def _address_space_mb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmSize:\s+(\d+) kB", status).group(1)) // 1024


def test_a_job_over_its_memory_limit_fails_and_leaves_no_file(app):
    app.config["JOBS_MEMORY_LIMIT_MB"] = _address_space_mb() + 256
    job_id = submitted("qo", "test.hog")
    assert run_job(job_id) == "failed"
    error = job(job_id).error
    assert "memory" in error and str(app.config["JOBS_MEMORY_LIMIT_MB"]) in error
    assert not states.job_folder(job_id).exists()


def test_a_work_process_that_just_ended_is_not_gone_until_its_supervisor_has_collected_it():
    # A reader polling the job between the end of its work and the supervisor's verdict must not
    # fail it as "gone": the supervisor is about to record how it ended (done, crashed, timed out).
    import os
    import time

    pid = os.fork()
    if pid == 0:  # pragma: no cover — the child ends at once
        os._exit(0)
    for _ in range(100):  # until the child is a zombie of this (living) process
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z":
            break
        time.sleep(0.01)
    assert states.process_alive(pid), "ended, but its parent has not collected it yet"
    os.waitpid(pid, 0)
    assert not states.process_alive(pid)
