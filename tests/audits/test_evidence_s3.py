"""Evidence kept in an S3 bucket (a real SeaweedFS, tests/object_store.py): uploaded and downloaded
through the pages as on disk, the bucket itself never handed out, a damaged file refused."""

import hashlib
import io
import re

import pytest

from core.storage import CorruptFile, file_store
from tests.audits.conftest import JPEG
from tests.audits.test_web import _plan_and_start, _token

pytestmark = pytest.mark.usefixtures("cast")


@pytest.fixture
def app_config(s3_config):
    return s3_config


def _upload_photo(client) -> tuple[str, str]:
    reference = _plan_and_start(client)
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    item_id = re.search(r'id="item-(\d+)"', page).group(1)
    response = client.post(
        f"/audits/{reference}/items/{item_id}/evidence",
        data={"csrf_token": _token(page), "file": (io.BytesIO(JPEG), "door.jpg", "image/jpeg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/audits/{reference}").get_data(as_text=True)
    return reference, re.search(r"/evidence/(\d+)", page).group(1)


def test_a_photo_goes_to_the_bucket_and_comes_back_through_the_app(app, client_as):
    client = client_as("auditor")
    _reference, evidence_id = _upload_photo(client)
    digest = hashlib.sha256(JPEG).hexdigest()
    with app.app_context():
        store = file_store()
        assert list(store.all_hashes()) == [digest]
        assert store.client.get_object(Bucket=store.bucket, Key=store.key(digest))["Body"].read() == JPEG

    shown = client.get(f"/evidence/{evidence_id}")
    assert shown.status_code == 200 and shown.data == JPEG and shown.mimetype == "image/jpeg"
    assert client_as("staff").get(f"/evidence/{evidence_id}").status_code == 404, "the permission check still rules"


def test_a_photo_changed_in_the_bucket_is_not_served(app, client_as):
    client = client_as("auditor")
    _reference, evidence_id = _upload_photo(client)
    digest = hashlib.sha256(JPEG).hexdigest()
    with app.app_context():
        store = file_store()
        store.client.put_object(Bucket=store.bucket, Key=store.key(digest), Body=JPEG.replace(b"JFIF", b"JFIX"))
    with pytest.raises(CorruptFile):
        client.get(f"/evidence/{evidence_id}")
