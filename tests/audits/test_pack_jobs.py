"""The evidence pack as a background job: a real worker process, through the API and the web pages."""

import inspect
import os
import re
import signal
import subprocess
import time

import pytest

from audits.pack import write_pack
from tests.audits.conftest import record, started

pytestmark = pytest.mark.usefixtures("cast")

DEADLINE = 120  # seconds; a small pack takes a few


@pytest.fixture
def audit_ref(app):
    with app.app_context():
        audit = started()
        record(audit, 0, "minor_nc", "Two visitors waited ten minutes")
        record(audit, 1, "conforming", "Test drive offered and logged")
        return audit.reference


def _job_row(app, job_id):
    from core.database import db, read_only
    from core.jobs.models import Job

    with app.app_context(), read_only():
        job = db.session.get(Job, job_id)
        return {"state": job.state, "pid": job.pid, "progress": job.progress, "error": job.error}


def _poll(api, url, until=("done", "failed")):
    end = time.monotonic() + DEADLINE
    seen = []
    while time.monotonic() < end:
        body = api.get(url).json
        seen.append((body["state"], body["progress"]))
        if body["state"] in until:
            return body, seen
        time.sleep(0.2)
    raise AssertionError(f"the job did not reach {until} in {DEADLINE} s: {seen[-5:]}")


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _folder(app, job_id):
    from pathlib import Path

    return Path(app.instance_path) / "jobs" / job_id


def test_the_api_starts_a_pack_job_that_ends_with_the_pdf(app, api_as, audit_ref, tmp_path):
    api = api_as("auditor")
    started_job = api.post(f"/api/v1/audits/{audit_ref.lower()}/packs")
    assert started_job.status_code == 202, started_job.json
    job_id = started_job.json["id"]
    assert started_job.headers["Location"] == f"/api/v1/jobs/{job_id}" == started_job.json["url"]
    assert started_job.json["state"] == "queued" and started_job.json["progress"] == 0

    early = api.get(f"/api/v1/jobs/{job_id}/result")
    if early.status_code != 200:  # unless the pack was faster than this request
        assert early.status_code == 409 and early.mimetype == "application/problem+json"

    body, seen = _poll(api, started_job.headers["Location"])
    assert body["state"] == "done", body
    assert body["progress"] == 100 and body["kind"] == "audits.pack" and body["created_by"] == "auditor"
    assert body["result_url"] == f"/api/v1/jobs/{job_id}/result"
    assert "error" not in body and body["finished_at"] >= body["created_at"]
    assert [p for _s, p in seen] == sorted(p for _s, p in seen)  # progress only moves forward

    result = api.get(body["result_url"])
    assert result.status_code == 200 and result.mimetype == "application/pdf"
    assert result.data.startswith(b"%PDF")
    disposition = result.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"{audit_ref}-evidence-pack.pdf" in disposition
    text = _pdf_text(result.data, tmp_path)
    assert audit_ref in text and "Two visitors waited ten minutes" in text
    assert os.listdir(_folder(app, job_id)) == [f"{audit_ref}-evidence-pack.pdf"]
    # The next tick tells whoever started it, once.
    from core.scheduler import run_tick

    with app.app_context():
        assert "core.jobs: finished jobs announced: 1" in run_tick()
        assert not any("finished jobs" in line for line in run_tick())
    told = [n for n in api.get("/api/v1/notifications").json if n["kind"] == "core.jobs.done"]
    assert [n["subject"] for n in told] == [f"Your job {audit_ref} is done"] and told[0]["url"] == f"/jobs/{job_id}"


# Who may do what needs no pack to be built: the runner only records the jobs.
@pytest.mark.parametrize("app_config", [{"JOBS_RUNNER": "tests.jobs.conftest:RecordingRunner"}])
def test_who_may_start_and_see_a_pack_job(app, api_as, audit_ref):
    # Staff read no audit: it is not there for them.
    staff = api_as("staff").post(f"/api/v1/audits/{audit_ref}/packs")
    assert staff.status_code == 404 and staff.mimetype == "application/problem+json"
    head = api_as("head").post(f"/api/v1/audits/{audit_ref}/packs")
    assert head.status_code == 403

    unknown = api_as("qo").post("/api/v1/audits/IA-1999-999/packs")
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert "IA-1999-999" in unknown.json["detail"]

    mine = api_as("qo").post(f"/api/v1/audits/{audit_ref}/packs")
    assert mine.status_code == 202
    url = mine.headers["Location"]
    for other in ("auditor", "staff"):
        response = api_as(other).get(url)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        assert api_as(other).get(url + "/result").status_code == 404
    assert api_as("admin").get(url).status_code == 200
    assert api_as("qo").get("/api/v1/jobs/no-such-job").status_code == 404
    assert [j["id"] for j in api_as("qo").get("/api/v1/jobs").json] == [mine.json["id"]]
    assert api_as("auditor").get("/api/v1/jobs").json == []


def test_a_pack_job_killed_mid_render_fails_and_leaves_no_file(app, api_as, audit_ref):
    api = api_as("qo")
    job_id = api.post(f"/api/v1/audits/{audit_ref}/packs").json["id"]
    end = time.monotonic() + DEADLINE
    row = _job_row(app, job_id)
    # Once write_pack reports progress, wait until the render is under way.
    reports = "progress" in inspect.signature(write_pack).parameters
    while row["state"] != "running" or not row["pid"] or (reports and row["progress"] == 0):
        assert row["state"] in ("queued", "running") and time.monotonic() < end, row
        time.sleep(0.05)
        row = _job_row(app, job_id)
    os.killpg(row["pid"], signal.SIGKILL)

    body, _seen = _poll(api, f"/api/v1/jobs/{job_id}")
    assert body["state"] == "failed"
    assert body["error"] in (
        "The job's process was killed (SIGKILL).",
        ("The job's worker process is gone (it was stopped, or the server restarted); start the job again."),
    )
    assert "result_url" not in body
    folder = _folder(app, job_id)
    assert not folder.exists() or os.listdir(folder) == []
    assert api.get(f"/api/v1/jobs/{job_id}/result").status_code == 409


@pytest.mark.parametrize("app_config", [{"JOBS_TIME_LIMIT": 1}])
def test_a_pack_job_over_its_time_limit_is_stopped_and_reported(app, api_as, audit_ref):
    api = api_as("auditor")
    url = api.post(f"/api/v1/audits/{audit_ref}/packs").headers["Location"]
    body, _seen = _poll(api, url)
    assert body["state"] == "failed"
    assert body["error"] == "The job took longer than its time limit of 1 seconds and was stopped."
    assert not _folder(app, body["id"]).exists()


def _token(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def test_the_web_export_shows_progress_then_a_download_link(app, client_as, audit_ref):
    staff = client_as("staff")
    staff_page = staff.get(f"/audits/{audit_ref}").get_data(as_text=True)
    assert "Export evidence pack" not in staff_page
    assert staff.post(f"/audits/{audit_ref}/packs", data={"csrf_token": _token(staff_page)}).status_code == 404

    client = client_as("auditor")
    page = client.get(f"/audits/{audit_ref}").get_data(as_text=True)
    assert "Export evidence pack" in page
    assert f'action="/audits/{audit_ref}/packs"' in page
    assert client.post(f"/audits/{audit_ref}/packs").status_code == 400  # no CSRF token, no job

    started_job = client.post(f"/audits/{audit_ref}/packs", data={"csrf_token": _token(page)})
    assert started_job.status_code == 302
    job_url = started_job.headers["Location"]
    assert re.fullmatch(r"/jobs/[\w-]{20,}", job_url)

    first = client.get(job_url).get_data(as_text=True)
    assert f"Evidence pack · {audit_ref}" in first
    if "Download" not in first:
        assert '<meta http-equiv="refresh" content="2">' in first and "<progress" in first

    end = time.monotonic() + DEADLINE
    while True:
        view = client.get(job_url).get_data(as_text=True)
        # The running page holds the failure's words hidden, for its script: the state's badge says.
        if "Download" in view or "job-state-failed" in view or time.monotonic() > end:
            break
        time.sleep(0.3)
    assert "Download" in view, view
    assert 'http-equiv="refresh"' not in view
    download = client.get(job_url + "/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert f"{audit_ref}-evidence-pack.pdf" in download.headers["Content-Disposition"]

    other = client_as("qo")
    assert other.get(job_url).status_code == 404
    assert other.get(job_url + "/download").status_code == 404
