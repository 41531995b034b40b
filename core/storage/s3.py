"""Files in an S3 bucket (AWS S3, or any store speaking its API: SeaweedFS, MinIO, Ceph, OSS…).

The bucket stays private: every download goes through the app, after the
permission check of the record the file belongs to (docs/deployment.md says
why not presigned links). Keys are the files' SHA-256 under the configured
prefix, laid out as on disk (``prefix/ab/cd/abcd…``).

An upload is spooled to a temporary file (in memory up to ``SPOOL_IN_MEMORY``,
then on disk) while it is hashed and counted: the key is known only at its
end, the size limit is enforced before anything reaches the bucket, and
content already there is not sent again. boto3 then sends it in parts. A
single PUT is atomic in S3: the object is whole or absent.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from core.errors import NotFound
from core.storage.base import (
    CHUNK,
    SHA256,
    CheckedStream,
    CorruptFile,
    StoreUnavailable,
    checked_key,
    copy_counted,
    nested_name,
)

SPOOL_IN_MEMORY = 1024 * 1024
# Files up to this size are read and checked whole before the first byte is
# served: a damaged one is refused outright and the response has its length.
# Larger ones are checked as they stream (base.CheckedStream).
CHECK_BEFORE_SERVING = 8 * 1024 * 1024
# S3's rules for bucket names (lower-case letters, digits, dots and hyphens, 3–63 long).
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
MISSING = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class Location:
    bucket: str
    prefix: str  # "" or ending in "/"

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def parse_url(url: str, setting: str = "DEALERQMS_STORAGE_URL") -> Location:
    """``s3://bucket`` or ``s3://bucket/some/prefix``; ValueError with the reason (naming ``setting``) otherwise."""
    scheme, _sep, rest = url.partition("://")
    if scheme != "s3" or not _sep:
        raise ValueError(f"{setting} must look like s3://bucket/prefix, not {url!r}")
    bucket, _slash, prefix = rest.partition("/")
    if not BUCKET.match(bucket):
        raise ValueError(
            f"{setting} names the bucket {bucket!r}; a bucket name is 3 to 63 lower-case letters, "
            "digits, dots and hyphens"
        )
    prefix = prefix.strip("/")
    return Location(bucket, f"{prefix}/" if prefix else "")


def endpoint_from(configured: str | None) -> str | None:
    """The S3 endpoint: dealerqms's own setting, else AWS's standard variables, else AWS itself."""
    return configured or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def make_client(endpoint: str | None):
    """A boto3 S3 client; credentials and region from the standard AWS environment and files."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # Self-hosted stores (SeaweedFS, MinIO) answer at one host name, with the bucket in the path.
        s3={"addressing_style": "path"} if endpoint else None,
    )
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
    return boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region, config=config)


def _code(error) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


class S3FileStore:
    def __init__(self, client, location: Location, endpoint: str | None = None):
        self.client, self.location, self.endpoint = client, location, endpoint

    def __str__(self) -> str:
        return str(self.location) + (f" at {self.endpoint}" if self.endpoint else "")

    @property
    def bucket(self) -> str:
        return self.location.bucket

    def key(self, sha256: str) -> str:
        return self.location.prefix + nested_name(checked_key(sha256))

    def _unavailable(self, error) -> StoreUnavailable:
        from botocore.exceptions import ClientError, NoCredentialsError

        if isinstance(error, NoCredentialsError):
            reason = "no credentials were found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        elif isinstance(error, ClientError):
            code = _code(error)
            if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"):
                reason = "it refused the credentials"
            elif code in ("NoSuchBucket",) or (code == "404" and error.operation_name == "HeadBucket"):
                reason = f"it has no bucket {self.bucket}"
            else:
                reason = f"it answered {code or 'an error'}"
        else:
            reason = "it does not answer"
        return StoreUnavailable(f"The object store {self} cannot be used: {reason}.")

    def _call(self, operation: str, **arguments):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **arguments)
        except ClientError as error:
            if _code(error) in MISSING and "Key" in arguments:
                raise NotFound(_("No such file.")) from None
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error

    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]:
        """Store a stream; returns (sha256, size). Same content, same object."""
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="dealerqms-upload-") as spool:
            digest, size = copy_counted(stream, spool, max_bytes)
            sha256 = digest.hexdigest()
            if not self.exists(sha256):
                spool.seek(0)
                try:
                    # Parts of 8 MiB, one at a time: a web worker uploading does not start threads.
                    self.client.upload_fileobj(
                        spool, self.bucket, self.key(sha256), Config=TransferConfig(use_threads=False)
                    )
                except (BotoCoreError, ClientError) as error:
                    raise self._unavailable(error) from error
        return sha256, size

    def put_file(self, sha256: str, path: Path) -> None:
        """Send a local file that is known to hash to ``sha256`` under its key, replacing what is there."""
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.upload_file(str(path), self.bucket, self.key(sha256), Config=TransferConfig(use_threads=False))
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable(error) from error

    def exists(self, sha256: str) -> bool:
        try:
            self._call("head_object", Key=self.key(sha256))
        except NotFound:
            return False
        return True

    def size(self, sha256: str) -> int:
        return int(self._call("head_object", Key=self.key(sha256))["ContentLength"])

    def open(self, sha256: str) -> BinaryIO:
        """The file's content, refused (:class:`CorruptFile`) if it no longer hashes to ``sha256``."""
        response = self._call("get_object", Key=self.key(sha256))
        body = response["Body"]
        if int(response.get("ContentLength") or 0) <= CHECK_BEFORE_SERVING:
            with body:
                return io.BytesIO(self._checked(sha256, body.read()))
        return CheckedStream(body, sha256, str(self))

    def _checked(self, sha256: str, data: bytes) -> bytes:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorruptFile(sha256, str(self))
        return data

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def all_hashes(self) -> Iterator[str]:
        """Every stored file's SHA-256, in the order of their keys (the order the local store gives)."""
        from botocore.exceptions import BotoCoreError, ClientError

        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.location.prefix)
        try:
            for page in pages:
                for entry in page.get("Contents", ()):
                    name = entry["Key"].rsplit("/", 1)[-1]
                    if SHA256.match(name) and entry["Key"] == self.location.prefix + nested_name(name):
                        yield name
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable(error) from error

    # Job results (core.jobs): named files under "jobs/<job id>/", apart from the
    # content-addressed evidence (a pack PDF uploaded as evidence has the same SHA-256,
    # and a result is deleted when it expires; evidence never is).

    def _results(self, job_id: str) -> str:
        return f"{self.location.prefix}jobs/{job_id}/"

    def put_result(self, job_id: str, path: Path) -> None:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.upload_file(
                str(path), self.bucket, self._results(job_id) + path.name, Config=TransferConfig(use_threads=False)
            )
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable(error) from error

    def result_size(self, job_id: str, name: str) -> int:
        return int(self._call("head_object", Key=self._results(job_id) + name)["ContentLength"])

    def open_result(self, job_id: str, name: str) -> BinaryIO:
        return self._call("get_object", Key=self._results(job_id) + name)["Body"]

    def remove_results(self, job_id: str) -> None:
        listing = self._call("list_objects_v2", Prefix=self._results(job_id))
        for entry in listing.get("Contents", ()):
            self._call("delete_object", Key=entry["Key"])

    # Named objects under the prefix, apart from the content-addressed evidence (whose listing,
    # all_hashes, passes them over): backups (core.backup, "backups/…") and the pack render cache
    # (audits.pack.cache, "cache/pack/…").

    def url_of(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.location.prefix}{name}"

    def _upload_failed(self, error) -> StoreUnavailable:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(error, (BotoCoreError, ClientError)):
            return self._unavailable(error)
        # boto3's S3UploadFailedError: a part or the completion of a multipart upload was refused.
        reason = (str(error).splitlines() or [type(error).__name__])[0].rstrip(".")
        return StoreUnavailable(f"The object store {self} cannot be used: the upload failed ({reason}).")

    def upload_named(self, name: str, path: Path, *, sha256: str) -> None:
        """Send a local file under ``prefix + name``, its SHA-256 as the object's metadata.

        Read from the disk a part at a time (parts of 8 MiB beyond 8 MiB): never
        whole in memory. S3 makes the object visible only once the single PUT or
        the multipart upload is complete, so the key holds the whole file or what
        was there before; then its size and recorded SHA-256 are checked.
        """
        from boto3.exceptions import Boto3Error
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.location.prefix + name
        try:
            self.client.upload_file(
                str(path),
                self.bucket,
                key,
                ExtraArgs={"Metadata": {"sha256": sha256}},
                Config=TransferConfig(use_threads=False),
            )
        except (BotoCoreError, ClientError, Boto3Error) as error:
            raise self._upload_failed(error) from error
        head = self._call("head_object", Key=key)
        if int(head["ContentLength"]) != path.stat().st_size or head.get("Metadata", {}).get("sha256") != sha256:
            raise StoreUnavailable(
                f"The object store {self} cannot be used: {self.url_of(name)} is not what was sent after the upload."
            )

    def download_named(self, name: str, target: BinaryIO) -> tuple[str | None, str]:
        """Copy the object ``prefix + name`` into ``target`` a chunk at a time.

        Returns the SHA-256 recorded when it was uploaded (None if it has none) and the
        SHA-256 of the bytes received; NotFound if there is no such object.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        response = self._call("get_object", Key=self.location.prefix + name)
        digest = hashlib.sha256()
        try:
            with response["Body"] as body:
                while chunk := body.read(CHUNK):
                    digest.update(chunk)
                    target.write(chunk)
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable(error) from error
        return response.get("Metadata", {}).get("sha256"), digest.hexdigest()

    def list_named(self, folder: str) -> Iterator[tuple[str, int, datetime]]:
        """(name under the prefix, size, time of the upload) of every object under ``prefix + folder``."""
        from botocore.exceptions import BotoCoreError, ClientError

        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.location.prefix + folder
        )
        try:
            for page in pages:
                for entry in page.get("Contents", ()):
                    yield entry["Key"][len(self.location.prefix) :], int(entry["Size"]), entry["LastModified"]
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable(error) from error

    def read_named(self, name: str) -> bytes:
        """A small object's bytes (NotFound if there is none)."""
        from botocore.exceptions import BotoCoreError, ClientError

        response = self._call("get_object", Key=self.location.prefix + name)
        try:
            with response["Body"] as body:
                return body.read()
        except (BotoCoreError, ClientError) as error:
            raise self._unavailable(error) from error

    def write_named(self, name: str, data: bytes) -> None:
        """A small object, in one PUT: whole or absent."""
        self._call("put_object", Key=self.location.prefix + name, Body=data)

    def check(self) -> None:
        """The bucket answers to our credentials; StoreUnavailable in one sentence otherwise."""
        self._call("head_bucket")
