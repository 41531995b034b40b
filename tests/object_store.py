"""A real S3 object store for the tests: SeaweedFS, started by .ci/system-setup.

``make test`` sets ``DEALERQMS_TEST_S3_ENDPOINT`` (http://127.0.0.1:8333) after
.ci/system-setup has started SeaweedFS there. Without the variable the tests
of the object store are skipped, saying so; with it, a store that does not
answer fails them: in CI a missing store is a failure, never a silent skip.
Run them by hand with::

    .ci/system-setup >/dev/null
    DEALERQMS_TEST_S3_ENDPOINT=http://127.0.0.1:8333 python -m pytest tests/storage
"""

from __future__ import annotations

import datetime
import os
import uuid

import pytest

# The key pair .ci/system-setup gives SeaweedFS: it checks the signature of every request.
ACCESS_KEY, SECRET_KEY = "dealerqms-tests", "dealerqms-tests-secret"
BUCKET = "dealerqms-tests"


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    endpoint = os.environ.get("DEALERQMS_TEST_S3_ENDPOINT")
    # Not a skip: a suite run without the store would pass without testing it.
    if not endpoint:
        pytest.fail(
            "DEALERQMS_TEST_S3_ENDPOINT is not set: run the suite with `make test`, which starts SeaweedFS and sets it"
        )
    return endpoint


@pytest.fixture
def s3_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    _sign_with_the_real_time(monkeypatch)


def _sign_with_the_real_time(monkeypatch):
    """Under a moved clock (``--clock``), requests are still signed with the real time.

    An S3 signature carries the moment it was made, and the store, outside
    the test run and its moved clock, refuses one more than 15 minutes off.
    """
    import time_machine

    if not time_machine.escape_hatch.is_travelling():
        return
    import botocore.auth

    def real_now(remove_tzinfo=True):
        now = time_machine.escape_hatch.datetime.datetime.now(datetime.UTC)
        return now.replace(tzinfo=None) if remove_tzinfo else now

    monkeypatch.setattr(botocore.auth, "get_current_datetime", real_now)


@pytest.fixture
def s3_client(s3_endpoint, s3_credentials):
    """A boto3 client of the test store, its bucket made if it is not there."""
    from botocore.exceptions import BotoCoreError, ClientError

    from core.storage.s3 import make_client

    client = make_client(s3_endpoint)
    try:
        client.head_bucket(Bucket=BUCKET)
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
        client.create_bucket(Bucket=BUCKET)
    except BotoCoreError as error:
        pytest.fail(f"The S3 store at {s3_endpoint} (DEALERQMS_TEST_S3_ENDPOINT) does not answer: {error}")
    return client


@pytest.fixture
def s3_config(s3_endpoint, s3_client) -> dict:
    """The app settings of a store of this test's own: the shared bucket, a prefix nobody else uses."""
    return {
        "DEALERQMS_STORAGE_URL": f"s3://{BUCKET}/test-{uuid.uuid4().hex}",
        "DEALERQMS_S3_ENDPOINT_URL": s3_endpoint,
    }


@pytest.fixture
def new_deployment(tmp_path, empty_database, s3_config):
    """``new_deployment(**settings)``: another deployment over the same store — an empty database of
    the suite's kind (no schema), no instance folder, and a bucket prefix nobody has written to —
    for a restore to land in."""
    made = []

    def make(**settings):
        from core import create_app

        folder = tmp_path / f"deployment-{uuid.uuid4().hex[:6]}"
        application = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": empty_database(None, folder),
                "SECRET_KEY": folder.name,
                "INSTANCE_PATH": str(folder / "instance"),
                **s3_config,
                "DEALERQMS_STORAGE_URL": f"s3://{BUCKET}/{folder.name}-{uuid.uuid4().hex}",
                **settings,
            }
        )
        made.append(application)
        return application

    yield make
    from core.database import db

    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
