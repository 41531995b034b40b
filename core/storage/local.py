"""Files on the local disk (or a shared mount), under ``DEALERQMS_STORAGE_PATH``.

Each upload is written to a temporary name in the same folder and renamed
into place, so a file is either whole or absent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from core.errors import NotFound
from core.storage.base import SHA256, checked_key, copy_counted, nested_name


class LocalFileStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def _path(self, sha256: str) -> Path:
        return self.root / nested_name(checked_key(sha256))

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` is (or would be) on disk."""
        return self._path(sha256)

    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]:
        """Store a stream; returns (sha256, size). Same content, same file."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as temp:
                digest, size = copy_counted(stream, temp, max_bytes)
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

    def size(self, sha256: str) -> int:
        path = self._path(sha256)
        if not path.is_file():
            raise NotFound(_("No such file."))
        return path.stat().st_size

    def all_hashes(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if SHA256.match(path.name):
                yield path.name
