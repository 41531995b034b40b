"""Rendered unit PDFs kept in the instance folder, keyed by what they were rendered from.

The key is the SHA-256 of the unit's whole HTML document (its print CSS
inside), the product version and the WeasyPrint version: the same key
always renders to the same pages, so an effective procedure revision or a
closed NC renders once and is reused by every later pack. Each entry starts
with the SHA-256 of the PDF that follows, so a damaged entry is noticed,
dropped and rendered again. Entries are written to a temporary name and
moved into place; the oldest are evicted when the folder grows past its cap.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".pdfunit"
TEXT_SUFFIX = ".text"
DIGEST = 64  # hex characters of the SHA-256 that heads every entry
# A temporary file older than this was left by a process that died mid-write.
STALE_TEMPORARY = 3600


def cache_key(document: str, *versions: str) -> str:
    digest = hashlib.sha256(document.encode("utf-8"))
    for version in versions:
        digest.update(b"\x00" + version.encode("utf-8"))
    return digest.hexdigest()


class UnitCache:
    def __init__(self, folder: str | Path, max_bytes: int):
        self.folder = Path(folder)
        self.max_bytes = max_bytes

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        pdf = data[DIGEST:]
        if data[:DIGEST].decode("ascii", "replace") != hashlib.sha256(pdf).hexdigest():
            log.warning("dropping the damaged pack cache entry %s", path.name)
            path.unlink(missing_ok=True)
            return None
        try:
            # Recently used entries are the last to be evicted.
            os.utime(path)
        except OSError:
            pass
        return pdf

    def text(self, key: str, produce) -> str:
        """``produce()``'s text, kept under ``key`` (e.g. a chart that takes seconds to draw)."""
        path = self.folder / f"{key}{TEXT_SUFFIX}"
        try:
            data = path.read_bytes()
            if data[:DIGEST].decode("ascii", "replace") == hashlib.sha256(data[DIGEST:]).hexdigest():
                return data[DIGEST:].decode("utf-8")
        except OSError:
            pass
        text = produce()
        self._write(path, key, text.encode("utf-8"))
        return text

    def put(self, key: str, pdf: bytes) -> None:
        self._write(self._path(key), key, pdf)

    def _write(self, path: Path, key: str, data: bytes) -> None:
        if self.max_bytes <= 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{key}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(hashlib.sha256(data).hexdigest().encode("ascii"))
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def evict(self) -> int:
        """Remove the least recently used entries until the folder is under its cap; returns how many."""
        if not self.folder.is_dir():
            return 0
        entries, total, now = [], 0, time.time()
        for path in self.folder.iterdir():
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.name.endswith(".part"):
                if now - stat.st_mtime > STALE_TEMPORARY:
                    path.unlink(missing_ok=True)
                continue
            if path.suffix in (SUFFIX, TEXT_SUFFIX):
                entries.append((stat.st_mtime, stat.st_size, path))
                total += stat.st_size
        removed = 0
        for _mtime, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed
