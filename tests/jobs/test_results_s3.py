"""Job results in the S3 bucket when files live there: any app server can hand them out,
and they go when they expire or their job fails."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from core.clock import utcnow
from core.database import read_only
from core.errors import NotFound
from core.jobs import services, states
from core.jobs.models import Job
from core.jobs.worker import execute
from core.storage import file_store
from tests.jobs.conftest import TestKinds, job, submitted, user
from tests.jobs.test_services import running

pytestmark = pytest.mark.usefixtures("users")


@pytest.fixture
def app_config(s3_config):
    return {"JOBS_RUNNER": "tests.jobs.conftest:RecordingRunner", "DEALERQMS_EXTRA_PLUGINS": {"test": TestKinds()}} | (
        s3_config
    )


def _result_keys(job_id) -> list[str]:
    store = file_store()
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=f"{store.location.prefix}jobs/{job_id}/")
    return [entry["Key"].rsplit("/", 1)[-1] for entry in listing.get("Contents", ())]


def test_a_result_goes_to_the_bucket_and_is_downloaded_from_there(app, api_as):
    with app.app_context(), read_only():
        job_id = running(submitted("qo", "test.echo", text="hello from the bucket"))
        assert execute(job_id) is True
        assert job(job_id).state == "done"
        assert _result_keys(job_id) == ["echo.txt"]
        assert not states.job_folder(job_id).exists(), "nothing stays on this server's disk"
        assert list(file_store().all_hashes()) == [], "a result is not evidence: backups leave it out"

    result = api_as("qo").get(f"/api/v1/jobs/{job_id}/result")
    assert result.status_code == 200 and result.data == b"hello from the bucket"
    assert result.headers["Content-Disposition"] == "attachment; filename=echo.txt"
    assert api_as("auditor").get(f"/api/v1/jobs/{job_id}/result").status_code == 404


@pytest.mark.usefixtures("ctx")
def test_an_expired_result_is_deleted_from_the_bucket(app):
    old, fresh = (running(submitted("qo", "test.echo", text=text)) for text in ("old", "fresh"))
    execute(old), execute(fresh)
    states.write_now(
        update(Job)
        .where(Job.id == old)
        .values(finished_at=utcnow() - timedelta(days=app.config["JOBS_RETENTION_DAYS"], hours=1))
    )
    assert services.purge_expired() == 1
    assert _result_keys(old) == [] and _result_keys(fresh) == ["echo.txt"]
    with pytest.raises(NotFound, match="removed"):
        services.result_file(user("qo"), old)


@pytest.mark.usefixtures("ctx")
def test_a_failed_job_leaves_nothing_in_the_bucket():
    job_id = running(submitted("qo", "test.boom"))
    assert execute(job_id) is False
    assert job(job_id).state == "failed" and _result_keys(job_id) == []
