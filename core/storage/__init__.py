"""Evidence and attachment files, stored content-addressed by SHA-256.

One small interface (:class:`FileStore`), two stores: the local disk
(``DEALERQMS_STORAGE_PATH``, the default) and an S3 bucket
(``DEALERQMS_STORAGE_URL=s3://bucket/prefix``, docs/deployment.md).
Callers get the configured one from :func:`file_store`.
"""

from __future__ import annotations

from flask import current_app

from core.config import ConfigurationError
from core.storage.base import SHA256, CorruptFile, FileStore, StoreUnavailable
from core.storage.local import LocalFileStore
from core.storage.s3 import S3FileStore, endpoint_from, make_client, parse_url

__all__ = [
    "SHA256",
    "CorruptFile",
    "FileStore",
    "LocalFileStore",
    "S3FileStore",
    "StoreUnavailable",
    "file_store",
    "init_app",
    "object_store_at",
    "uses_object_store",
]

CLIENTS = "dealerqms-s3-clients"


def uses_object_store(app=None) -> bool:
    return bool((app or current_app).config.get("DEALERQMS_STORAGE_URL"))


def _store_of(app) -> LocalFileStore | S3FileStore:
    url = app.config.get("DEALERQMS_STORAGE_URL")
    if not url:
        return LocalFileStore(app.config["DEALERQMS_STORAGE_PATH"])
    return object_store_at(url, app=app)


def object_store_at(url: str, *, setting: str = "DEALERQMS_STORAGE_URL", app=None) -> S3FileStore:
    """The bucket of ``url`` at the configured endpoint; ConfigurationError naming ``setting`` if misnamed."""
    app = app or current_app
    try:
        location = parse_url(url, setting)
    except ValueError as error:
        raise ConfigurationError(f"{error}.") from None
    endpoint = endpoint_from(app.config.get("DEALERQMS_S3_ENDPOINT_URL"))
    # One client per endpoint and process: making one reads botocore's service models (tens of milliseconds).
    clients = app.extensions.setdefault(CLIENTS, {})
    if endpoint not in clients:
        clients[endpoint] = make_client(endpoint)
    return S3FileStore(clients[endpoint], location, endpoint)


def file_store() -> LocalFileStore | S3FileStore:
    return _store_of(current_app)


def init_app(app) -> None:
    """Refuse to start with an object store that is misnamed or cannot be reached: one sentence."""
    if not uses_object_store(app):
        return
    store = _store_of(app)
    try:
        store.check()
    except StoreUnavailable as error:
        raise ConfigurationError(f"{error} Check DEALERQMS_STORAGE_URL, the endpoint and the credentials.") from None
