"""Local-directory backend: one file per object, the key's segments as directories.

Writes go to a temp file in `<root>/.tmp/` (same file system, so the final rename
is atomic), are fsynced, renamed into place, and the directory is fsynced, so a
crash leaves either the old object or the whole new one plus, at worst, a stale
temp file that `cleanup_temp` removes. Keys cannot start a segment with a dot,
so `.tmp/` never collides with an object. `content_type` is not kept locally.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from storage.base import DEFAULT_TEMP_AGE, StoreBase, VerifyingReader, copy_stream, fsync_dir
from storage.errors import InvalidKey, ObjectNotFound
from storage.keys import validate_key

TEMP_DIR = ".tmp"


class LocalObjectStore(StoreBase):
    def __init__(self, root: Path) -> None:
        root = Path(root)
        (root / TEMP_DIR).mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self._temp_dir = self.root / TEMP_DIR

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        """File path of key; refuses keys (or symlinks) that would leave the root."""
        path = self.root.joinpath(*validate_key(key).split("/"))
        real = os.path.realpath(path)
        if not real.startswith(str(self.root) + os.sep):
            raise InvalidKey(f"object key {key!r} resolves outside the store")
        return path

    def _put_stream(
        self, key: str, src: BinaryIO, length: int, sha256: str | None, content_type: str | None
    ) -> None:
        path = self._path(key)
        reader = VerifyingReader(src, length, sha256)
        fd, tmp = tempfile.mkstemp(dir=self._temp_dir, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                copy_stream(reader, out.write)
                out.flush()
                os.fsync(out.fileno())
            self._make_dirs(path.parent, key)
            try:
                os.replace(tmp, path)
            except IsADirectoryError:
                raise InvalidKey(f"object key {key!r} names a directory of other keys") from None
        except BaseException:
            os.unlink(tmp)
            raise
        fsync_dir(path.parent)

    def _make_dirs(self, directory: Path, key: str) -> None:
        """mkdir -p, fsyncing each parent that gained an entry."""
        if directory.is_dir():
            return
        self._make_dirs(directory.parent, key)
        try:
            directory.mkdir()
        except FileExistsError:
            if not directory.is_dir():
                raise InvalidKey(f"object key {key!r} runs through another object") from None
            return  # a concurrent writer made it
        fsync_dir(directory.parent)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        path = self._path(key)
        try:
            f = open(path, "rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ObjectNotFound(key) from None
        with f:
            yield f

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            stat = self._path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not S_ISREG(stat.st_mode):
            raise ObjectNotFound(key)
        return stat.st_size

    def delete(self, key: str) -> None:
        # Empty shard directories stay: removing them would race with a writer
        # that has just created one; there are at most 65 536 of them.
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return
        fsync_dir(path.parent)

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        return self._walk(self.root, "", prefix)

    def _walk(self, directory: Path, base: str, prefix: str) -> Iterator[str]:
        """Keys below directory in sorted key order, pruning what cannot match."""
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:  # removed under us
            return
        # A directory sorts as "name/" so the order is that of the full keys.
        # Dot names (.tmp) and symlinks are not objects.
        named = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                named.append((entry.name + "/", True))
            elif entry.is_file(follow_symlinks=False):
                named.append((entry.name, False))
        for name, is_dir in sorted(named):
            key = base + name
            if is_dir:
                if key.startswith(prefix) or prefix.startswith(key):
                    yield from self._walk(directory / name, key, prefix)
            elif key.startswith(prefix):
                yield key

    def cleanup_temp(self, older_than: float = DEFAULT_TEMP_AGE) -> int:
        cutoff = time.time() - older_than
        removed = 0
        for entry in os.scandir(self._temp_dir):
            try:
                if entry.stat(follow_symlinks=False).st_mtime <= cutoff:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue  # its writer finished or another cleaner got it
        return removed
