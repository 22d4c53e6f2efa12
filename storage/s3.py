"""S3 / MinIO backend, through the `minio` client.

Uploads stream the source through a VerifyingReader: files up to `part_size`
go as one PUT (that part is in memory, as the client signs it), bigger ones as a
multipart upload read one part at a time; the client holds at most two parts
(the one sent and the next being read), so memory stays near 2 × part_size
whatever the file size. The client protects each request on the wire (signed payload
sha256 over http, Content-MD5 over https); the reader checks the whole stream
against the caller's sha256 and fails on the last read, before the single PUT is
sent or the multipart upload completed, and the client then aborts the upload: a
mismatch never becomes visible under the key.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.retention import Retention
from minio.error import S3Error

from storage.base import DEFAULT_TEMP_AGE, StoreBase, VerifyingReader
from storage.errors import ObjectNotFound
from storage.keys import validate_key

DEFAULT_PART_SIZE = 8 * 1024 * 1024  # S3 minimum is 5 MiB
MAX_PARTS = 10_000  # S3 limit on parts per upload
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchObject", "ResourceNotFound"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class S3Config:
    endpoint: str  # host[:port]
    bucket: str
    access_key: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    secure: bool = True
    region: str | None = None

    @classmethod
    def from_url(cls, url: str, environ: Mapping[str, str] = os.environ) -> S3Config:
        """Parse `s3://[ACCESS:SECRET@]host[:port]/bucket[?secure=false&region=…]`.

        Credentials missing from the URL come from AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in environ.
        """
        parts = urlsplit(url)
        if parts.scheme != "s3":
            raise ValueError(f"not an s3:// URL: {url!r}")
        bucket = parts.path.strip("/")
        if not parts.hostname or not bucket or "/" in bucket:
            raise ValueError(
                "S3 storage URL must look like s3://[ACCESS:SECRET@]host[:port]/bucket"
                f"[?secure=false&region=…], got {_redact(url)!r}"
            )
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"secure", "region"}
        if unknown:
            raise ValueError(f"unknown S3 storage URL parameters: {sorted(unknown)}")
        endpoint = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        return cls(
            endpoint=endpoint,
            bucket=bucket,
            access_key=_unquote(parts.username) or environ.get("AWS_ACCESS_KEY_ID"),
            secret_key=_unquote(parts.password) or environ.get("AWS_SECRET_ACCESS_KEY"),
            session_token=environ.get("AWS_SESSION_TOKEN"),
            secure=_parse_bool(query.get("secure", "true"), "secure"),
            region=query.get("region") or None,
        )


def _unquote(value: str | None) -> str | None:
    return unquote(value) if value else None


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _parse_bool(value: str, name: str) -> bool:
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"S3 storage URL parameter {name}={value!r} is not a boolean")


class S3ObjectStore(StoreBase):
    def __init__(
        self, config: S3Config, *, part_size: int = DEFAULT_PART_SIZE, client: Minio | None = None
    ) -> None:
        self.config = config
        self.bucket = config.bucket
        self.part_size = part_size
        self._client = client or Minio(
            config.endpoint,
            access_key=config.access_key,
            secret_key=config.secret_key,
            session_token=config.session_token,
            secure=config.secure,
            region=config.region,
        )
        self._ensure_bucket()

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.config!r})"

    def _ensure_bucket(self) -> None:
        if self._client.bucket_exists(self.bucket):
            return
        try:
            self._client.make_bucket(self.bucket, location=self.config.region)
        except S3Error as exc:
            if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise

    def _part_size_for(self, length: int) -> int:
        """The configured part size, grown (in whole MiB) if needed to stay within MAX_PARTS."""
        mib = 1024 * 1024
        needed = -(-length // MAX_PARTS)
        return max(self.part_size, -(-needed // mib) * mib)

    def _put_stream(
        self, key: str, src: BinaryIO, length: int, sha256: str | None, content_type: str | None
    ) -> None:
        validate_key(key)
        reader = VerifyingReader(src, length, sha256)
        self._client.put_object(
            self.bucket,
            key,
            reader,  # type: ignore[arg-type]  # has the read() the client uses
            length,
            content_type=content_type or "application/octet-stream",
            part_size=self._part_size_for(length),
            num_parallel_uploads=1,  # one part in memory; reads and hash stay in order
        )

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        validate_key(key)
        with _missing_is_not_found(key):
            response = self._client.get_object(self.bucket, key)
        try:
            yield response  # type: ignore[misc]  # urllib3 response: read(n), readinto()
        finally:
            response.close()
            response.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        validate_key(key)
        with _missing_is_not_found(key):
            stat = self._client.stat_object(self.bucket, key)
        return int(stat.size or 0)

    def delete(self, key: str) -> None:
        validate_key(key)
        self._client.remove_object(self.bucket, key)  # S3 DELETE is idempotent

    def put_retained(self, key: str, data: bytes, retain_until: datetime) -> bool:
        """Write an object that Object Lock (COMPLIANCE mode) keeps from being overwritten or
        deleted until ``retain_until``, when the bucket has Object Lock; else a plain write.
        Returns whether the object is locked."""
        validate_key(key)
        locked = self._has_object_lock()
        # S3 asks a checksum of every object written under a retention period.
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
        self._client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type="application/json",
                                metadata={"x-amz-sdk-checksum-algorithm": "SHA256",
                                          "x-amz-checksum-sha256": checksum},
                                retention=Retention(COMPLIANCE, retain_until) if locked else None)
        return locked

    def _has_object_lock(self) -> bool:
        try:
            config = self._client.get_object_lock_config(self.bucket)
        except S3Error:
            return False  # the bucket was created without Object Lock (it cannot be switched on later)
        return config is not None

    def iter_keys(self, prefix: str = "") -> Iterator[str]:
        for obj in self._client.list_objects(self.bucket, prefix=prefix or None, recursive=True):
            if not obj.is_dir:
                yield obj.object_name

    def cleanup_temp(self, older_than: float = DEFAULT_TEMP_AGE) -> int:
        """Abort multipart uploads begun more than older_than seconds ago.

        minio 7.2 has no public call to list uploads, so this uses its
        `_list_multipart_uploads` / `_abort_multipart_upload` (checked by the tests).
        """
        cutoff = datetime.now(timezone.utc) - timedelta(seconds=older_than)
        aborted = 0
        key_marker = None
        while True:
            result = self._client._list_multipart_uploads(self.bucket, key_marker=key_marker)
            for upload in result.uploads:
                started = upload.initiated_time
                if started is not None and started.tzinfo is None:
                    started = started.replace(tzinfo=timezone.utc)
                if started is None or started <= cutoff:
                    self._client._abort_multipart_upload(
                        self.bucket, upload.object_name, upload.upload_id
                    )
                    aborted += 1
            # Pages by key only (minio 7.2 drops NextUploadIdMarker): at worst a
            # key's further uploads wait for the next start-up.
            if not result.is_truncated or not result.next_key_marker:
                return aborted
            key_marker = result.next_key_marker


@contextmanager
def _missing_is_not_found(key: str) -> Iterator[None]:
    try:
        yield
    except S3Error as exc:
        if exc.code in _NOT_FOUND_CODES:
            raise ObjectNotFound(key) from None
        raise
