"""Evidence and attachment files, stored content-addressed by SHA-256.

One small interface (:class:`FileStore`) so that a dealer group can move files
to other storage later; the local-disk store writes to a temporary name in
the same folder and renames into place, so a file is either whole or absent.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from flask_babel import gettext as _

from core.errors import NotFound, TooLarge

SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class FileStore(Protocol):
    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def read(self, sha256: str) -> bytes: ...


class LocalFileStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not SHA256.match(sha256 or ""):
            raise NotFound(_("No such file."))
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]:
        """Store a stream; returns (sha256, size). Same content, same file."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, temp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as temp:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise TooLarge(
                            _(
                                "The file is larger than the limit of %(limit)s MiB: send a smaller one.",
                                limit=max_bytes // (1024 * 1024),
                            )
                        )
                    digest.update(chunk)
                    temp.write(chunk)
                temp.flush()
                os.fsync(temp.fileno())
            sha256 = digest.hexdigest()
            target = self._path(sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp_name, target)
            return sha256, size
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def exists(self, sha256: str) -> bool:
        try:
            return self._path(sha256).is_file()
        except NotFound:
            return False

    def open(self, sha256: str) -> BinaryIO:
        path = self._path(sha256)
        if not path.is_file():
            raise NotFound(_("No such file."))
        return path.open("rb")

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as handle:
            return handle.read()

    def all_hashes(self):
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if SHA256.match(path.name):
                yield path.name


def file_store() -> LocalFileStore:
    return LocalFileStore(current_app.config["DEALERQMS_STORAGE_PATH"])
