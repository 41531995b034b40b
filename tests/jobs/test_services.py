"""Job states, visibility, failure clean-up and retention, with test kinds run in this process."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest

from core.errors import NotFound, ValidationFailed
from core.jobs import services, states
from core.jobs.worker import execute
from tests.jobs.conftest import RecordingRunner, job, submitted, user

pytestmark = pytest.mark.usefixtures("users", "ctx")


def running(job_id):
    states.record_process(job_id, os.getpid(), running=True)
    return job_id


def test_submit_queues_the_job_and_starts_it_only_after_the_commit():
    from core.database import commit, db
    from core.jobs import submit

    RecordingRunner.started.clear()
    rolled_back = submit(user("qo"), "test.echo", {"text": "hi"}).id
    db.session.rollback()
    queued = submit(user("qo"), "test.echo", {"text": "hi"})
    assert RecordingRunner.started == []
    commit()
    assert RecordingRunner.started == [queued.id]  # the rolled-back job never reached the runner
    assert job(rolled_back) is None
    assert job(queued.id).state == "queued" and job(queued.id).progress == 0
    assert len(queued.id) >= 20


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        submitted("qo", "nobody.knows")
    assert refused.value.errors == [{"field": "kind", "message": "unknown job kind nobody.knows"}]


def test_a_job_is_seen_by_its_creator_and_the_administrator_only():
    job_id = submitted("auditor", "test.echo", text="x")
    assert services.job_for(user("auditor"), job_id).id == job_id
    assert services.job_for(user("admin"), job_id).id == job_id
    for other in ("qo", "staff"):
        with pytest.raises(NotFound):
            services.job_for(user(other), job_id)
    assert [j.id for j in services.recent_jobs(user("qo"))] == []
    assert [j.id for j in services.recent_jobs(user("admin"))] == [job_id]


def test_a_job_that_succeeds_is_done_with_its_result_and_progress(app):
    job_id = running(submitted("qo", "test.echo", text="hello"))
    assert execute(job_id) is True
    done = job(job_id)
    assert (done.state, done.progress, done.result_name, done.error) == ("done", 100, "echo.txt", None)
    assert done.started_at <= done.finished_at
    _found, path = services.result_file(user("qo"), job_id)
    assert path.read_text() == "hello"
    assert path.parent == states.job_folder(job_id) and str(path).startswith(app.instance_path)


def test_progress_is_written_while_running_but_never_shown_as_finished():
    from core.jobs.worker import JobContext

    job_id = running(submitted("qo", "test.echo", text="x"))
    context = JobContext(job(job_id), states.job_folder(job_id))
    context.progress(1, 4, "Rendering checklist results")
    assert (job(job_id).progress, job(job_id).message) == (25, "Rendering checklist results")
    context.progress(2, 4, "too soon")  # within the throttle interval: held back for now
    assert job(job_id).progress == 25
    context.progress(4, 4, "Merging")  # the last step always is, but 100 % is for a finished job
    assert (job(job_id).progress, job(job_id).message) == (99, "Merging")


def test_a_step_held_back_by_the_throttle_is_shown_while_the_next_one_works(monkeypatch):
    """A job that reports a step and then works for seconds (a pack rendering its pages): the page must
    show that step during those seconds, not only when the next report comes."""
    from core.jobs import worker

    # An interval no loaded machine outlasts between the reports and the first look (at half a
    # second, the held value was sometimes written before the test looked).
    monkeypatch.setattr(worker, "PROGRESS_INTERVAL", 3.0)
    job_id = running(submitted("qo", "test.echo", text="x"))
    context = worker.JobContext(job(job_id), states.job_folder(job_id))
    context.progress(1, 10, "Gathering the records")
    context.progress(2, 10, "Laying out the pack")
    context.progress(3, 10, "Rendering the pages")
    first = job(job_id)
    assert (first.progress, first.message) == (10, "Gathering the records")
    deadline = time.monotonic() + worker.PROGRESS_INTERVAL + 5
    while job(job_id).progress == 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    shown = job(job_id)
    assert (shown.progress, shown.message) == (30, "Rendering the pages")


def test_the_last_step_held_back_is_written_when_the_work_ends():
    from core.jobs.worker import JobContext

    job_id = running(submitted("qo", "test.echo", text="x"))
    context = JobContext(job(job_id), states.job_folder(job_id))
    context.progress(1, 10, "Gathering the records")
    context.progress(6, 10, "Merging the pages")
    assert job(job_id).progress == 10
    context.flush()
    assert (job(job_id).progress, job(job_id).message) == (60, "Merging the pages")
    context.progress(6, 10, "Merging the pages")  # nothing new: not written again, nothing held
    context.flush()
    assert job(job_id).progress == 60


def test_a_refused_job_fails_with_its_sentence_and_leaves_no_file():
    job_id = running(submitted("qo", "test.refuse"))
    assert execute(job_id) is False
    failed = job(job_id)
    assert failed.state == "failed"
    assert failed.error == "The audit was cancelled while the pack was being built."
    assert not states.job_folder(job_id).exists()


def test_a_crashing_job_fails_with_one_sentence_and_leaves_no_file():
    job_id = running(submitted("qo", "test.boom"))
    assert execute(job_id) is False
    assert job(job_id).error == "The job failed: disk on fire."
    assert not states.job_folder(job_id).exists()


def test_the_result_of_an_unfinished_job_is_a_conflict():
    from core.errors import Conflict

    job_id = submitted("qo", "test.echo", text="x")
    with pytest.raises(Conflict, match="waiting to start"):
        services.result_file(user("qo"), job_id)


def test_a_job_whose_process_is_gone_is_failed_when_read():
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job_id = submitted("qo", "test.echo", text="x")
    states.record_process(job_id, gone.pid, running=True)
    states.job_folder(job_id).mkdir(parents=True)
    (states.job_folder(job_id) / ".x.pdf.1.part").write_bytes(b"half")
    job(job_id)  # as a new request would: a fresh snapshot
    seen = services.job_for(user("qo"), job_id)
    assert seen.state == "failed" and seen.error == services.GONE
    assert job(job_id).state == "failed"
    assert not states.job_folder(job_id).exists()


def test_a_job_that_finished_after_the_reader_looked_is_not_reported_gone():
    # The reader's snapshot says running; meanwhile the work finished, was recorded done, and its
    # process ended. The reader must not tell the user the job was lost.
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    job_id = submitted("qo", "test.echo", text="x")
    states.record_process(job_id, ended.pid, running=True)
    stale = job(job_id)
    assert stale.state == "running"
    assert states.mark_done(job_id, "echo.txt")
    assert services.reap_if_gone(stale) is False
    assert stale.state == "running", "the reader keeps its snapshot; the next read shows the outcome"
    assert job(job_id).state == "done"


def test_a_finished_job_is_never_reopened_by_a_late_failure():
    job_id = running(submitted("qo", "test.echo", text="x"))
    execute(job_id)
    assert states.mark_failed(job_id, "watchdog was late") is False
    assert job(job_id).state == "done"
    assert states.job_folder(job_id).joinpath("echo.txt").exists()


def test_results_older_than_the_retention_period_are_removed(app):
    from sqlalchemy import update

    from core.clock import utcnow
    from core.jobs.models import Job

    old, fresh = (running(submitted("qo", "test.echo", text=t)) for t in ("old", "fresh"))
    execute(old), execute(fresh)
    states.write_now(
        update(Job)
        .where(Job.id == old)
        .values(finished_at=utcnow() - timedelta(days=app.config["JOBS_RETENTION_DAYS"], hours=1))
    )
    assert services.purge_expired() == 1
    assert not states.job_folder(old).exists() and states.job_folder(fresh).exists()
    with pytest.raises(NotFound, match="removed"):
        services.result_file(user("qo"), old)
    assert job(old).state == "done"  # who exported what, and when, stays on record
