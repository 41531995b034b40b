"""JOBS_RUNNER = "rq": jobs on a real Redis, run by real `dealerqms worker` processes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from core.jobs import states
from core.jobs.models import Job
from core.jobs.runner import worker_environment
from core.jobs.worker import SUPERVISOR_GONE
from tests.jobs.conftest import TestKinds, job, submitted

pytestmark = pytest.mark.usefixtures("users")

ROOT = Path(__file__).resolve().parents[2]
DEALERQMS = Path(sys.executable).with_name("dealerqms")


@pytest.fixture
def app_config(redis_url):
    return {"JOBS_RUNNER": "rq", "DEALERQMS_REDIS_URL": redis_url, "DEALERQMS_EXTRA_PLUGINS": {"test": TestKinds()}}


@pytest.fixture
def qo_api(api_as):
    """qo's API client; made before ``ctx``, whose read-only context would not keep its token."""
    return api_as("qo")


@pytest.fixture
def start_worker(app):
    """Start `dealerqms worker` as an operator would, with the test's job kinds in the instance's config."""
    (Path(app.instance_path) / "config.py").write_text(
        'from tests.jobs.conftest import TestKinds\n\nDEALERQMS_EXTRA_PLUGINS = {"test": TestKinds()}\n'
    )
    started = []

    def start(*options):
        env = worker_environment(app)
        env["DEALERQMS_REDIS_URL"] = app.config["DEALERQMS_REDIS_URL"]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        process = subprocess.Popen(
            [str(DEALERQMS), "worker", *options], env=env, cwd=ROOT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)


def test_a_job_on_the_queue_is_run_by_a_worker_and_its_result_downloaded(app, qo_api, ctx, start_worker):
    job_id = submitted("qo", "test.echo", text="run on the queue")
    assert job(job_id).state == "queued"  # nothing runs it until a worker takes it

    assert start_worker("--burst").wait(timeout=60) == 0

    done = job(job_id)
    assert (done.state, done.progress, done.host) == ("done", 100, states.this_host())
    result = qo_api.get(f"/api/v1/jobs/{job_id}/result")
    assert result.status_code == 200 and result.data == b"run on the queue"


def test_the_time_limit_applies_on_a_queue_worker(app, ctx, start_worker):
    app.config["JOBS_TIME_LIMIT"] = 1
    job_id = submitted("qo", "test.sleep", seconds=30)

    assert start_worker("--burst").wait(timeout=60) == 0

    failed = job(job_id)
    assert failed.error == "The job took longer than its time limit of 1 seconds and was stopped."
    assert not states.job_folder(job_id).exists()


def test_a_worker_killed_mid_job_leaves_the_job_failed_and_no_file(app, qo_api, ctx, start_worker):
    job_id = submitted("qo", "test.sleep", seconds=30)
    worker = start_worker()
    wait_for(lambda: job(job_id).state == "running" and states.job_folder(job_id).exists())
    work_pid = job(job_id).pid

    os.kill(worker.pid, signal.SIGKILL)

    wait_for(lambda: job(job_id).state == "failed", seconds=15)
    assert job(job_id).error == SUPERVISOR_GONE + "."
    wait_for(lambda: not states.process_alive(work_pid), seconds=15)  # the work ended with its worker
    assert not states.job_folder(job_id).exists()
    assert qo_api.get(f"/api/v1/jobs/{job_id}/result").status_code == 409


def test_a_running_job_whose_worker_elsewhere_lost_its_lease_is_failed_when_read(app, ctx, redis_url):
    from redis import Redis

    from core.jobs import services
    from core.jobs.queue import LEASE_SECONDS, lease_key
    from tests.jobs.conftest import user

    job_id = submitted("qo", "test.echo", text="elsewhere")
    states.record_process(job_id, 1, running=True)
    states.write_now(update(Job).where(Job.id == job_id).values(host="worker-7.example"))
    redis = Redis.from_url(redis_url)

    redis.set(lease_key(job_id), "worker-7.example", ex=LEASE_SECONDS)
    assert services.job_for(user("qo"), job_id).state == "running"  # its worker still renews the lease

    redis.delete(lease_key(job_id))  # as when the lease expires: nobody renewed it
    job(job_id)
    assert services.job_for(user("qo"), job_id).state == "failed"
    assert job(job_id).error == services.GONE


def test_the_queue_needs_redis_and_says_so(make_app, app):
    from core.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="DEALERQMS_REDIS_URL"):
        make_app(JOBS_RUNNER="rq", DEALERQMS_REDIS_URL=None)
    app.config["DEALERQMS_REDIS_URL"] = None
    refused = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert refused.exit_code == 1
    assert "set DEALERQMS_REDIS_URL" in refused.output
