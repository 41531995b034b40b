"""``/readyz`` for a load balancer: ready only when the database answers at the migration heads
and Redis and the object store answer where configured; a failure is named, never explained."""

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from core.database import db

PROBLEM = "application/problem+json"


def test_ready_with_the_database_at_the_heads(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_a_database_behind_the_migration_heads_is_not_ready(app, client):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        # The core's newest migration, whichever it is (plugins' branches have heads of their own).
        [head] = [rev for rev in script.get_revisions("heads") if "/core/migrations/" in rev.path]
        db.session.execute(
            text("UPDATE alembic_version SET version_num = :older WHERE version_num = :head"),
            {"older": head.down_revision, "head": head.revision},
        )
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.mimetype == PROBLEM
    assert response.json["detail"] == "Not ready: migrations failed."
    assert response.json["checks"] == {"database": "ok", "migrations": "failed"}
    assert head.revision not in response.get_data(as_text=True)


def test_redis_is_checked_when_sessions_live_there(app, client):
    app.config["DEALERQMS_REDIS_URL"] = "redis://127.0.0.1:9/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "redis": "failed"}
    assert "127.0.0.1" not in response.get_data(as_text=True)


@pytest.fixture
def s3_app(make_app, s3_config):
    return make_app(**s3_config)


def test_the_object_store_is_checked_when_files_live_there(s3_app):
    client = s3_app.test_client()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "migrations": "ok", "object_store": "ok"}

    # The store goes away (its address no longer answers) while the app runs.
    s3_app.config["DEALERQMS_S3_ENDPOINT_URL"] = "http://127.0.0.1:9"
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json["detail"] == "Not ready: object_store failed."
    assert response.json["checks"]["object_store"] == "failed"
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert client.get("/healthz").json == {"status": "ok"}, "the process itself lives on"
