"""`dealerqms migrate-storage --to s3://…`: a single node's evidence folder copied into a bucket,
checked by SHA-256, resumable, the disk left as it was; then the app reads the same files from the bucket."""

import hashlib
import io
from pathlib import Path

import pytest

from core.accounts.models import User
from core.database import db
from core.jobs import services as job_services
from core.jobs.models import Job
from core.jobs.services import new_job_id
from core.jobs.states import job_folder
from core.storage import LocalFileStore, file_store
from core.storage.base import nested_name
from tests.object_store import BUCKET

EVIDENCE = [b"photo of the showroom checklist", "试驾记录 — test-drive log".encode(), bytes(range(256)) * 40]
DIGESTS = sorted(hashlib.sha256(content).hexdigest() for content in EVIDENCE)


@pytest.fixture
def single_node(app):
    """An instance with its evidence in the local folder, and an upload still being written."""
    with app.app_context():
        for content in EVIDENCE:
            file_store().put(io.BytesIO(content))
    root = Path(app.config["DEALERQMS_STORAGE_PATH"])
    (root / ".upload-abc123").write_bytes(b"half a file")
    return app


def run(app, *args):
    return app.test_cli_runner().invoke(args=["migrate-storage", *args])


def migrate(app, s3_config):
    """As the operator runs it: the store's endpoint set (DEALERQMS_S3_ENDPOINT_URL), files still on disk."""
    app.config["DEALERQMS_S3_ENDPOINT_URL"] = s3_config["DEALERQMS_S3_ENDPOINT_URL"]
    return run(app, "--to", s3_config["DEALERQMS_STORAGE_URL"])


def on_disk(app) -> dict[str, bytes]:
    root = Path(app.config["DEALERQMS_STORAGE_PATH"])
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def switch_to_bucket(app, s3_config) -> None:
    """What the operator does after the copy: set DEALERQMS_STORAGE_URL (and the endpoint)."""
    app.config.update(s3_config)


def in_bucket(app) -> dict[str, bytes]:
    with app.app_context():
        store = file_store()
        return {sha256: store.read(sha256) for sha256 in store.all_hashes()}


def test_every_file_is_copied_checked_and_then_served_from_the_bucket(single_node, s3_config):
    before = on_disk(single_node)
    outcome = migrate(single_node, s3_config)
    assert outcome.exit_code == 0, outcome.output
    assert "Copied 3 files (10.1 KiB) to s3://dealerqms-tests/test-" in outcome.output
    assert "0 files (0 bytes) were there already; all checked against their SHA-256." in outcome.output
    assert on_disk(single_node) == before, "the source folder is left exactly as it was"

    switch_to_bucket(single_node, s3_config)
    assert in_bucket(single_node) == {hashlib.sha256(c).hexdigest(): c for c in EVIDENCE}


def test_a_second_run_copies_only_what_is_missing(single_node, s3_config, s3_client):
    url = s3_config["DEALERQMS_STORAGE_URL"]
    assert migrate(single_node, s3_config).exit_code == 0
    # An interrupted first run, seen from the bucket: one file never arrived.
    prefix = url.removeprefix(f"s3://{BUCKET}/")
    s3_client.delete_object(Bucket=BUCKET, Key=f"{prefix}/{nested_name(DIGESTS[0])}")

    again = migrate(single_node, s3_config)
    assert again.exit_code == 0, again.output
    sizes = {hashlib.sha256(content).hexdigest(): len(content) for content in EVIDENCE}
    assert f"Copied 1 file ({sizes[DIGESTS[0]]} bytes) to" in again.output
    there_already = sum(sizes.values()) - sizes[DIGESTS[0]]
    assert f"2 files ({there_already / 1024:.1f} KiB) were there already" in again.output
    switch_to_bucket(single_node, s3_config)
    assert len(in_bucket(single_node)) == 3


def test_a_damaged_copy_in_the_bucket_is_replaced_from_the_disk(single_node, s3_config, s3_client):
    url = s3_config["DEALERQMS_STORAGE_URL"]
    prefix = url.removeprefix(f"s3://{BUCKET}/")
    s3_client.put_object(Bucket=BUCKET, Key=f"{prefix}/{nested_name(DIGESTS[1])}", Body=b"not what was uploaded")

    outcome = migrate(single_node, s3_config)
    assert outcome.exit_code == 0, outcome.output
    assert "Copied 3 files" in outcome.output
    assert "(of the copied, 1 replaced a damaged copy there)" in outcome.output
    switch_to_bucket(single_node, s3_config)
    assert in_bucket(single_node) == {hashlib.sha256(c).hexdigest(): c for c in EVIDENCE}


def test_a_file_damaged_on_the_disk_is_not_copied_and_fails_the_run(single_node, s3_config):
    damaged = LocalFileStore(single_node.config["DEALERQMS_STORAGE_PATH"]).path(DIGESTS[2])
    damaged.write_bytes(b"changed after it was stored")

    outcome = migrate(single_node, s3_config)
    assert outcome.exit_code == 1
    assert "Copied 2 files" in outcome.output
    error = outcome.output.strip().splitlines()[-1]
    assert error == (
        f"Error: 1 file could not be copied (the first: {damaged} does not match its SHA-256 (it is damaged on "
        "this disk)); nothing was deleted: restore them from a backup and run the command again."
    )
    assert damaged.read_bytes() == b"changed after it was stored"
    switch_to_bucket(single_node, s3_config)
    assert DIGESTS[2] not in in_bucket(single_node)


def test_the_results_of_finished_jobs_can_still_be_downloaded_from_the_bucket(single_node, s3_config, users):
    with single_node.app_context():
        creator = db.session.execute(db.select(User).filter_by(login=users["quality_officer"])).scalar_one()
        job = Job(id=new_job_id(), kind="audits.pack", params={}, state="done", result_name="pack.pdf")
        job.created_by_id = creator.id
        db.session.add(job)
        db.session.commit()
        job_folder(job.id).mkdir(parents=True)
        (job_folder(job.id) / "pack.pdf").write_bytes(b"%PDF-1.7 evidence pack")
        job_id = job.id

    outcome = migrate(single_node, s3_config)
    assert outcome.exit_code == 0, outcome.output
    assert "Job results copied or already there: 1." in outcome.output

    switch_to_bucket(single_node, s3_config)
    with single_node.app_context():
        creator = db.session.execute(db.select(User).filter_by(login=users["quality_officer"])).scalar_one()
        _job, result = job_services.result_file(creator, job_id)
        with result:
            assert result.read() == b"%PDF-1.7 evidence pack"


def test_a_store_that_does_not_answer_is_one_sentence(single_node, s3_credentials):
    single_node.config["DEALERQMS_S3_ENDPOINT_URL"] = "http://127.0.0.1:9"
    outcome = run(single_node, "--to", f"s3://{BUCKET}/moved")
    assert outcome.exit_code == 1
    assert outcome.output.strip().splitlines() == [
        f"Error: The object store s3://{BUCKET}/moved/ at http://127.0.0.1:9 cannot be used: it does not answer. "
        "Check --to, DEALERQMS_S3_ENDPOINT_URL and the credentials."
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--to", "https://bucket/x"], "Error: --to must look like s3://bucket/prefix, not 'https://bucket/x'."),
        (["--to", "s3://evidence/x", "--from", "/nowhere"], "Error: There is no evidence folder /nowhere."),
    ],
)
def test_mistakes_are_one_sentence(app, arguments, message):
    outcome = run(app, *arguments)
    assert outcome.exit_code == 1
    assert outcome.output.strip().splitlines() == [message]
