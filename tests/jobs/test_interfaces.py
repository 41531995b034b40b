"""The job's API, pages and commands, with test kinds run in this process."""

import os

import pytest

from core.jobs import states
from core.jobs.worker import execute
from tests.jobs.conftest import submitted


@pytest.fixture
def jobs(app, users):
    """A queued, a done and a failed job of qo's, and one of the auditor's."""
    from core.database import read_only

    with app.app_context(), read_only():
        made = {
            "queued": submitted("qo", "test.echo", text="waiting"),
            "done": submitted("qo", "test.echo", text="finished"),
            "failed": submitted("qo", "test.boom"),
            "other": submitted("auditor", "test.echo", text="not yours"),
        }
        for name in ("done", "failed"):
            states.record_process(made[name], os.getpid(), running=True)
            execute(made[name])
    return made


def test_the_api_reports_state_progress_and_result(api_as, jobs):
    api = api_as("qo")
    queued = api.get(f"/api/v1/jobs/{jobs['queued']}")
    assert queued.status_code == 200
    assert {k: queued.json[k] for k in ("id", "kind", "state", "progress")} == {
        "id": jobs["queued"],
        "kind": "test.echo",
        "state": "queued",
        "progress": 0,
    }
    assert "result_url" not in queued.json and "error" not in queued.json and "finished_at" not in queued.json
    conflict = api.get(f"/api/v1/jobs/{jobs['queued']}/result")
    assert conflict.status_code == 409 and conflict.mimetype == "application/problem+json"

    failed = api.get(f"/api/v1/jobs/{jobs['failed']}").json
    assert failed["state"] == "failed" and failed["error"] == "The job failed: disk on fire."
    assert "result_url" not in failed

    done = api.get(f"/api/v1/jobs/{jobs['done']}").json
    assert done["state"] == "done" and done["progress"] == 100 and done["finished_at"]
    result = api.get(done["result_url"])
    assert result.status_code == 200 and result.data == b"finished"
    assert result.headers["Content-Disposition"].startswith("attachment")

    assert api.get(f"/api/v1/jobs/{jobs['other']}").status_code == 404
    assert api_as("auditor").get(f"/api/v1/jobs/{jobs['done']}/result").status_code == 404
    assert api_as("admin").get(f"/api/v1/jobs/{jobs['done']}/result").status_code == 200
    assert {j["id"] for j in api.get("/api/v1/jobs").json} == {jobs["queued"], jobs["done"], jobs["failed"]}
    assert api_as("qo")._client.get(f"/api/v1/jobs/{jobs['done']}").status_code == 401


def test_the_job_page_refreshes_until_the_job_ends(client_as, jobs):
    client = client_as("qo")
    queued = client.get(f"/jobs/{jobs['queued']}").get_data(as_text=True)
    # Without script only: with it, the page asks the status URL and changes in place.
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in queued
    assert f'data-job-status="/jobs/{jobs["queued"]}/status"' in queued and "js/job-progress.js" in queued
    assert "waiting to start" in queued and '<progress value="0" max="100"' in queued
    assert "Echo · waiting" in queued

    failed = client.get(f"/jobs/{jobs['failed']}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in failed
    assert "The job failed: disk on fire." in failed and "no file was kept" in failed

    done = client.get(f"/jobs/{jobs['done']}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done
    assert f'href="/jobs/{jobs["done"]}/download"' in done
    assert client.get(f"/jobs/{jobs['done']}/download").data == b"finished"
    assert client.get(f"/jobs/{jobs['queued']}/download").status_code == 409

    listing = client.get("/jobs/").get_data(as_text=True)
    assert all(f"/jobs/{jobs[name]}" in listing for name in ("queued", "done", "failed"))
    assert f"/jobs/{jobs['other']}" not in listing
    assert client.get(f"/jobs/{jobs['other']}").status_code == 404
    assert client_as("staff").get(f"/jobs/{jobs['done']}/download").status_code == 404


def test_the_status_answers_the_pages_script_for_whoever_sees_the_job(app, client_as, jobs):
    from core.jobs import states

    client = client_as("qo")
    with app.app_context():
        states.record_process(jobs["queued"], os.getpid(), running=True)
        states.set_progress(jobs["queued"], 42, "rendered findings")
    queued = client.get(f"/jobs/{jobs['queued']}/status")
    assert queued.status_code == 200 and queued.mimetype == "application/json"
    assert queued.headers["Cache-Control"] == "no-store"
    assert queued.json == {
        "state": "running",
        "state_label": "running",
        "progress": 42,
        "message": "rendered findings",
        "finished": False,
        "download_url": None,
        "download_label": None,
        "error": None,
    }
    done = client.get(f"/jobs/{jobs['done']}/status").json
    assert done["finished"] and done["progress"] == 100
    assert done["download_url"] == f"/jobs/{jobs['done']}/download" and done["download_label"] == "Download echo.txt"
    failed = client.get(f"/jobs/{jobs['failed']}/status").json
    assert failed["finished"] and failed["error"] == "The job failed: disk on fire." and failed["download_url"] is None
    # Anyone else learns nothing of it; an administrator sees every job.
    assert client.get(f"/jobs/{jobs['other']}/status").status_code == 404
    assert client_as("staff").get(f"/jobs/{jobs['done']}/status").status_code == 404
    assert client_as("admin").get(f"/jobs/{jobs['done']}/status").status_code == 200
    assert app.test_client().get(f"/jobs/{jobs['done']}/status").status_code in (302, 401)


def test_my_jobs_is_in_the_menu_of_who_runs_jobs(client_as, users):
    def menu(who):
        page = client_as(who).get("/").get_data(as_text=True)
        return page[page.index('<nav class="main-nav"') : page.index("</nav>")]

    for who in ("qo", "auditor", "admin"):
        assert '<a href="/jobs/">My jobs</a>' in menu(who), who
    assert "/jobs/" not in menu("staff")


def test_the_job_page_in_chinese(app, client_as, jobs):
    from core.accounts.services import user_by_login
    from core.database import db

    with app.app_context():
        user_by_login("qo").locale = "zh_CN"
        db.session.commit()
    page = client_as("qo").get(f"/jobs/{jobs['failed']}").get_data(as_text=True)
    assert "后台作业失败，未保留任何文件。" in page and "失败" in page


def test_the_jobs_commands(app, jobs):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0
    lines = listed.output.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith(jobs["other"])  # newest first
    failed_line = next(line for line in lines if line.startswith(jobs["failed"]))
    assert "\tfailed\t" in failed_line and "disk on fire" in failed_line

    assert runner.invoke(args=["jobs", "purge"]).output == "0 job results removed.\n"
    unknown = runner.invoke(args=["jobs", "run", "nope"])
    assert unknown.exit_code == 1 and "There is no job 'nope'." in unknown.output
    finished = runner.invoke(args=["jobs", "run", jobs["done"]])  # a job runs once
    assert finished.exit_code == 0 and finished.output == f"Job {jobs['done']}: done.\n"


def test_a_job_id_can_be_typed_after_a_command():
    # One random id in 64 would start with "-" and be read by the shell's
    # command as an option: `dealerqms jobs run -chKe…` was a usage error.
    from core.jobs.services import new_job_id

    ids = {new_job_id() for _ in range(2000)}
    assert len(ids) == 2000 and not any(job_id.startswith("-") for job_id in ids)
