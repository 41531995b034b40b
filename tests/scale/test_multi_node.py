"""Two app nodes and a worker on the real engines (issue #19): PostgreSQL, Redis, an S3 store.

Two `gunicorn` processes with separate instance folders (each holds only the
operator's config.py that names the test's checklist plugin) and one
`dealerqms worker` share one database, one Redis and one bucket prefix, as a
dealer group's app servers do. What a user does on one node must be what the
other node shows. Run with ``-s`` to see the time each step takes.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from core.testing import TEST_PASSWORD, free_port
from tests.audits.conftest import JPEG, record, started, user

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DEALERQMS_TEST_DATABASE_URL"),
        reason="needs PostgreSQL (DEALERQMS_TEST_DATABASE_URL): SQLite is one machine's file, not shared by nodes",
    ),
    pytest.mark.usefixtures("cast"),
]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SECRET_KEY = "multi-node-" + uuid.uuid4().hex
NODE_CONFIG = (
    "from tests.audits.conftest import FieldCheck\n\n"
    'DEALERQMS_LOAD_ENTRYPOINTS = "builtin"\n'
    'DEALERQMS_EXTRA_PLUGINS = {"fieldcheck": FieldCheck()}\n'
)


@pytest.fixture
def app_config(s3_config, redis_url):
    return {**s3_config, "JOBS_RUNNER": "rq", "DEALERQMS_REDIS_URL": redis_url, "SECRET_KEY": SECRET_KEY}


class Cluster:
    """The processes of the dealer group's servers, started as an operator starts them."""

    def __init__(self, app, tmp_path):
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("DEALERQMS_")}
        self.env.update(
            {
                "DEALERQMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "DEALERQMS_SECRET_KEY": SECRET_KEY,
                "DEALERQMS_REDIS_URL": app.config["DEALERQMS_REDIS_URL"],
                "DEALERQMS_JOBS_RUNNER": "rq",
                "DEALERQMS_STORAGE_URL": app.config["DEALERQMS_STORAGE_URL"],
                "DEALERQMS_S3_ENDPOINT_URL": app.config["DEALERQMS_S3_ENDPOINT_URL"],
                "DEALERQMS_INSECURE_COOKIES": "1",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            }
        )
        self.tmp_path = tmp_path
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}

    def _instance(self, name: str) -> Path:
        folder = self.tmp_path / f"instance-{name}"
        if not folder.exists():
            folder.mkdir()
            (folder / "config.py").write_text(NODE_CONFIG)
        return folder

    def _start(self, name: str, command: list[str]) -> subprocess.Popen:
        env = self.env | {"DEALERQMS_INSTANCE": str(self._instance(name))}
        with (self.tmp_path / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=self.tmp_path,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start_node(self, name: str) -> str:
        port = self.ports.setdefault(name, free_port())
        self._start(name, [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "core:create_app()"])
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert self.processes[name].poll() is None, self.log(name)
            try:
                if requests.get(f"{url}/login", timeout=30).status_code == 200:
                    return url
            # A node still starting under a loaded machine may take its time over the first page.
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, f"node {name} did not answer in 60 s\n{self.log(name)}"
            time.sleep(0.1)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name)
        process.terminate()
        process.wait(timeout=30)

    def start_worker(self) -> subprocess.Popen:
        return self._start("worker", [str(BIN / "dealerqms"), "worker"])

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]

    def close(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def cluster(app, tmp_path):
    servers = Cluster(app, tmp_path)
    try:
        yield servers
    finally:
        servers.close()


def logged_in(url: str, login: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(f"{url}/login").text).group(1)
    response = session.post(
        f"{url}/login", data={"login": login, "password": TEST_PASSWORD, "csrf_token": token}, allow_redirects=False
    )
    assert response.status_code == 302, f"login as {login} failed: {response.status_code}"
    return session


def token_of(app, login: str) -> dict:
    from core.accounts import services
    from core.database import commit

    with app.app_context():
        _token, plain = services.create_token(None, user(login), "multi-node")
        commit()
    return {"Authorization": f"Bearer {plain}"}


def job_state(url: str, headers: dict, job_id: str) -> dict:
    response = requests.get(f"{url}/api/v1/jobs/{job_id}", headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(condition, seconds: float = 60, what: str = "the condition"):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def bucket_keys(app, job_id: str) -> list[str]:
    from core.storage import file_store

    with app.app_context():
        store = file_store()
        listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=f"{store.location.prefix}jobs/{job_id}/")
    return [entry["Key"] for entry in listing.get("Contents", ())]


class Timings:
    def __init__(self):
        self.last = time.monotonic()

    def step(self, what: str) -> None:
        now = time.monotonic()
        print(f"[multi-node] {what}: {now - self.last:.2f} s")
        self.last = now


def test_two_app_nodes_and_a_worker_share_evidence_packs_and_sessions(app, cluster, tmp_path):
    timings = Timings()
    with app.app_context():
        audit = started()
        record(audit, 0, "minor_nc", "Two visitors waited ten minutes")
        record(audit, 1, "conforming", "Test drive offered and logged")
        reference, item_id = audit.reference, audit.items[0].id
    auditor_api = token_of(app, "auditor")
    node_a, node_b = cluster.start_node("a"), cluster.start_node("b")
    cluster.start_worker()
    timings.step("two nodes and a worker started")

    # Evidence uploaded through A is shown and downloaded through B, with the same session.
    browser = logged_in(node_a, "auditor")
    page = browser.get(f"{node_a}/audits/{reference}")
    uploaded = browser.post(
        f"{node_a}/audits/{reference}/items/{item_id}/evidence",
        data={"csrf_token": CSRF.search(page.text).group(1)},
        files={"file": ("door.jpg", JPEG, "image/jpeg")},
        allow_redirects=False,
    )
    assert uploaded.status_code == 302, uploaded.text
    shown_on_b = browser.get(f"{node_b}/audits/{reference}")
    assert shown_on_b.status_code == 200 and "door.jpg" in shown_on_b.text
    evidence_url = node_b + re.search(r"/evidence/\d+", shown_on_b.text).group(0)
    downloaded = browser.get(evidence_url)
    assert downloaded.status_code == 200 and downloaded.headers["Content-Type"].startswith("image/jpeg")
    assert hashlib.sha256(downloaded.content).hexdigest() == hashlib.sha256(JPEG).hexdigest()
    timings.step("evidence uploaded on A, shown and downloaded on B")

    # A pack requested on A is built by the worker and downloaded through B.
    requested = requests.post(f"{node_a}/api/v1/audits/{reference}/packs", headers=auditor_api, timeout=30)
    assert requested.status_code == 202, requested.text
    pack_id = requested.json()["id"]
    done = wait_for(
        lambda: (body := job_state(node_b, auditor_api, pack_id))["state"] in ("done", "failed") and body,
        what="the pack",
    )
    assert done["state"] == "done", f"{done}\n{cluster.log('worker')}"
    pack = requests.get(f"{node_b}/api/v1/jobs/{pack_id}/result", headers=auditor_api, timeout=30)
    assert pack.status_code == 200 and pack.content.startswith(b"%PDF-")
    pack_digest = hashlib.sha256(pack.content).hexdigest()
    assert not (tmp_path / "instance-worker" / "jobs" / pack_id).exists(), "the result lives in the bucket"
    timings.step("pack requested on A, built by the worker, downloaded on B")

    # Restarting node A loses nothing: the session, the evidence and the pack are all still there.
    cluster.stop("a")
    node_a = cluster.start_node("a")
    again = browser.get(evidence_url.replace(node_b, node_a), allow_redirects=False)
    assert again.status_code == 200 and hashlib.sha256(again.content).hexdigest() == hashlib.sha256(JPEG).hexdigest()
    pack_again = requests.get(f"{node_a}/api/v1/jobs/{pack_id}/result", headers=auditor_api, timeout=30)
    assert pack_again.status_code == 200 and hashlib.sha256(pack_again.content).hexdigest() == pack_digest
    timings.step("node A restarted, session, evidence and pack intact")

    # kill -9 of the worker mid-pack leaves the job failed and nothing half-written. A response changes
    # first: with nothing changed the pack would be the file made before, there at once.
    with app.app_context():
        from audits.services.audits import audit_by_reference

        record(audit_by_reference(reference), 1, "conforming", "Test drive offered and logged; re-checked")
    requested = requests.post(f"{node_a}/api/v1/audits/{reference}/packs", headers=auditor_api, timeout=30)
    assert requested.status_code == 202, requested.text
    killed_id = requested.json()["id"]

    def building():  # past its first step: the pack is being built, not only taken by the worker
        body = job_state(node_b, auditor_api, killed_id)
        ended = body["state"] in ("done", "failed")
        return body if ended or (body["state"] == "running" and body["progress"]) else None

    running = wait_for(building, what="the worker to start building the pack")
    assert running["state"] == "running", f"the pack ended before the worker could be killed: {running}"
    os.kill(cluster.processes["worker"].pid, signal.SIGKILL)  # the worker alone: its work process must notice
    failed = wait_for(
        lambda: (body := job_state(node_a, auditor_api, killed_id))["state"] in ("done", "failed") and body,
        seconds=45,
        what="the killed pack to be failed",
    )
    assert failed["state"] == "failed", failed
    assert "worker" in failed["error"] and "start the job again" in failed["error"], failed["error"]
    refused = requests.get(f"{node_b}/api/v1/jobs/{killed_id}/result", headers=auditor_api, timeout=30)
    assert refused.status_code == 409
    assert bucket_keys(app, killed_id) == [], "a killed pack leaves nothing in the bucket"
    # The job is marked failed first, then its work process removes its folder and ends.
    folder = tmp_path / "instance-worker" / "jobs" / killed_id
    wait_for(lambda: not folder.exists(), seconds=15, what="the killed pack's folder to be removed")
    timings.step(f"worker killed mid-pack at {running['progress']} %, job failed, nothing left")

    # A logout on A ends the session on B.
    assert browser.get(f"{node_b}/audits/{reference}", allow_redirects=False).status_code == 200
    page = browser.get(f"{node_a}/audits/{reference}")
    logged_out = browser.post(
        f"{node_a}/logout", data={"csrf_token": CSRF.search(page.text).group(1)}, allow_redirects=False
    )
    assert logged_out.status_code == 302
    on_b = browser.get(f"{node_b}/audits/{reference}", allow_redirects=False)
    assert on_b.status_code == 302 and "/login" in on_b.headers["Location"]
    assert browser.get(evidence_url, allow_redirects=False).status_code == 302
    timings.step("logout on A ended the session on B")
