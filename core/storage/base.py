"""What every file store shares: the key of a file (its SHA-256), copying an
upload while hashing and counting it, and reading a file back only if it is
still the content its key names."""

from __future__ import annotations

import hashlib
import io
import re
from typing import BinaryIO, Protocol

from flask_babel import gettext as _

from core.errors import NotFound, TooLarge

SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class FileStore(Protocol):
    def put(self, stream: BinaryIO, *, max_bytes: int | None = None) -> tuple[str, int]: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def exists(self, sha256: str) -> bool: ...
    def read(self, sha256: str) -> bytes: ...
    def size(self, sha256: str) -> int: ...
    def all_hashes(self): ...


class StoreUnavailable(Exception):
    """The store cannot be reached or refuses us: one sentence for an operator, naming the store."""


class CorruptFile(Exception):
    """A stored file whose bytes no longer hash to its key: changed or damaged where it is kept."""

    def __init__(self, sha256: str, where: str):
        super().__init__(
            f"The stored file {sha256} in {where} does not match its SHA-256: it was changed or damaged there; "
            "restore it from a backup."
        )
        self.sha256 = sha256


def checked_key(sha256: str) -> str:
    if not SHA256.match(sha256 or ""):
        raise NotFound(_("No such file."))
    return sha256


def nested_name(sha256: str) -> str:
    """``ab/cd/abcd…``: the same layout on disk and in a bucket, so files move with a plain copy."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def copy_counted(stream: BinaryIO, target: BinaryIO, max_bytes: int | None):
    """Copy ``stream`` into ``target`` a chunk at a time; returns (sha256 object, size).

    Raises TooLarge as soon as more than ``max_bytes`` arrived, before the rest is read.
    """
    digest, size = hashlib.sha256(), 0
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
        target.write(chunk)
    return digest, size


class CheckedStream(io.RawIOBase):
    """A stored file's bytes, hashed as they are read.

    The last chunk is held back until the end has been seen and the hash
    matches: a reader (a download being sent) gets a damaged file cut short
    and a :class:`CorruptFile` error, never the whole of it as if it were good.
    """

    def __init__(self, body, sha256: str, where: str):
        self._body, self._sha256, self._where = body, sha256, where
        self._digest = hashlib.sha256()
        self._ready, self._position = b"", 0  # approved bytes, and how many of them were given out
        self._held = b""  # the newest chunk: given out only once the next one (or the end) has been read
        self._ended = self._corrupt = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._corrupt:
            raise CorruptFile(self._sha256, self._where)
        while self._position >= len(self._ready) and not self._ended:
            chunk = self._body.read(CHUNK)
            if not chunk:
                self._ended = True
                if self._digest.hexdigest() != self._sha256:
                    self._corrupt = True
                    raise CorruptFile(self._sha256, self._where)
            self._digest.update(chunk)
            self._ready, self._position, self._held = self._held, 0, chunk
        size = min(len(buffer), len(self._ready) - self._position)
        buffer[:size] = self._ready[self._position : self._position + size]
        self._position += size
        return size

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
