"""`dealerqms backup` / `restore` with the archive itself in the object store (a real SeaweedFS): written
on a node that keeps nothing, checked against the SHA-256 recorded with it, restored into a fresh deployment."""

import hashlib
import io
import os
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect

from core.database import db
from core.storage import file_store
from core.testing import PLUGIN_TEST_CONFIG, TEST_PASSWORD, csrf_token
from tests.audits.conftest import JPEG, FieldCheck, cast, fieldcheck  # noqa: F401 — fixtures
from tests.audits.test_evidence_s3 import _upload_photo
from tests.object_store import BUCKET

pytestmark = pytest.mark.usefixtures("cast")

# Random bytes do not compress: the archive passes 8 MiB and goes up, and comes down, in parts.
LARGE = os.urandom(9 * 1024 * 1024)


@pytest.fixture
def app_config(s3_config):
    return s3_config


@pytest.fixture
def fresh(new_deployment):
    """A new deployment with this file's plugins, whose pages a user logs in to."""
    return new_deployment(
        SESSION_COOKIE_SECURE=False, **PLUGIN_TEST_CONFIG, DEALERQMS_EXTRA_PLUGINS={"fieldcheck": FieldCheck()}
    )


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def log_in(app, login):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"login": login, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def untouched(app) -> bool:
    """No table in the database, no file in the store."""
    with app.app_context():
        return inspect(db.engine).get_table_names() == [] and list(file_store().all_hashes()) == []


def leftovers(app) -> list[str]:
    """What a backup or restore left in the instance folder on its way."""
    folder = Path(app.instance_path)
    return sorted(path.name for path in folder.glob(".dealerqms-*")) if folder.is_dir() else []


def object_of(url: str) -> tuple[str, str]:
    bucket, _slash, key = url.removeprefix("s3://").partition("/")
    return bucket, key


def test_a_backup_goes_to_the_bucket_and_restores_into_a_fresh_deployment(app, client_as, fresh, s3_client):
    _reference, evidence_id = _upload_photo(client_as("auditor"))
    with app.app_context():
        large, _size = file_store().put(io.BytesIO(LARGE))

    made = run(app, "backup")
    assert made.exit_code == 0, made.output
    where = re.search(r" to (s3://\S+)\.$", made.output.strip()).group(1)
    prefix = app.config["DEALERQMS_STORAGE_URL"]
    assert re.fullmatch(re.escape(prefix) + r"/backups/\d{8}T\d{6}Z\.tar\.gz", where)
    assert "2 evidence files" in made.output
    bucket, key = object_of(where)
    stored = s3_client.get_object(Bucket=bucket, Key=key)
    body = stored["Body"].read()
    assert len(body) > 9 * 1024 * 1024
    assert stored["Metadata"]["sha256"] == hashlib.sha256(body).hexdigest()
    assert leftovers(app) == [], "the archive on its way was removed"

    listed = run(app, "backup", "--list")
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith(f"{where}\t{len(body):,} bytes\t")

    restored = run(fresh, "restore", where)
    assert restored.exit_code == 0, restored.output
    assert f"from {where}." in restored.output and "The audit trail verifies" in restored.output
    assert leftovers(fresh) == []

    shown = log_in(fresh, "auditor").get(f"/evidence/{evidence_id}")
    assert shown.status_code == 200 and shown.data == JPEG
    with fresh.app_context():
        assert file_store().read(large) == LARGE
    assert run(fresh, "trail", "verify").exit_code == 0


@pytest.mark.parametrize("damage", ["changed", "truncated"])
def test_a_damaged_backup_object_is_refused_and_nothing_restored(app, fresh, s3_client, damage):
    with app.app_context():
        file_store().put(io.BytesIO(b"photo of the showroom checklist"))
    where = f"s3://{BUCKET}/elsewhere-{uuid.uuid4().hex}/nightly.tar.gz"
    made = run(app, "backup", where)
    assert made.exit_code == 0, made.output
    assert made.output.strip().endswith(f"to {where}.")

    bucket, key = object_of(where)
    stored = s3_client.get_object(Bucket=bucket, Key=key)
    body = bytearray(stored["Body"].read())
    if damage == "changed":
        body[len(body) // 2] ^= 0x01
    else:
        del body[len(body) // 2 :]
    s3_client.put_object(Bucket=bucket, Key=key, Body=bytes(body), Metadata=stored["Metadata"])

    refused = run(fresh, "restore", where)
    assert refused.exit_code == 1
    assert refused.output.strip() == (
        f"Error: {where} is damaged: its content does not match the SHA-256 recorded when it was written; "
        "nothing was changed."
    )
    assert untouched(fresh)
    assert leftovers(fresh) == []


def test_an_object_without_a_recorded_sha256_is_refused(app, fresh, s3_client, tmp_path):
    archive = tmp_path / "by-hand.tar.gz"
    assert run(app, "backup", str(archive)).exit_code == 0
    key = f"by-hand-{uuid.uuid4().hex}/nightly.tar.gz"
    s3_client.put_object(Bucket=BUCKET, Key=key, Body=archive.read_bytes())
    refused = run(fresh, "restore", f"s3://{BUCKET}/{key}")
    assert refused.exit_code == 1
    assert "has no SHA-256 recorded with it (it was not written by dealerqms backup)" in refused.output
    assert untouched(fresh)


def test_a_missing_bucket_or_object_is_one_sentence(app, fresh):
    missing_bucket = f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/nightly.tar.gz"
    outcome = run(app, "backup", missing_bucket)
    assert outcome.exit_code == 1
    assert outcome.output.strip().endswith(
        f"it has no bucket {object_of(missing_bucket)[0]}. No backup was written to {missing_bucket}."
    )
    assert leftovers(app) == []

    outcome = run(fresh, "restore", missing_bucket)
    assert outcome.exit_code == 1
    assert "cannot be used: it has no bucket" in outcome.output and outcome.output.strip().endswith(
        "Nothing was changed."
    )

    missing_key = f"s3://{BUCKET}/nobody-{uuid.uuid4().hex}/nightly.tar.gz"
    outcome = run(fresh, "restore", missing_key)
    assert outcome.exit_code == 1
    assert outcome.output.strip() == f"Error: There is no backup {missing_key}; nothing was changed."
    assert untouched(fresh)

    outcome = run(fresh, "restore", f"s3://{BUCKET}/")
    assert outcome.exit_code == 1
    assert "names no object; give the whole key" in outcome.output


def test_a_store_that_does_not_answer_is_one_sentence(make_app, s3_credentials):
    # A single node, files on its disk, told to send its backup to a store whose port is closed.
    node = make_app(DEALERQMS_S3_ENDPOINT_URL="http://127.0.0.1:9")
    outcome = run(node, "backup", f"s3://{BUCKET}/nightly.tar.gz")
    assert outcome.exit_code == 1
    assert outcome.output.strip() == (
        f"Error: The object store s3://{BUCKET}/ at http://127.0.0.1:9 cannot be used: it does not answer. "
        f"No backup was written to s3://{BUCKET}/nightly.tar.gz."
    )
    outcome = run(node, "restore", f"s3://{BUCKET}/nightly.tar.gz")
    assert outcome.exit_code == 1
    assert outcome.output.strip().endswith("it does not answer. Nothing was changed.")

    # Without a store of its own there is no default place for a backup.
    outcome = run(node, "backup")
    assert outcome.exit_code == 1
    assert "Without DEALERQMS_STORAGE_URL there is no default place to write a backup" in outcome.output
