"""`dealerqms backup` / `restore` with the evidence in an S3 bucket: the files go into the archive
laid out as on disk (so a backup moves between the two stores) and come back into the bucket."""

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select

from core import create_app
from core.accounts import services
from core.backup import NOT_BACKED_UP
from core.database import db
from core.migration import upgrade
from core.storage import file_store
from core.trail import acting_as
from tests.object_store import BUCKET

EVIDENCE = [b"photo of the showroom checklist", "试驾记录 — test-drive log".encode(), bytes(range(256)) * 40]


@pytest.fixture
def empty_instance(new_deployment):
    return new_deployment()


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
    assert f"The evidence store {empty_instance.config['DEALERQMS_STORAGE_URL']}/ at " in outcome.output
    assert outcome.output.strip().endswith(
        "is not empty; restore into an empty instance, or add --force to replace everything in it."
    )


def test_restore_repairs_a_damaged_copy_already_in_the_bucket(make_app, s3_config, s3_client, empty_instance, tmp_path):
    source = make_app(**s3_config)
    with source.app_context():
        for content in EVIDENCE:
            file_store().put(io.BytesIO(content))
    archive = tmp_path / "nightly.tar.gz"
    assert run(source, "backup", str(archive)).exit_code == 0
    # The new instance's bucket already has the backup's files (an earlier, interrupted restore),
    # one of them damaged there since.
    with empty_instance.app_context():
        for content in EVIDENCE:
            file_store().put(io.BytesIO(content))
        damaged = file_store().key(hashlib.sha256(EVIDENCE[0]).hexdigest())
    s3_client.put_object(Bucket=BUCKET, Key=damaged, Body=b"not the photo")

    restored = run(empty_instance, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert stored(empty_instance) == stored(source)


# Moving a single node (SQLite, files on disk) to PostgreSQL and a bucket, as docs/deployment.md describes.


@pytest.fixture
def single_node(tmp_path, empty_database):
    """An instance as `dealerqms init` leaves it on one machine: SQLite, evidence in the instance folder."""
    folder = tmp_path / "single-node"
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database("sqlite", folder),
            "SECRET_KEY": "single-node",
            "INSTANCE_PATH": str(folder / "instance"),
        }
    )
    with application.app_context(), acting_as("setup"):
        upgrade()
        for n in range(3):
            services.create_site(None, f"B{n}", f"Branch {n} — 分店")
            db.session.commit()
        for content in EVIDENCE:
            file_store().put(io.BytesIO(content))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def cluster(tmp_path, empty_database, s3_config):
    """The new deployment: an empty database of the suite's kind (PostgreSQL in `make test`'s second run) and
    the bucket."""
    folder = tmp_path / "cluster"
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database(None, folder),
            "SECRET_KEY": "cluster",
            "INSTANCE_PATH": str(folder / "instance"),
            **s3_config,
        }
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def rows(app) -> dict[str, list]:
    with app.app_context(), db.engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(bind=connection)
        return {
            name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for name, table in metadata.tables.items()
            if name not in NOT_BACKED_UP and not name.startswith("search_")
        }


def test_a_single_node_moves_to_the_server_database_and_a_bucket(single_node, cluster, s3_config, tmp_path):
    # 1. While the old instance runs: its files into the bucket (again later for what arrived meanwhile).
    single_node.config["DEALERQMS_S3_ENDPOINT_URL"] = s3_config["DEALERQMS_S3_ENDPOINT_URL"]
    copied = run(single_node, "migrate-storage", "--to", s3_config["DEALERQMS_STORAGE_URL"])
    assert copied.exit_code == 0, copied.output
    # 2. Stopped: one backup of the SQLite database (its files included, for the checksums).
    archive = tmp_path / "move.tar.gz"
    assert run(single_node, "backup", str(archive)).exit_code == 0
    # 3. Restored into PostgreSQL; the bucket already holding the backup's files is no reason to refuse.
    restored = run(cluster, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert "The audit trail verifies" in restored.output

    with cluster.app_context():
        assert db.engine.dialect.name == ("postgresql" if os.environ.get("DEALERQMS_TEST_DATABASE_URL") else "sqlite")
    assert rows(cluster) == rows(single_node)
    assert stored(cluster) == {hashlib.sha256(content).hexdigest(): content for content in EVIDENCE}
    assert run(cluster, "trail", "verify").exit_code == 0
