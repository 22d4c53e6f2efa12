"""What only the local-directory backend does: files, temp dir, fsync, escapes."""

from __future__ import annotations

import io
import os
import time

import pytest

from storage import IntegrityError, InvalidKey, LocalObjectStore
from storage.local import TEMP_DIR


@pytest.fixture
def store(tmp_path):
    return LocalObjectStore(tmp_path / "objects")


def temp_files(store):
    return list((store.root / TEMP_DIR).iterdir())


def test_object_is_a_file_under_its_key(store):
    store.put_bytes("originals/ab/cd/abcd", b"scan")
    assert (store.root / "originals" / "ab" / "cd" / "abcd").read_bytes() == b"scan"
    assert temp_files(store) == []


def test_symlink_cannot_lead_out_of_the_root(store, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"not yours")
    (store.root / "evil").symlink_to(outside)

    with pytest.raises(InvalidKey):
        store.put_bytes("evil/planted", b"x")
    with pytest.raises(InvalidKey):
        store.open("evil/secret").__enter__()
    with pytest.raises(InvalidKey):
        store.delete("evil/secret")
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert list(store.iter_keys()) == []  # links are not followed nor listed


def test_dot_dot_never_touches_the_parent(store, tmp_path):
    for key in ["../escaped", "a/../../escaped", "/tmp/escaped", "..\\escaped"]:
        with pytest.raises(InvalidKey):
            store.put_bytes(key, b"x")
    assert not (tmp_path / "escaped").exists()
    assert not (store.root.parent / "escaped").exists()


def test_write_is_fsynced_then_renamed_then_dir_fsynced(store, monkeypatch):
    calls = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        calls.append(("fsync-dir" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync-file"))
        real_fsync(fd)

    def replace(src, dst):
        calls.append("replace")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.put_bytes("new/dir/key", b"x")
    # new/ and new/dir/ are fsynced in their parents as they are made
    assert calls == ["fsync-file", "fsync-dir", "fsync-dir", "replace", "fsync-dir"]


def test_failed_write_keeps_old_object_and_no_temp(store):
    store.put_bytes("k", b"old")

    class Broken(io.BytesIO):
        def readinto(self, buffer):
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        store._put_stream("k", Broken(b"new"), 3, None, None)
    with store.open("k") as f:
        assert f.read() == b"old"
    assert temp_files(store) == []


def test_source_shorter_than_announced(store):
    with pytest.raises(IntegrityError, match="ended after"):
        store._put_stream("short", io.BytesIO(b"abc"), 10, None, None)
    assert not store.exists("short")
    assert temp_files(store) == []


def test_key_cannot_be_both_object_and_directory(store):
    store.put_bytes("a", b"x")
    with pytest.raises(InvalidKey):
        store.put_bytes("a/b", b"y")
    store.put_bytes("c/d", b"y")
    with pytest.raises(InvalidKey):
        store.put_bytes("c", b"x")
    assert list(store.iter_keys()) == ["a", "c/d"]
    assert temp_files(store) == []


def test_cleanup_temp_removes_only_old_temp_files(store):
    temp = store.root / TEMP_DIR
    stale, fresh = temp / "stale.part", temp / "fresh.part"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    old = time.time() - 7200
    os.utime(stale, (old, old))

    assert store.cleanup_temp() == 1
    assert temp_files(store) == [fresh]
    assert store.cleanup_temp(older_than=0) == 1
    assert temp_files(store) == []


def test_reopening_keeps_objects(tmp_path):
    LocalObjectStore(tmp_path / "o").put_bytes("k", b"v")
    assert list(LocalObjectStore(tmp_path / "o").iter_keys()) == ["k"]
