"""Rendered unit PDFs kept in the instance folder, keyed by what they were rendered from.

The key is the SHA-256 of the unit's whole HTML document (its print CSS
inside), the product version and the WeasyPrint version: the same key
always renders to the same pages, so an effective procedure revision or a
closed NC renders once and is reused by every later pack. Each entry starts
with the SHA-256 of the PDF that follows, so a damaged entry is noticed,
dropped and rendered again. Entries are written to a temporary name and
moved into place; the oldest are evicted when the folder grows past its cap.

With an object store configured (``DEALERQMS_STORAGE_URL``) the same entries
are also kept in the bucket, under ``prefix/cache/pack/``: read through (an
entry missing here is looked for there, and kept here once found) and written
through (every new entry goes to both), so a unit rendered by a worker on one
machine is reused by a worker on another. An object is checked like a file
and a damaged one is rendered again (the new entry replaces it). A store that
does not answer makes the bucket's tier a miss for the rest of the build, with
one warning in the log; a pack never fails for its cache. The bucket's tier is
bounded by a lifecycle rule on ``cache/`` (docs/deployment.md), not here.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

from core.errors import NotFound
from core.storage import StoreUnavailable, file_store, uses_object_store

log = logging.getLogger(__name__)

SUFFIX = ".pdfunit"
TEXT_SUFFIX = ".text"
DIGEST = 64  # hex characters of the SHA-256 that heads every entry
# A temporary file older than this was left by a process that died mid-write.
STALE_TEMPORARY = 3600


# Under the prefix of the object store, apart from evidence, job results and backups.
SHARED_FOLDER = "cache/pack/"


def shared_store():
    """The object store that every node's cache shares, or None on a deployment without one."""
    return file_store() if uses_object_store() else None


def _intact(data: bytes) -> bytes | None:
    """The content of an entry whose SHA-256 head matches it, else None."""
    content = data[DIGEST:]
    if data[:DIGEST].decode("ascii", "replace") != hashlib.sha256(content).hexdigest():
        return None
    return content


def cache_key(document: str, *versions: str) -> str:
    digest = hashlib.sha256(document.encode("utf-8"))
    for version in versions:
        digest.update(b"\x00" + version.encode("utf-8"))
    return digest.hexdigest()


class UnitCache:
    def __init__(self, folder: str | Path, max_bytes: int, shared=None):
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        # An S3FileStore (core.storage), or None: this node's folder only.
        self.shared = shared if max_bytes > 0 else None

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return self._from_shared(path, key)
        pdf = _intact(data)
        if pdf is None:
            log.warning("dropping the damaged pack cache entry %s", path.name)
            path.unlink(missing_ok=True)
            return self._from_shared(path, key)
        try:
            # Recently used entries are the last to be evicted.
            os.utime(path)
        except OSError:
            pass
        return pdf

    def has(self, key: str) -> bool:
        """Whether this node's folder has an entry under ``key`` (not read, not checked: a hint)."""
        return self.max_bytes > 0 and self._path(key).is_file()

    def text(self, key: str, produce) -> str:
        """``produce()``'s text, kept under ``key`` (e.g. a chart that takes seconds to draw)."""
        path = self.folder / f"{key}{TEXT_SUFFIX}"
        try:
            kept = _intact(path.read_bytes())
            if kept is not None:
                return kept.decode("utf-8")
        except OSError:
            pass
        shared = self._from_shared(path, key)
        if shared is not None:
            return shared.decode("utf-8")
        text = produce()
        self._write(path, key, text.encode("utf-8"))
        return text

    def put(self, key: str, pdf: bytes) -> None:
        self._write(self._path(key), key, pdf)

    def _write(self, path: Path, key: str, data: bytes) -> None:
        if self.max_bytes <= 0:
            return
        entry = hashlib.sha256(data).hexdigest().encode("ascii") + data
        self._write_local(path, key, entry)
        self._to_shared(path.name, entry)

    def _write_local(self, path: Path, key: str, entry: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{key}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(entry)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    # The bucket's tier ------------------------------------------------------------

    def _from_shared(self, path: Path, key: str) -> bytes | None:
        """The entry ``path.name`` from the bucket, kept in this node's folder too; None on a miss."""
        if self.shared is None:
            return None
        try:
            data = self.shared.read_named(SHARED_FOLDER + path.name)
        except NotFound:
            return None
        except StoreUnavailable as error:  # a miss, never a failed pack
            self._lose_shared(error)
            return None
        content = _intact(data)
        if content is None:
            # Rendered again, and the new entry then replaces the object.
            log.warning("dropping the damaged pack cache object %s in %s", path.name, self.shared)
            return None
        self._write_local(path, key, data)
        return content

    def _to_shared(self, name: str, entry: bytes) -> None:
        if self.shared is None:
            return
        try:
            self.shared.write_named(SHARED_FOLDER + name, entry)
        except StoreUnavailable as error:
            self._lose_shared(error)

    def _lose_shared(self, error: Exception) -> None:
        """Carry on with this node's folder alone: asking a store that is down for every unit would
        cost its timeouts each time."""
        log.warning("the pack cache in the object store is not used for the rest of this pack: %s", error)
        self.shared = None

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
