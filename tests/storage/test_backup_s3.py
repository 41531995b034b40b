"""`dealerqms backup` / `restore` with the evidence in an S3 bucket: the files go into the archive
laid out as on disk (so a backup moves between the two stores) and come back into the bucket."""

import hashlib
import io
import json
import tarfile
import uuid
from pathlib import Path

import pytest

from core import create_app
from core.database import db
from core.storage import file_store
from tests.object_store import BUCKET

EVIDENCE = [b"photo of the showroom checklist", "试驾记录 — test-drive log".encode(), bytes(range(256)) * 40]


@pytest.fixture
def empty_instance(tmp_path, empty_database, s3_config):
    """A new instance: a database without schema, and a bucket prefix of its own."""
    folder = tmp_path / "target"
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database(None, folder),
            "SECRET_KEY": "target",
            "INSTANCE_PATH": str(folder / "instance"),
            **s3_config,
            "DEALERQMS_STORAGE_URL": f"s3://{BUCKET}/restored-{uuid.uuid4().hex}",
        }
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def stored(app) -> dict[str, bytes]:
    with app.app_context():
        store = file_store()
        return {sha256: store.read(sha256) for sha256 in store.all_hashes()}


def test_the_bucket_s_files_are_backed_up_and_restored_into_a_new_instance_s_bucket(
    make_app, s3_config, empty_instance, tmp_path
):
    source = make_app(**s3_config)
    with source.app_context():
        for content in EVIDENCE:
            file_store().put(io.BytesIO(content))
    archive = tmp_path / "nightly.tar.gz"
    made = run(source, "backup", str(archive))
    assert made.exit_code == 0, made.output
    assert "3 evidence files" in made.output
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    digests = sorted(hashlib.sha256(content).hexdigest() for content in EVIDENCE)
    assert [entry["path"] for entry in manifest["files"]] == [f"{d[:2]}/{d[2:4]}/{d}" for d in digests]

    restored = run(empty_instance, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert stored(empty_instance) == stored(source)
    assert not Path(empty_instance.config["DEALERQMS_STORAGE_PATH"]).exists(), "nothing went to the local folder"


def test_restore_refuses_a_bucket_that_already_holds_files(make_app, s3_config, empty_instance, tmp_path):
    archive = tmp_path / "nightly.tar.gz"
    assert run(make_app(**s3_config), "backup", str(archive)).exit_code == 0
    with empty_instance.app_context():
        file_store().put(io.BytesIO(b"someone else's evidence"))
    outcome = run(empty_instance, "restore", str(archive))
    assert outcome.exit_code == 1
    assert "The evidence store s3://dealerqms-tests/restored-" in outcome.output
    assert outcome.output.strip().endswith(
        "is not empty; restore into an empty instance, or add --force to replace everything in it."
    )
