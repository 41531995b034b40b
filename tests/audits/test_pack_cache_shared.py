"""The pack render cache shared between nodes through the object store (a real SeaweedFS): a unit rendered
on one machine is reused on another, a damaged object is rendered again, a store that is down costs only time."""

import logging
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from audits.pack.cache import SHARED_FOLDER
from core import create_app
from core.database import db
from core.storage import file_store
from core.testing import PLUGIN_TEST_CONFIG
from tests.audits.conftest import FieldCheck, record
from tests.audits.test_pack_render import _audit, _pack, small_units  # noqa: F401 — a fixture

pytestmark = pytest.mark.usefixtures("cast", "ctx")


@pytest.fixture
def app_config(s3_config):
    return s3_config


@pytest.fixture
def other_node(app, tmp_path):
    """A second app server: the same database and bucket, an instance folder (and so a local cache) of its own."""
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "other-node",
            "INSTANCE_PATH": str(tmp_path / "other-node" / "instance"),
            **PLUGIN_TEST_CONFIG,
            "DEALERQMS_EXTRA_PLUGINS": {"fieldcheck": FieldCheck()},
            "DEALERQMS_STORAGE_URL": app.config["DEALERQMS_STORAGE_URL"],
            "DEALERQMS_S3_ENDPOINT_URL": app.config["DEALERQMS_S3_ENDPOINT_URL"],
        }
    )
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def local_cache(app) -> Path:
    return Path(app.instance_path) / "cache" / "pack"


def pack_on(node, tmp_path, reference):
    # The test's own session ends its transaction first: SQLite has one writer at a time.
    db.session.close()
    with node.app_context():
        return _pack(tmp_path, reference, f"pack-{uuid.uuid4().hex[:6]}.pdf")


def shared_entries(app) -> dict[str, bytes]:
    with app.app_context():
        store = file_store()
        return {
            name.removeprefix(SHARED_FOLDER): store.read_named(name)
            for name, _size, _modified in store.list_named(SHARED_FOLDER)
        }


def unit_entries(app, first) -> dict[str, bytes]:
    """The bucket's rendered units: not the finished pack (``first``'s file) nor its note of what it is made of."""
    return {
        name: entry
        for name, entry in shared_entries(app).items()
        if name.endswith(".pdfunit") and entry[64:68] == b"%PDF" and entry[64:] != first.pdf
    }


def pdf_text(entry: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=entry[64:], capture_output=True, check=True).stdout.decode()


def test_a_unit_rendered_on_one_node_is_reused_on_another(app, other_node, tmp_path):
    audit = _audit()
    db.session.commit()
    first = pack_on(app, tmp_path, audit.reference)
    assert first.reused == [] and len(first.rendered) > 5
    shared = shared_entries(app)
    assert {name for name in shared if name.endswith(".pdfunit")} == {
        path.name for path in local_cache(app).glob("*.pdfunit")
    }, "every unit rendered here went to the bucket too"

    reference = audit.reference
    elsewhere = pack_on(other_node, tmp_path, reference)
    assert elsewhere.rendered == [], "the other node renders nothing anew"
    assert elsewhere.from_cache and elsewhere.pdf == first.pdf, "nothing changed: the pack made on the first node"
    assert sorted(elsewhere.reused) == sorted(first.rendered)
    assert elsewhere.pages == first.pages

    with other_node.app_context():
        from audits.services.audits import audit_by_reference

        record(audit_by_reference(reference), 2, "conforming", "Signed handover sheets seen; one copy missing its date")
    changed = pack_on(other_node, tmp_path, reference)
    chunk = "checklists/fieldcheck.showroom/1"
    assert chunk in changed.rendered and "checklists/fieldcheck.showroom/0" in changed.reused
    trail_chunks = {key for key in changed.rendered if key.startswith("trail/")}
    assert set(changed.rendered) <= {chunk, "trail", "contents"} | trail_chunks
    assert len(changed.reused) > 5, "the other node's units came from the bucket"
    assert len(list(local_cache(other_node).glob("*.pdfunit"))) >= len(changed.reused), (
        "what it found in the bucket is kept in its own folder as well"
    )


def test_a_damaged_object_in_the_bucket_is_rendered_again_and_replaced(app, other_node, tmp_path):
    audit = _audit()
    db.session.commit()
    first = pack_on(app, tmp_path, audit.reference)
    # A unit of the body (the page stamps are not counted among the rendered units).
    name = next(name for name, entry in unit_entries(app, first).items() if "Nonconformities" in pdf_text(entry))
    whole = next(name for name, entry in shared_entries(app).items() if entry[64:] == first.pdf)
    with app.app_context():
        store = file_store()
        # The unit, and the finished pack made of it (else the other node answers with that file).
        for damaged in (whole, name):
            data = bytearray(store.read_named(SHARED_FOLDER + damaged))
            data[len(data) // 2] ^= 0xFF
            store.write_named(SHARED_FOLDER + damaged, bytes(data))

    again = pack_on(other_node, tmp_path, audit.reference)
    assert len(again.rendered) == 1 and again.pages == first.pages
    assert shared_entries(app)[name] != bytes(data), "the new entry replaced the damaged object"

    shutil.rmtree(local_cache(other_node))
    assert pack_on(other_node, tmp_path, audit.reference).rendered == [], "…intact"


def test_a_store_that_is_down_makes_the_cache_miss_not_the_pack_fail(app, other_node, tmp_path, caplog):
    audit = _audit()
    db.session.commit()
    # The second node's store stops answering after it started.
    other_node.config["DEALERQMS_S3_ENDPOINT_URL"] = "http://127.0.0.1:9"
    with caplog.at_level(logging.WARNING, logger="audits.pack.cache"):
        result = pack_on(other_node, tmp_path, audit.reference)
    assert result.reused == [] and len(result.rendered) > 5
    warnings = [record.getMessage() for record in caplog.records if record.name == "audits.pack.cache"]
    assert len(warnings) == 1, "one warning, then the node's own folder alone"
    assert "not used for the rest of this pack" in warnings[0] and "does not answer" in warnings[0]
    assert shared_entries(app) == {}, "nothing reached the bucket"
    assert pack_on(other_node, tmp_path, audit.reference).rendered == [], "its own folder still serves"
