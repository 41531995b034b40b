"""Evidence files: content type, hashing, the size limit, atomic storage, serving."""

import hashlib
import io
from pathlib import Path

import pytest

from audits.models import Evidence
from audits.services import evidence
from core.database import commit, db
from core.errors import Conflict, TooLarge, ValidationFailed
from core.storage import file_store
from tests.audits.conftest import JPEG, PNG, record, started, user

pytestmark = pytest.mark.usefixtures("cast", "ctx")


def _files(app) -> list[Path]:
    root = Path(app.config["DEALERQMS_STORAGE_PATH"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_photo_is_stored_by_its_sha256_with_its_record(app):
    audit = started()
    item = audit.items[0]
    stored = evidence.attach_to_item(user("auditor"), item, io.BytesIO(JPEG), "C:\\camera\\IMG_0001.jpg", "image/jpeg")
    commit()
    digest = hashlib.sha256(JPEG).hexdigest()
    assert (stored.sha256, stored.size, stored.media_type, stored.name) == (
        digest,
        len(JPEG),
        "image/jpeg",
        "IMG_0001.jpg",
    )
    assert stored.uploaded_by.login == "auditor" and stored.audit_id == audit.id
    assert file_store().read(digest) == JPEG
    assert [p.name for p in _files(app)] == [digest], "no temporary file is left behind"


def test_the_same_content_twice_is_one_file_two_records(app):
    audit = started()
    for name in ("a.png", "b.png"):
        evidence.attach_to_item(user("auditor"), audit.items[0], io.BytesIO(PNG), name, "image/png")
    commit()
    assert len(_files(app)) == 1
    assert db.session.execute(db.select(db.func.count(Evidence.id))).scalar() == 2


@pytest.mark.parametrize(
    "data, name, declared, message",
    [
        (b"%PDF-1.7\n...", "photo.jpg", "image/jpeg", "says it is image/jpeg but its content is application/pdf"),
        (JPEG, "report.pdf", "application/pdf", "says it is application/pdf but its content is image/jpeg"),
        (b"MZ\x90\x00" + b"\x00" * 60, "tool.png", "image/png", "not accepted"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "run", "application/octet-stream", "not accepted"),
        (b"", "empty.jpg", "image/jpeg", "empty"),
    ],
)
def test_a_file_whose_content_lies_or_is_refused_stores_nothing(app, data, name, declared, message):
    audit = started()
    with pytest.raises(ValidationFailed, match=message):
        evidence.attach_to_item(user("auditor"), audit.items[0], io.BytesIO(data), name, declared)
    db.session.rollback()
    assert db.session.execute(db.select(Evidence)).first() is None
    assert _files(app) == []


def test_plain_text_is_accepted_by_content():
    audit = started()
    stored = evidence.attach_to_item(user("auditor"), audit.items[0], io.BytesIO("温度 ok\n".encode()), "log.txt", None)
    assert stored.media_type == "text/plain"


def test_an_upload_over_the_limit_is_too_large_and_leaves_no_file(app):
    app.config["DEALERQMS_EVIDENCE_MAX_BYTES"] = 1024
    audit = started()
    with pytest.raises(TooLarge):
        evidence.attach_to_item(
            user("auditor"), audit.items[0], io.BytesIO(JPEG + b"\x00" * 4096), "big.jpg", "image/jpeg"
        )
    db.session.rollback()
    assert _files(app) == [] and db.session.execute(db.select(Evidence)).first() is None


def test_a_write_that_fails_midway_leaves_no_partial_file(app):
    class Broken(io.BytesIO):
        calls = 0

        def read(self, size=-1):
            self.calls += 1
            if self.calls > 1:
                raise OSError("connection reset")
            return super().read(size)

    audit = started()
    with pytest.raises(OSError):
        evidence.attach_to_item(user("auditor"), audit.items[0], Broken(JPEG * 200), "cut.jpg", "image/jpeg")
    db.session.rollback()
    assert _files(app) == []


def test_evidence_only_while_the_audit_runs_and_only_by_the_team():
    audit = started()
    from core.errors import Forbidden

    with pytest.raises(Forbidden):
        evidence.attach_to_item(user("qo2"), audit.items[0], io.BytesIO(JPEG), "x.jpg", "image/jpeg")
    for position in range(3):
        record(audit, position, "conforming")
    from audits.services import audits
    from core.testing import TEST_PASSWORD

    audits.report_audit(
        user("auditor"), audit, summary="s", conclusion="c", password=TEST_PASSWORD, row_version=audit.row_version
    )
    commit()
    with pytest.raises(Conflict):
        evidence.attach_to_item(user("auditor"), audit.items[0], io.BytesIO(JPEG), "x.jpg", "image/jpeg")
