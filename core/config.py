"""Configuration from the environment, with an optional instance config file.

Precedence (highest first): ``test_config`` passed to the factory, the
environment (``DEALERQMS_*``), ``<instance>/config.py``, the defaults below.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask

from core.clock import zone_named


class ConfigurationError(click.ClickException):
    """A setting the instance cannot run with: one sentence (exit status 1 on the command line)."""


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    # Idle timeout: a session unused for this long must log in again.
    "DEALERQMS_IDLE_TIMEOUT": timedelta(minutes=30),
    # Login throttling (docs/security.md): failures that cost no wait, per login
    # and per client address; then each failure doubles the wait before the
    # next, from DEALERQMS_LOGIN_DELAY up to DEALERQMS_LOGIN_MAX_DELAY.
    "DEALERQMS_LOGIN_MAX_FAILURES": 5,
    "DEALERQMS_LOGIN_ADDRESS_MAX_FAILURES": 20,
    "DEALERQMS_LOGIN_DELAY": timedelta(seconds=30),
    "DEALERQMS_LOGIN_MAX_DELAY": timedelta(minutes=15),
    # Failures older than this are forgotten.
    "DEALERQMS_LOGIN_WINDOW": timedelta(hours=1),
    # How long a successful login makes its address the owner's, and login attempts are kept.
    "DEALERQMS_LOGIN_MEMORY": timedelta(days=30),
    # Session data in Redis (redis://host:6379/0) instead of the database, for several web nodes.
    "DEALERQMS_REDIS_URL": None,
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are
    # trusted: the client address that login throttling counts is theirs otherwise.
    "DEALERQMS_TRUSTED_PROXIES": 0,
    "DEALERQMS_PLUGINS_SAFE_MODE": False,
    "DEALERQMS_PLUGINS_ALLOW": None,  # None: every installed plugin
    "DEALERQMS_PLUGINS_DENY": (),
    "DEALERQMS_LOAD_ENTRYPOINTS": True,
    # Each plugin's own settings, by plugin name: core.plugins.plugin_config(name).
    "DEALERQMS_PLUGIN_CONFIG": {},
    # Files in an S3 bucket (s3://bucket/prefix) instead of DEALERQMS_STORAGE_PATH: docs/deployment.md.
    "DEALERQMS_STORAGE_URL": None,
    # The S3 endpoint of a store other than AWS (SeaweedFS, MinIO…); else AWS_ENDPOINT_URL(_S3) or AWS itself.
    "DEALERQMS_S3_ENDPOINT_URL": None,
    "MAX_CONTENT_LENGTH": 50 * 1024 * 1024,
    # The largest checklist library file (XLSX or YAML) an import accepts, in bytes.
    "CHECKLIST_IMPORT_MAX_BYTES": 5 * 1024 * 1024,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    # The dealership's day and month (KPI periods, due dates, "overdue"): core.clock.
    "DEALERQMS_TIME_ZONE": "Asia/Shanghai",
    "DEALERQMS_LOCALES": ("en", "zh_CN"),
    "WTF_CSRF_TIME_LIMIT": None,  # bounded by the session lifetime instead
    "API_TITLE": "dealerqms",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    # Evidence pack (docs/evidence-pack.md): the instance's signing key, used when the command names none.
    "DEALERQMS_PACK_SIGN_KEY": None,
    "DEALERQMS_PACK_SIGN_CERT": None,
    "DEALERQMS_PACK_SIGN_PASSPHRASE_FILE": None,
    "DEALERQMS_PACK_CACHE_MB": 512,  # rendered units kept in <instance>/cache/pack; 0 turns the cache off
    "DEALERQMS_PACK_WORKERS": None,  # render worker processes; None: one per CPU, 0: in the calling process
    "DEALERQMS_PACK_WORKER_MEMORY_MB": 2048,  # address-space ceiling of one render worker; 0: none
    "DEALERQMS_PACK_TIMEOUT": 900,  # seconds for rendering all units of one pack
    # Background jobs (docs/jobs.md): "local" runs each job in a worker process
    # on this machine; "package.module:ClassName" plugs in a queue.
    "JOBS_RUNNER": "local",
    "JOBS_TIME_LIMIT": 900,  # seconds of wall-clock time before the job's processes are killed
    "JOBS_MEMORY_LIMIT_MB": 4096,  # address space of the job and its render workers; 0: no limit
    "JOBS_RETENTION_DAYS": 7,  # results are removed this long after the job finished
    # E-mail (docs/notifications.md): Flask-Mailman's settings, from DEALERQMS_MAIL_*.
    # Always SMTP, also under test: the tests run a real SMTP server.
    "MAIL_BACKEND": "smtp",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 10,
    "MAIL_DEFAULT_SENDER": "dealerqms <noreply@localhost>",
    # Where the links in e-mails point: the address users open dealerqms at.
    "DEALERQMS_BASE_URL": "http://localhost:5000",
}

# DEALERQMS_MAIL_SERVER … set MAIL_SERVER …; numbers and yes/no are read as such.
MAIL_SETTINGS = {
    "SERVER": str,
    "PORT": int,
    "USERNAME": str,
    "PASSWORD": str,
    "USE_TLS": bool,
    "USE_SSL": bool,
    "TIMEOUT": int,
    "DEFAULT_SENDER": str,
}

ENV_SETTINGS = {
    "DEALERQMS_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "DEALERQMS_SECRET_KEY": "SECRET_KEY",
    "DEALERQMS_STORAGE_PATH": "DEALERQMS_STORAGE_PATH",
    "DEALERQMS_STORAGE_URL": "DEALERQMS_STORAGE_URL",
    "DEALERQMS_S3_ENDPOINT_URL": "DEALERQMS_S3_ENDPOINT_URL",
    "DEALERQMS_TIME_ZONE": "DEALERQMS_TIME_ZONE",
    # The instance's language: of users who chose none and whose browser names none we have, and of the demo's records.
    "DEALERQMS_LANGUAGE": "BABEL_DEFAULT_LOCALE",
    "DEALERQMS_PACK_SIGN_KEY": "DEALERQMS_PACK_SIGN_KEY",
    "DEALERQMS_PACK_SIGN_CERT": "DEALERQMS_PACK_SIGN_CERT",
    "DEALERQMS_PACK_SIGN_PASSPHRASE_FILE": "DEALERQMS_PACK_SIGN_PASSPHRASE_FILE",
    "DEALERQMS_REDIS_URL": "DEALERQMS_REDIS_URL",
    "DEALERQMS_BASE_URL": "DEALERQMS_BASE_URL",
}


# DEALERQMS_PLUGIN_CONFIG_USEDCARS='{"stock_age_limit": 90}': settings of the plugin
# "usedcars" (its name upper-cased, '-' as '_'), over those of the config file.
PLUGIN_CONFIG_ENV_PREFIX = "DEALERQMS_PLUGIN_CONFIG_"


def _setting(name: str, value: str, kind: type):
    if kind is bool:
        if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise ConfigurationError(f"{name} must be yes or no, not {value!r}.")
        return value.lower() in ("1", "true", "yes")
    if kind is int:
        if not value.isdigit():
            raise ConfigurationError(f"{name} must be a whole number, not {value!r}.")
        return int(value)
    return value


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def instance_path_from_env() -> Path:
    return Path(os.environ.get("DEALERQMS_INSTANCE", "instance")).resolve()


def new_app(test_config: dict | None = None) -> Flask:
    """A Flask app with the instance's configuration and nothing else yet: where ``create_app``
    starts, and all that listing the commands needs besides the plugins (``core.cli``)."""
    instance = (test_config or {}).get("INSTANCE_PATH") or instance_path_from_env()
    app = Flask("core", instance_path=str(instance), instance_relative_config=True)
    load(app, test_config)
    return app


def load(app, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile(Path(app.instance_path) / "config.py", silent=True)
    for env_name, key in ENV_SETTINGS.items():
        if os.environ.get(env_name):
            app.config[key] = os.environ[env_name]
    if os.environ.get("DEALERQMS_PLUGINS_SAFE_MODE"):
        app.config["DEALERQMS_PLUGINS_SAFE_MODE"] = os.environ["DEALERQMS_PLUGINS_SAFE_MODE"] not in ("0", "")
    if os.environ.get("DEALERQMS_PLUGINS_ALLOW"):
        app.config["DEALERQMS_PLUGINS_ALLOW"] = _split(os.environ["DEALERQMS_PLUGINS_ALLOW"])
    if os.environ.get("DEALERQMS_PLUGINS_DENY"):
        app.config["DEALERQMS_PLUGINS_DENY"] = _split(os.environ["DEALERQMS_PLUGINS_DENY"])
    for name in ("JOBS_RUNNER", "JOBS_TIME_LIMIT", "JOBS_MEMORY_LIMIT_MB", "JOBS_RETENTION_DAYS"):
        value = os.environ.get(f"DEALERQMS_{name}")
        if value:
            app.config[name] = value if name == "JOBS_RUNNER" else float(value) if "." in value else int(value)
    app.config["DEALERQMS_PLUGIN_CONFIG"] = _plugin_config(app.config.get("DEALERQMS_PLUGIN_CONFIG"))
    for name, kind in MAIL_SETTINGS.items():
        value = os.environ.get(f"DEALERQMS_MAIL_{name}")
        if value:
            app.config[f"MAIL_{name}"] = _setting(f"DEALERQMS_MAIL_{name}", value, kind)
    if os.environ.get("DEALERQMS_TRUSTED_PROXIES"):
        value = os.environ["DEALERQMS_TRUSTED_PROXIES"]
        if not value.isdigit():
            raise ConfigurationError(f"DEALERQMS_TRUSTED_PROXIES must be a number of proxies such as 1, not {value!r}.")
        app.config["DEALERQMS_TRUSTED_PROXIES"] = int(value)
    if os.environ.get("DEALERQMS_INSECURE_COOKIES"):
        # Plain-HTTP development only; production serves HTTPS.
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    if test_config:
        app.config.from_mapping(test_config)
        app.config["DEALERQMS_PLUGIN_CONFIG"] = _plugin_config(app.config["DEALERQMS_PLUGIN_CONFIG"], environ={})

    if app.config["JOBS_RUNNER"] == "rq" and not app.config.get("DEALERQMS_REDIS_URL"):
        # At start-up, not at the first export: the queue lives in Redis.
        raise ConfigurationError('JOBS_RUNNER "rq" needs DEALERQMS_REDIS_URL (redis://host:6379/0).')
    # A mistyped zone stops start-up with one sentence instead of shifting every month.
    try:
        zone_named(app.config["DEALERQMS_TIME_ZONE"])
    except ValueError as error:
        raise ConfigurationError(f"DEALERQMS_TIME_ZONE: {error}.") from None
    if app.config["BABEL_DEFAULT_LOCALE"] not in app.config["DEALERQMS_LOCALES"]:
        raise ConfigurationError(
            f"DEALERQMS_LANGUAGE must be one of {', '.join(app.config['DEALERQMS_LOCALES'])},"
            f" not {app.config['BABEL_DEFAULT_LOCALE']!r}."
        )
    instance = Path(app.instance_path)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / 'dealerqms.sqlite3'}")
    app.config.setdefault("DEALERQMS_STORAGE_PATH", str(instance / "files"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _plugin_config(settings, environ=os.environ) -> dict:
    """The config file's ``DEALERQMS_PLUGIN_CONFIG`` with each plugin's environment settings over it.

    A plugin's environment variable holds a JSON object, so settings keep
    their types (numbers, true/false, lists). Anything else stops start-up.
    """
    if settings is None:
        settings = {}
    if not isinstance(settings, dict) or not all(isinstance(value, dict) for value in settings.values()):
        raise ValueError(
            "DEALERQMS_PLUGIN_CONFIG must map plugin names to dicts of settings, "
            "e.g. {'usedcars': {'stock_age_limit': 90}}"
        )
    merged = {name: dict(values) for name, values in settings.items()}
    for variable, text in environ.items():
        if not variable.startswith(PLUGIN_CONFIG_ENV_PREFIX) or not text:
            continue
        try:
            values = json.loads(text)
        except ValueError as error:
            raise ValueError(f"{variable} is not valid JSON ({error})") from None
        if not isinstance(values, dict):
            raise ValueError(f"{variable} must hold a JSON object of settings, e.g. '{{\"limit\": 90}}'")
        name = variable.removeprefix(PLUGIN_CONFIG_ENV_PREFIX).lower()
        names = [known for known in merged if known.replace("-", "_").lower() == name] or [name]
        merged.setdefault(names[0], {}).update(values)
    return merged


def _instance_secret(instance: Path) -> str:
    """A per-instance random secret, made once and kept in the instance folder.

    Never a constant in the code: a shared default secret would let anyone
    forge sessions on every installation that forgot to set one.
    """
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
