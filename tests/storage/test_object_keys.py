"""Key syntax, the content-addressed layout, and picking a backend by URL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from storage import InvalidKey, LocalObjectStore, content_key, open_storage, validate_key
from storage.s3 import S3Config, S3ObjectStore

DIGEST = hashlib.sha256(b"giay to").hexdigest()


@pytest.mark.parametrize(
    "key", ["a", "originals/ab/cd/" + DIGEST, "A_b-c.d/e.pdf", "_x", "2024/q1/report.json", "a."]
)
def test_valid_keys(key):
    assert validate_key(key) == key


@pytest.mark.parametrize("key", ["", "/a", "a/..", ".hidden", "a/b\n", "a\tb", "ĐƠN.pdf", "a:b", None, b"a"])
def test_invalid_keys(key):
    with pytest.raises(InvalidKey):
        validate_key(key)


def test_invalid_key_is_a_value_error():
    with pytest.raises(ValueError):
        validate_key("../x")


def test_content_key_layout():
    assert content_key(DIGEST) == f"originals/{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"
    assert content_key(DIGEST.upper(), prefix="pdf") == f"pdf/{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"
    assert content_key(DIGEST, prefix="") == f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"
    assert content_key(DIGEST, prefix="derived/text") == f"derived/text/{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"


@pytest.mark.parametrize("digest", ["", "abc", "g" * 64, DIGEST + "0", "../" + DIGEST[3:]])
def test_content_key_refuses_non_digests(digest):
    with pytest.raises(InvalidKey):
        content_key(digest)


def test_content_key_refuses_bad_prefix():
    with pytest.raises(InvalidKey):
        content_key(DIGEST, prefix="../x")


def test_open_storage_local_variants(tmp_path):
    default = open_storage("", default_dir=tmp_path / "default")
    assert isinstance(default, LocalObjectStore) and default.root == tmp_path / "default"
    by_url = open_storage(f"file://{tmp_path}/by%20url", default_dir=tmp_path)
    assert isinstance(by_url, LocalObjectStore) and by_url.root == tmp_path / "by url"
    by_path = open_storage(f"  {tmp_path}/plain  ", default_dir=tmp_path)
    assert isinstance(by_path, LocalObjectStore) and by_path.root == tmp_path / "plain"


@pytest.mark.parametrize("url", ["file://otherhost/x", "file:relative", "ftp://host/x", "gs://bucket"])
def test_open_storage_refuses_other_urls(url, tmp_path):
    with pytest.raises(ValueError):
        open_storage(url, default_dir=tmp_path)


def test_open_storage_s3(s3_url, tmp_path):
    store = open_storage(s3_url, default_dir=tmp_path)
    assert isinstance(store, S3ObjectStore)
    assert store._client.bucket_exists(store.bucket)  # created on open
    assert isinstance(open_storage(s3_url, default_dir=tmp_path), S3ObjectStore)  # and again


def test_s3_url_parsing():
    config = S3Config.from_url("s3://AK:s%2Fe%40cret@minio:9000/sohoa?secure=false&region=ap-southeast-1", {})
    assert config == S3Config(
        endpoint="minio:9000", bucket="sohoa", access_key="AK", secret_key="s/e@cret",
        secure=False, region="ap-southeast-1",
    )
    assert "s/e@cret" not in repr(config)


def test_s3_url_defaults_and_env_credentials():
    env = {"AWS_ACCESS_KEY_ID": "envkey", "AWS_SECRET_ACCESS_KEY": "envsecret", "AWS_SESSION_TOKEN": "tok"}
    config = S3Config.from_url("s3://s3.example.vn/archive/", env)
    assert (config.endpoint, config.bucket, config.secure, config.region) == ("s3.example.vn", "archive", True, None)
    assert (config.access_key, config.secret_key, config.session_token) == ("envkey", "envsecret", "tok")


@pytest.mark.parametrize(
    "url",
    ["s3://bucket", "s3://host:9000", "s3://host/bucket/extra", "s3://host/b?secure=maybe", "s3://host/b?colour=red"],
)
def test_s3_url_errors(url):
    with pytest.raises(ValueError):
        S3Config.from_url(url, {})


def test_s3_url_error_hides_secret():
    with pytest.raises(ValueError) as info:
        S3Config.from_url("s3://key:topsecret@host:9000", {})
    assert "topsecret" not in str(info.value)


def test_local_store_root_is_resolved(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    store = open_storage(str(tmp_path / "link" / "objects"), default_dir=tmp_path)
    store.put_bytes("a/b", b"x")
    assert (tmp_path / "real" / "objects" / "a" / "b").read_bytes() == b"x"
    assert isinstance(store.root, Path)
