"""Configuration from the environment; a per-instance secret, never a constant."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core import create_app
from core.database import db


@pytest.fixture
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DEALERQMS_") and name != "DEALERQMS_TEST_DATABASE_URL":
            monkeypatch.delenv(name)
    return monkeypatch


made: list = []


def make(**test_config):
    app = create_app(test_config or None)
    made.append(app)
    return app


@pytest.fixture(autouse=True)
def dispose_engines():
    yield
    while made:
        app = made.pop()
        with app.app_context():
            db.engine.dispose()


def test_the_environment_names_instance_database_secret_and_storage(clean_environment, tmp_path):
    clean_environment.setenv("DEALERQMS_INSTANCE", str(tmp_path / "site-a"))
    clean_environment.setenv("DEALERQMS_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}")
    clean_environment.setenv("DEALERQMS_SECRET_KEY", "from-the-environment")
    clean_environment.setenv("DEALERQMS_STORAGE_PATH", str(tmp_path / "evidence"))
    app = make()
    assert Path(app.instance_path) == tmp_path / "site-a"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    assert app.secret_key == "from-the-environment"
    assert app.config["DEALERQMS_STORAGE_PATH"] == str(tmp_path / "evidence")
    assert not (tmp_path / "site-a" / "secret_key").exists()
    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "elsewhere.sqlite3")


def test_defaults_live_in_the_instance_folder(clean_environment, tmp_path):
    clean_environment.chdir(tmp_path)
    app = make()
    instance = tmp_path / "instance"
    assert Path(app.instance_path) == instance
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'dealerqms.sqlite3'}"
    assert app.config["DEALERQMS_STORAGE_PATH"] == str(instance / "files")


def test_without_a_secret_one_is_made_private_to_the_instance_and_kept(clean_environment, tmp_path):
    clean_environment.setenv("DEALERQMS_INSTANCE", str(tmp_path / "one"))
    first = make()
    secret_file = tmp_path / "one" / "secret_key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert first.secret_key == secret_file.read_text().strip()
    assert len(first.secret_key) >= 32

    assert make().secret_key == first.secret_key  # the next start reuses it

    clean_environment.setenv("DEALERQMS_INSTANCE", str(tmp_path / "two"))
    assert make().secret_key != first.secret_key  # another installation, another secret


def test_the_instance_config_file_is_read_and_the_environment_wins_over_it(clean_environment, tmp_path):
    instance = tmp_path / "configured"
    instance.mkdir()
    (instance / "config.py").write_text('SECRET_KEY = "from-the-file"\nDEALERQMS_LOGIN_MAX_FAILURES = 9\n')
    clean_environment.setenv("DEALERQMS_INSTANCE", str(instance))
    app = make()
    assert app.secret_key == "from-the-file"
    assert app.config["DEALERQMS_LOGIN_MAX_FAILURES"] == 9
    assert not (instance / "secret_key").exists()

    clean_environment.setenv("DEALERQMS_SECRET_KEY", "from-the-environment")
    assert make().secret_key == "from-the-environment"
    assert make(SECRET_KEY="from-the-factory").secret_key == "from-the-factory"


def test_production_cookies_are_secure_unless_plain_http_development_is_asked_for(clean_environment, tmp_path):
    clean_environment.setenv("DEALERQMS_INSTANCE", str(tmp_path / "i"))
    app = make()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    clean_environment.setenv("DEALERQMS_INSECURE_COOKIES", "1")
    assert make().config["SESSION_COOKIE_SECURE"] is False


def test_a_mistyped_time_zone_stops_start_up_with_one_sentence(make_app):
    from core.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="DEALERQMS_TIME_ZONE: 'Asia/Shangai' is not a time zone name"):
        make_app(DEALERQMS_TIME_ZONE="Asia/Shangai")


def test_the_instance_language_must_be_one_users_can_choose(make_app):
    from core.config import ConfigurationError

    assert make_app(BABEL_DEFAULT_LOCALE="zh_CN").config["BABEL_DEFAULT_LOCALE"] == "zh_CN"
    with pytest.raises(ConfigurationError, match="DEALERQMS_LANGUAGE must be one of en, zh_CN, not 'fr'"):
        make_app(BABEL_DEFAULT_LOCALE="fr")
