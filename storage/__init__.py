"""Object storage: a local directory (default) or S3/MinIO, behind one interface.

    store = open_storage(settings.storage_url, default_dir=Path("var/objects"))
    store.cleanup_temp()                      # at start-up
    store.put_file(content_key(digest), path, sha256=digest)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage.base import ObjectStore
from storage.errors import IntegrityError, InvalidKey, ObjectNotFound, StorageError
from storage.keys import content_key, validate_key
from storage.local import LocalObjectStore

__all__ = [
    "IntegrityError",
    "InvalidKey",
    "LocalObjectStore",
    "ObjectNotFound",
    "ObjectStore",
    "StorageError",
    "content_key",
    "open_storage",
    "validate_key",
]


def _open_local_path(url: str) -> ObjectStore:
    return LocalObjectStore(Path(url))


def _open_file_url(url: str) -> ObjectStore:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise ValueError(f"file storage URL must be file:///absolute/path, got {url!r}")
    return LocalObjectStore(Path(unquote(parts.path)))


def _open_s3(url: str) -> ObjectStore:
    from storage.s3 import S3Config, S3ObjectStore  # minio is imported only when used

    return S3ObjectStore(S3Config.from_url(url))


# The one place a backend is picked, by URL scheme ("" = a plain path).
_BACKENDS: dict[str, Callable[[str], ObjectStore]] = {
    "": _open_local_path,
    "file": _open_file_url,
    "s3": _open_s3,
}


def open_storage(url: str, *, default_dir: Path) -> ObjectStore:
    """Open the store SOHOA_STORAGE_URL names; "" means a local directory at default_dir.

    "file:///abs/path" or a plain path: local directory there.
    "s3://ACCESS:SECRET@host:port/bucket?secure=false&region=…": S3/MinIO (bucket
    created if missing; credentials may come from AWS_ACCESS_KEY_ID /
    AWS_SECRET_ACCESS_KEY instead).
    """
    url = url.strip()
    if not url:
        return LocalObjectStore(Path(default_dir))
    scheme = urlsplit(url).scheme
    try:
        opener = _BACKENDS[scheme]
    except KeyError:
        raise ValueError(
            f"unsupported storage URL scheme {scheme!r}; use a path, file:// or s3://"
        ) from None
    return opener(url)
