"""The ObjectStore interface, and the parts both backends share.

A backend implements `_put_stream`, `open`, `exists`, `size`, `delete`,
`iter_keys` and `cleanup_temp`; `StoreBase` builds `put_file`, `put_bytes`,
`download` and `sha256` on top of them, so hashing, length checks and the
streamed copies are written once.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from storage.errors import IntegrityError

CHUNK_SIZE = 1024 * 1024  # streamed copies never hold more than this per read
DEFAULT_TEMP_AGE = 3600.0  # seconds; younger temp data may belong to a live writer


@runtime_checkable
class ObjectStore(Protocol):
    """Object storage as the rest of sohoa sees it; pick one with `open_storage`."""

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, content_type: str | None = None
    ) -> None:
        """Store the file under key, atomically and idempotently.

        Readers see the old object or the whole new one, never a part. Writing the
        same bytes again is harmless. With sha256, the bytes sent are hashed while
        streaming; a mismatch raises IntegrityError and nothing new is left behind
        (an object already under the key is kept).
        """

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store small in-memory data under key, with the guarantees of put_file."""

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Context manager giving a streaming binary reader; ObjectNotFound if absent."""

    def download(self, key: str, dest: Path) -> None:
        """Stream the object into the local file dest (replaced atomically)."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under key."""

    def size(self, key: str) -> int:
        """Size of the object in bytes; ObjectNotFound if absent."""

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing object is not an error."""

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        """Keys starting with prefix (a plain string prefix), in sorted order."""

    def sha256(self, key: str) -> str:
        """Hex sha256 of the stored bytes, re-read and hashed as a stream (fixity)."""

    def cleanup_temp(self, older_than: float = DEFAULT_TEMP_AGE) -> int:
        """Remove unfinished writes older than older_than seconds; return how many.

        Call it at start-up. The age limit keeps it from breaking a write another
        process sharing the store is doing at that moment.
        """


class VerifyingReader:
    """Reads exactly `length` bytes from src, hashing them as they pass.

    When the last byte has been read it compares the digest with `expected` (if
    given) and raises IntegrityError from that read, before the caller can commit
    what it wrote: the local backend then drops its temp file, the S3 client
    aborts the multipart upload or never sends the single PUT. A source that ends
    early (the file shrank) raises IntegrityError too.
    """

    def __init__(self, src: BinaryIO, length: int, expected: str | None = None) -> None:
        self._src = src
        self._length = length
        self._expected = expected.lower() if expected else None
        self._hash = hashlib.sha256()
        self._done = 0
        if length == 0:
            self._verify()

    def read(self, size: int | None = -1) -> bytes:
        """Up to size bytes, as the minio client reads a part."""
        size = self._clamp(size if size is not None and size >= 0 else self._length)
        data = self._src.read(size) if size else b""
        self._account(data, size)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill buffer without an extra copy, as copy_stream reads."""
        view = memoryview(buffer)[: self._clamp(len(buffer))]
        n = self._src.readinto(view) if len(view) else 0
        self._account(view[:n], len(view))
        return n

    def _clamp(self, size: int) -> int:
        return min(size, self._length - self._done)

    def _account(self, data: bytes | memoryview, wanted: int) -> None:
        if wanted and not data:
            raise IntegrityError(
                f"source ended after {self._done} of {self._length} bytes (changed while stored?)"
            )
        self._hash.update(data)
        self._done += len(data)
        if wanted and self._done == self._length:
            self._verify()

    def _verify(self) -> None:
        if self._expected is not None and self._hash.hexdigest() != self._expected:
            raise IntegrityError(
                f"sha256 mismatch: expected {self._expected}, got {self._hash.hexdigest()}"
            )


def copy_stream(src: BinaryIO, write: Callable[[memoryview], object]) -> None:
    """Feed src to write (a file's write, a hash's update) in CHUNK_SIZE pieces."""
    view = memoryview(bytearray(CHUNK_SIZE))
    while n := src.readinto(view):
        write(view[:n])


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink inside the directory durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class StoreBase(ABC):
    """What both backends share; subclasses provide the primitive operations."""

    @abstractmethod
    def _put_stream(
        self, key: str, src: BinaryIO, length: int, sha256: str | None, content_type: str | None
    ) -> None:
        """Store exactly length bytes read from src under key, atomically, verified."""

    @abstractmethod
    def open(self, key: str) -> AbstractContextManager[BinaryIO]: ...

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, content_type: str | None = None
    ) -> None:
        with open(path, "rb") as src:
            length = os.fstat(src.fileno()).st_size
            self._put_stream(key, src, length, sha256, content_type)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        self._put_stream(key, io.BytesIO(data), len(data), None, content_type)

    def download(self, key: str, dest: Path) -> None:
        dest = Path(dest)
        with self.open(key) as src:
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    copy_stream(src, out.write)
                os.replace(tmp, dest)
            except BaseException:
                os.unlink(tmp)
                raise

    def sha256(self, key: str) -> str:
        digest = hashlib.sha256()
        with self.open(key) as src:
            copy_stream(src, digest.update)
        return digest.hexdigest()
