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


def test_a_queue_worker_prepares_once_and_every_jobs_process_starts_prepared(app, qo_api, ctx, start_worker):
    """The prepare_job_worker hook runs in ``dealerqms worker`` as it starts (the evidence pack loads WeasyPrint
    there); each job's process is forked from the worker after the preparation ended, even a job already waiting."""
    first = submitted("qo", "test.prepared")
    second = submitted("qo", "test.prepared")

    worker = start_worker("--burst")
    assert worker.wait(timeout=60) == 0

    for job_id in (first, second):
        assert job(job_id).state == "done"
        result = qo_api.get(f"/api/v1/jobs/{job_id}/result")
        assert result.data.decode() == f"prepared by {worker.pid}, forked from {worker.pid}"


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


# Jobs lost before they start ------------------------------------------------------


def queued_a_while_ago(job_id):
    """As if submitted longer ago than the grace a fresh job gets to reach the queue."""
    from core.clock import utcnow
    from core.jobs.queue import QUEUED_GRACE

    states.write_now(update(Job).where(Job.id == job_id).values(created_at=utcnow() - QUEUED_GRACE * 2))


def waiting_on_the_queue(redis_url):
    from redis import Redis

    from core.jobs.queue import QUEUE_NAME

    return [raw.decode() for raw in Redis.from_url(redis_url).lrange(f"rq:queue:{QUEUE_NAME}", 0, -1)]


def forget_everything(redis_url):
    """What a Redis without persistence forgets when it restarts: the queue, RQ's records, the leases."""
    from redis import Redis

    Redis.from_url(redis_url).flushall()


def test_a_job_redis_forgot_is_put_back_on_the_queue_by_a_starting_worker_and_runs(
    app, qo_api, ctx, redis_url, start_worker
):
    job_id = submitted("qo", "test.echo", text="run after all")
    assert waiting_on_the_queue(redis_url) == [job_id]
    forget_everything(redis_url)
    queued_a_while_ago(job_id)

    assert start_worker("--burst").wait(timeout=60) == 0

    done = job(job_id)
    assert (done.state, done.progress) == ("done", 100)
    assert qo_api.get(f"/api/v1/jobs/{job_id}/result").data == b"run after all"


def test_a_fresh_job_not_yet_on_the_queue_is_left_alone(app, ctx, redis_url):
    from core.jobs.queue import recover_lost

    job_id = submitted("qo", "test.echo", text="just submitted")
    forget_everything(redis_url)  # as if submit() had not reached Redis yet

    assert recover_lost(app) == []
    assert (job(job_id).state, job(job_id).message) == ("queued", None)


def test_tick_puts_a_lost_job_back_once_and_fails_it_when_it_is_lost_again(app, ctx, redis_url):
    from core.jobs.queue import LOST_AGAIN, REQUEUED

    job_id = submitted("qo", "test.echo", text="lost twice")
    forget_everything(redis_url)
    queued_a_while_ago(job_id)

    first = app.test_cli_runner().invoke(args=["tick"])
    assert "jobs lost from the queue put back: 1" in first.output
    assert (job(job_id).state, job(job_id).message) == ("queued", REQUEUED)  # the retry, on record
    assert waiting_on_the_queue(redis_url) == [f"{job_id}-again"]
    assert "put back" not in app.test_cli_runner().invoke(args=["tick"]).output  # waiting again: nothing to do

    forget_everything(redis_url)
    second = app.test_cli_runner().invoke(args=["tick"])

    assert "jobs lost from the queue again, failed: 1" in second.output
    failed = job(job_id)
    assert (failed.state, failed.error, failed.result_name) == ("failed", LOST_AGAIN + ".", None)
    assert waiting_on_the_queue(redis_url) == []


def test_a_job_whose_worker_died_after_taking_it_and_before_starting_it_is_run_by_the_next_worker(
    app, qo_api, ctx, redis_url, start_worker
):
    from redis import Redis

    from core.database import db, reset_read_only, set_read_only
    from core.jobs.queue import lease_key

    job_id = submitted("qo", "test.echo", text="second worker")
    redis = Redis.from_url(redis_url)
    token = set_read_only(False)
    try:
        # Holding the job's row keeps the first worker between taking the job and claiming it.
        with db.engine.connect() as holder:
            holder.execute(update(Job).where(Job.id == job_id).values(progress=0))
            first = start_worker()
            wait_for(lambda: redis.exists(lease_key(job_id)))  # taken off the queue, about to claim it
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
            holder.rollback()
    finally:
        reset_read_only(token)
    time.sleep(1)  # the dead worker's work process, had it gone on, would have touched the job by now
    assert (job(job_id).state, waiting_on_the_queue(redis_url)) == ("queued", [])  # the gap: nobody will run it
    redis.delete(lease_key(job_id))  # as when the dead worker's lease expires
    queued_a_while_ago(job_id)

    assert start_worker("--burst").wait(timeout=60) == 0

    assert job(job_id).state == "done"
    assert qo_api.get(f"/api/v1/jobs/{job_id}/result").data == b"second worker"


def test_a_job_delivered_twice_is_run_once(app, ctx, redis_url, start_worker):
    from core.jobs.queue import RqRunner

    job_id = submitted("qo", "test.echo", text="once")
    RqRunner(app).submit(job_id, again=True)  # put back while the first delivery still waits
    assert len(waiting_on_the_queue(redis_url)) == 2

    assert start_worker("--burst").wait(timeout=60) == 0

    assert job(job_id).state == "done"
    assert waiting_on_the_queue(redis_url) == []


def test_of_two_workers_given_the_same_job_only_the_first_to_claim_it_runs_it(app, ctx):
    job_id = submitted("qo", "test.echo", text="claimed")

    assert states.record_process(job_id, 4242, running=True)
    assert not states.record_process(job_id, 4343, running=True)  # both had read it as queued

    claimed = job(job_id)
    assert (claimed.state, claimed.pid) == ("running", 4242)
