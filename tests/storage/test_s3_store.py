"""What only the S3 backend does: multipart uploads, content type, aborting uploads."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from storage import IntegrityError, open_storage
from storage.s3 import MAX_PARTS, S3Config, S3ObjectStore

MiB = 1024 * 1024


@pytest.fixture
def store(s3_url):
    return S3ObjectStore(S3Config.from_url(s3_url), part_size=5 * MiB)


def open_uploads(store):
    return store._client._list_multipart_uploads(store.bucket).uploads


def test_big_file_goes_in_parts(store, make_file):
    path, digest = make_file(11 * MiB)
    store.put_file("big", path, sha256=digest)
    etag = store._client.stat_object(store.bucket, "big").etag
    assert etag.endswith("-3")  # a multipart ETag: 5 + 5 + 1 MiB
    assert store.sha256("big") == digest
    assert open_uploads(store) == []


def test_mismatch_aborts_the_multipart_upload(store, make_file):
    path, _ = make_file(11 * MiB)
    with pytest.raises(IntegrityError):
        store.put_file("big", path, sha256="2" * 64)
    assert open_uploads(store) == []
    assert not store.exists("big")


def test_content_type_is_kept(store):
    store.put_bytes("page.txt", "Sổ BHXH".encode(), content_type="text/plain; charset=utf-8")
    stat = store._client.stat_object(store.bucket, "page.txt")
    assert stat.content_type == "text/plain; charset=utf-8"
    store.put_bytes("blob", b"x")
    assert store._client.stat_object(store.bucket, "blob").content_type == "application/octet-stream"


def test_cleanup_temp_aborts_left_over_uploads(store):
    store._client._create_multipart_upload(store.bucket, "left/behind", {})
    assert len(open_uploads(store)) == 1
    assert store.cleanup_temp(older_than=0) == 1
    assert open_uploads(store) == []


def test_cleanup_temp_spares_young_uploads(store, monkeypatch):
    # moto reports every upload as begun in 2010, so the age filter is checked on a stub.
    now = datetime.now(timezone.utc)
    uploads = [
        SimpleNamespace(object_name="old", upload_id="u1", initiated_time=now - timedelta(hours=2)),
        SimpleNamespace(object_name="young", upload_id="u2", initiated_time=now - timedelta(minutes=1)),
    ]
    listing = SimpleNamespace(uploads=uploads, is_truncated=False, next_key_marker=None)
    aborted = []
    monkeypatch.setattr(store._client, "_list_multipart_uploads", lambda bucket, key_marker=None: listing)
    monkeypatch.setattr(store._client, "_abort_multipart_upload", lambda *args: aborted.append(args))

    assert store.cleanup_temp() == 1
    assert aborted == [(store.bucket, "old", "u1")]


def test_part_size_grows_for_huge_files(store):
    assert store._part_size_for(11 * MiB) == 5 * MiB
    huge = 200 * 1024 * MiB  # 200 GiB would need 40 960 parts of 5 MiB
    part = store._part_size_for(huge)
    assert part % MiB == 0 and -(-huge // part) <= MAX_PARTS


def test_open_storage_shares_buckets(s3_url, tmp_path):
    first = open_storage(s3_url, default_dir=tmp_path)
    first.put_bytes("k", b"v")
    second = open_storage(s3_url, default_dir=tmp_path)
    assert list(second.iter_keys()) == ["k"]


def test_put_retained_locks_the_object_where_the_bucket_has_object_lock(s3_url):
    from minio.commonconfig import COMPLIANCE
    from minio.error import S3Error

    config = S3Config.from_url(s3_url)
    plain = S3ObjectStore(config)
    assert plain.put_retained("audit/checkpoints/a.json", b"{}", datetime.now(timezone.utc) + timedelta(days=1)) \
        is False  # a bucket made without Object Lock: a plain write
    locked_config = S3Config.from_url(s3_url.replace(config.bucket, config.bucket + "-locked"))
    client = plain._client
    client.make_bucket(locked_config.bucket, object_lock=True)
    store = S3ObjectStore(locked_config)
    until = datetime.now(timezone.utc) + timedelta(days=1)
    assert store.put_retained("audit/checkpoints/b.json", b'{"count": 3}', until) is True
    stat = client.stat_object(locked_config.bucket, "audit/checkpoints/b.json")
    assert stat.metadata["x-amz-object-lock-mode"] == COMPLIANCE
    assert stat.metadata["x-amz-object-lock-retain-until-date"].startswith(f"{until:%Y-%m-%d}")
    version = stat.version_id
    with pytest.raises(S3Error):  # the stored version cannot be destroyed before its date
        client.remove_object(locked_config.bucket, "audit/checkpoints/b.json", version_id=version)
    with store.open("audit/checkpoints/b.json") as f:
        assert f.read() == b'{"count": 3}'
