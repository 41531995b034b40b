"""Choosing the store by configuration: a misnamed or unreachable one stops start-up with one sentence."""

import pytest

from core.config import ConfigurationError
from core.storage import LocalFileStore, file_store


def test_the_local_folder_stays_the_default(app):
    with app.app_context():
        store = file_store()
    assert isinstance(store, LocalFileStore) and str(store) == app.config["DEALERQMS_STORAGE_PATH"]


@pytest.mark.parametrize(
    "url, message",
    [
        ("/var/lib/dealerqms/files", "DEALERQMS_STORAGE_URL must look like s3://bucket/prefix, not '/var/lib"),
        ("https://bucket/prefix", "must look like s3://bucket/prefix"),
        ("s3://Evidence_Files/x", "names the bucket 'Evidence_Files'; a bucket name is 3 to 63 lower-case"),
    ],
)
def test_a_storage_url_that_is_no_bucket_stops_start_up(make_app, url, message):
    with pytest.raises(ConfigurationError, match=message):
        make_app(DEALERQMS_STORAGE_URL=url)


def test_a_store_that_does_not_answer_stops_start_up_with_one_sentence(make_app, s3_credentials):
    with pytest.raises(ConfigurationError) as raised:
        make_app(DEALERQMS_STORAGE_URL="s3://evidence/main", DEALERQMS_S3_ENDPOINT_URL="http://127.0.0.1:9")
    assert raised.value.message == (
        "The object store s3://evidence/main/ at http://127.0.0.1:9 cannot be used: it does not answer. "
        "Check DEALERQMS_STORAGE_URL, the endpoint and the credentials."
    )


def test_wrong_credentials_or_a_missing_bucket_are_named(make_app, s3_endpoint, s3_client, monkeypatch):
    with pytest.raises(ConfigurationError, match="has no bucket no-such-bucket-here"):
        make_app(DEALERQMS_STORAGE_URL="s3://no-such-bucket-here", DEALERQMS_S3_ENDPOINT_URL=s3_endpoint)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    with pytest.raises(ConfigurationError, match="it refused the credentials"):
        make_app(DEALERQMS_STORAGE_URL="s3://dealerqms-tests/x", DEALERQMS_S3_ENDPOINT_URL=s3_endpoint)
