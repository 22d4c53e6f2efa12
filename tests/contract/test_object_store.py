"""The ObjectStore contract, run against every backend (fixture `object_store`)."""

from __future__ import annotations

import hashlib
import threading
import tracemalloc

import pytest

from storage import IntegrityError, InvalidKey, ObjectNotFound, ObjectStore, content_key

MiB = 1024 * 1024
BIG = 70 * MiB


def read_all(store: ObjectStore, key: str) -> bytes:
    with store.open(key) as f:
        return f.read()


def test_is_an_object_store(object_store):
    assert isinstance(object_store, ObjectStore)


def test_put_bytes_then_read_back(object_store):
    data = "Giấy khai sinh — Nguyễn Văn Đức".encode()
    object_store.put_bytes("results/dossier-1/receipt.txt", data, content_type="text/plain")

    assert object_store.exists("results/dossier-1/receipt.txt")
    assert object_store.size("results/dossier-1/receipt.txt") == len(data)
    assert read_all(object_store, "results/dossier-1/receipt.txt") == data
    assert object_store.sha256("results/dossier-1/receipt.txt") == hashlib.sha256(data).hexdigest()


def test_open_streams_in_pieces(object_store):
    data = bytes(range(256)) * 1000
    object_store.put_bytes("pieces", data)
    with object_store.open("pieces") as f:
        first = f.read(1000)
        rest = f.read()
    assert first + rest == data


def test_put_file_with_sha256_and_download(object_store, make_file, tmp_path):
    path, digest = make_file(3 * MiB + 5)
    key = content_key(digest)
    object_store.put_file(key, path, sha256=digest, content_type="application/pdf")

    dest = tmp_path / "out" / "scan.pdf"
    dest.parent.mkdir()
    object_store.download(key, dest)
    assert dest.read_bytes() == path.read_bytes()
    assert list(dest.parent.iterdir()) == [dest]  # no temp file left next to it
    assert object_store.sha256(key) == digest


def test_empty_object(object_store, tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    object_store.put_file("empty", empty, sha256=hashlib.sha256(b"").hexdigest())
    assert object_store.size("empty") == 0
    assert read_all(object_store, "empty") == b""


def test_download_replaces_existing_file(object_store, tmp_path):
    object_store.put_bytes("k", b"new")
    dest = tmp_path / "dest"
    dest.write_bytes(b"old and longer")
    object_store.download("k", dest)
    assert dest.read_bytes() == b"new"


def test_put_again_is_idempotent(object_store, make_file):
    path, digest = make_file(MiB)
    key = content_key(digest)
    object_store.put_file(key, path, sha256=digest)
    object_store.put_file(key, path, sha256=digest)
    assert list(object_store.iter_keys()) == [key]
    assert object_store.sha256(key) == digest


def test_put_replaces_whole_object(object_store):
    object_store.put_bytes("k", b"a longer first version")
    object_store.put_bytes("k", b"second")
    assert read_all(object_store, "k") == b"second"


def test_concurrent_puts_of_same_key(object_store, make_file):
    path, digest = make_file(2 * MiB)
    errors = []

    def put():
        try:
            object_store.put_file("same", path, sha256=digest)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert object_store.sha256("same") == digest


def test_wrong_sha256_leaves_nothing(object_store, make_file):
    path, digest = make_file(MiB)
    with pytest.raises(IntegrityError):
        object_store.put_file("bad", path, sha256="0" * 64)
    assert not object_store.exists("bad")
    assert list(object_store.iter_keys()) == []
    assert object_store.cleanup_temp(older_than=0) == 0  # no temp file, no open upload


def test_wrong_sha256_keeps_existing_object(object_store, make_file):
    object_store.put_bytes("kept", b"original")
    path, _ = make_file(1000)
    with pytest.raises(IntegrityError):
        object_store.put_file("kept", path, sha256="f" * 64)
    assert read_all(object_store, "kept") == b"original"


def test_wrong_sha256_on_multipart_sized_file_leaves_nothing(object_store, make_file):
    size = getattr(object_store, "part_size", 0) + MiB + 1  # S3: two parts
    path, _ = make_file(size)
    with pytest.raises(IntegrityError):
        object_store.put_file("bad-big", path, sha256="1" * 64)
    assert not object_store.exists("bad-big")
    assert object_store.cleanup_temp(older_than=0) == 0


def test_sha256_is_case_insensitive(object_store, make_file):
    path, digest = make_file(1000)
    object_store.put_file("upper", path, sha256=digest.upper())
    assert object_store.sha256("upper") == digest


def test_missing_object(object_store, tmp_path):
    assert not object_store.exists("no/such/key")
    with pytest.raises(ObjectNotFound):
        object_store.size("no/such/key")
    with pytest.raises(ObjectNotFound):
        with object_store.open("no/such/key"):
            pass
    with pytest.raises(ObjectNotFound):
        object_store.download("no/such/key", tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    with pytest.raises(ObjectNotFound):
        object_store.sha256("no/such/key")
    with pytest.raises(KeyError):  # ObjectNotFound is a KeyError
        object_store.size("no/such/key")


def test_a_key_prefix_is_not_an_object(object_store):
    object_store.put_bytes("dir/file", b"x")
    assert not object_store.exists("dir")
    with pytest.raises(ObjectNotFound):
        object_store.size("dir")


def test_delete_is_idempotent(object_store):
    object_store.put_bytes("gone", b"x")
    object_store.delete("gone")
    object_store.delete("gone")
    object_store.delete("never/was")
    assert not object_store.exists("gone")


def test_iter_keys_sorted_and_by_prefix(object_store):
    keys = ["a/2", "a/1", "a-b", "ab", "b/c/d", "a/x/y"]
    for key in keys:
        object_store.put_bytes(key, key.encode())

    assert list(object_store.iter_keys()) == sorted(keys)
    assert list(object_store.iter_keys("a")) == ["a-b", "a/1", "a/2", "a/x/y", "ab"]
    assert list(object_store.iter_keys("a/")) == ["a/1", "a/2", "a/x/y"]
    assert list(object_store.iter_keys("a/x")) == ["a/x/y"]
    assert list(object_store.iter_keys("b/c/d")) == ["b/c/d"]
    assert list(object_store.iter_keys("zz")) == []


INVALID_KEYS = [
    "", "/etc/passwd", "../outside", "a/../../outside", "a/./b", "a//b", "a/", ".", "..",
    ".tmp/x", "a\\b", "..\\..\\x", "a\x00b", "a\nb", "a b", "tài-liệu.pdf", "C:/x", "~/x",
    "-rf", "a/" + "x" * 256, "k" * 1025,
]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_invalid_keys_refused_everywhere(object_store, key, tmp_path):
    source = tmp_path / "source"
    source.write_bytes(b"x")
    operations = [
        lambda: object_store.put_bytes(key, b"x"),
        lambda: object_store.put_file(key, source),
        lambda: object_store.open(key).__enter__(),
        lambda: object_store.download(key, tmp_path / "dest"),
        lambda: object_store.exists(key),
        lambda: object_store.size(key),
        lambda: object_store.delete(key),
        lambda: object_store.sha256(key),
    ]
    for operation in operations:
        with pytest.raises(InvalidKey):
            operation()
    assert list(object_store.iter_keys()) == []


def test_cleanup_temp_keeps_objects(object_store):
    object_store.put_bytes("stays", b"x")
    assert object_store.cleanup_temp(older_than=0) == 0
    assert read_all(object_store, "stays") == b"x"


@pytest.mark.slow
def test_big_file_is_streamed(object_store, make_file, tmp_path):
    """70 MB in and out with the Python heap never holding more than a part of it."""
    path, digest = make_file(BIG)
    key = content_key(digest)
    # S3: the client holds the part being sent and the next one; local: one buffer.
    limit = 2 * getattr(object_store, "part_size", 0) + 4 * MiB
    assert limit < BIG / 3

    peaks = {}
    tracemalloc.start()
    try:
        for name, step in [
            ("put_file", lambda: object_store.put_file(key, path, sha256=digest)),
            ("download", lambda: object_store.download(key, tmp_path / "copy")),
            ("sha256", lambda: object_store.sha256(key)),
        ]:
            tracemalloc.reset_peak()
            start = tracemalloc.get_traced_memory()[0]
            result = step()
            peaks[name] = tracemalloc.get_traced_memory()[1] - start
            if name == "sha256":
                assert result == digest
    finally:
        tracemalloc.stop()

    assert object_store.size(key) == BIG
    assert hashlib.file_digest(open(tmp_path / "copy", "rb"), "sha256").hexdigest() == digest
    assert all(peak < limit for peak in peaks.values()), peaks
