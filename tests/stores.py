"""The stores tests run on twice: the catalog database (SQLite and PostgreSQL) and the object store
(local and S3 through moto), a fresh one per test."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from uuid import uuid4

import pytest

from storage import ObjectStore, open_storage
from tests.backends import s3_bucket_url

MiB = 1024 * 1024


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a fresh, empty catalog database on each backend (PostgreSQL: tests/servers.py)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def s3_url(s3_endpoint: str) -> str:
    """Storage URL of a fresh, not yet created bucket (s3_endpoint: tests/backends.py)."""
    return s3_bucket_url(s3_endpoint)


@pytest.fixture(params=["local", "s3"])
def object_store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    url = request.getfixturevalue("s3_url") if request.param == "s3" else ""
    return open_storage(url, default_dir=tmp_path / "objects")


@pytest.fixture
def make_file(tmp_path: Path):
    """make_file(size) -> (path, sha256) of a new file of size bytes.

    Quick to write even at 70 MB, and no reordering of its chunks gives the same hash.
    """
    block = os.urandom(MiB)

    def make(size: int, name: str = "") -> tuple[Path, str]:
        path = tmp_path / (name or f"file-{uuid4().hex[:8]}.bin")
        digest = hashlib.sha256()
        with open(path, "wb") as f:
            for index in range(0, size, MiB):
                chunk = (index.to_bytes(8, "big") + block[8:])[: size - index]
                digest.update(chunk)
                f.write(chunk)
        return path, digest.hexdigest()

    return make
