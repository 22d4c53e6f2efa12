"""``sohoa backup`` / ``sohoa restore`` round trips, taken while the service runs: SQLite with the
local store, PostgreSQL (pg_dump/pg_restore of the test server's version) with S3; then, on the
restored archive, ``sohoa fixity check`` finds nothing missing or altered, ``sohoa reindex``
rebuilds search and the audit chain is intact. Restores over existing data are refused."""
from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from catalog.db import Database
from catalog.models import Document
from core.settings import Settings, get_settings
from search import SearchQuery, open_index
from sohoa.cli import main
from tests.backends import create_database, drop_database, s3_bucket_url
from tests.conftest import OWNER_ID, running_client
from tests.archive import Archive
from tests.servers import PG_BINDIR

Cli = Callable[..., Result]


@pytest.fixture
def sohoa(monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``sohoa …`` in-process with the SOHOA_* variables given (the rest unset)."""
    def run(env: dict[str, str], *args: object) -> Result:
        for name in ("SOHOA_DATA_DIR", "SOHOA_DATABASE_URL", "SOHOA_STORAGE_URL", "SOHOA_SEARCH_URL"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(main, [str(a) for a in args])
        finally:
            get_settings.cache_clear()
    return run


def env_of(settings: Settings) -> dict[str, str]:
    env = {"SOHOA_DATA_DIR": str(settings.data_dir), "SOHOA_DATABASE_URL": settings.resolved_database_url()}
    if settings.storage_url:
        env["SOHOA_STORAGE_URL"] = settings.storage_url
    return env


def fill(archive: Archive) -> list[str]:
    dossier = archive.dossier()
    return [archive.document(dossier, type_code="NT01"), archive.document(dossier, type_code="HT01")]


def round_trip(sohoa: Cli, archive: Archive, target: dict[str, str], backup_dir: Path, *extra: object) -> None:
    source = env_of(archive.services.settings)
    documents = fill(archive)
    assert sohoa(source, "fixity", "check").exit_code == 0  # baselines for the objects made by hand

    r = sohoa(source, "backup", "--out", backup_dir, *extra)
    assert r.exit_code == 0, r.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    checkpoints = sum(1 for _ in archive.services.store.iter_keys("audit/"))  # the audit log's anchors
    assert checkpoints >= 1
    assert manifest["objects"]["count"] == 6 + checkpoints  # original, PDF and text of each document
    assert "sensitive/secret.key" in manifest["sensitive"] and "SENSITIVE" in r.output
    assert stat.S_IMODE((backup_dir / "sensitive/secret.key").stat().st_mode) == 0o600

    r = sohoa(target, "restore", backup_dir, *extra)
    assert r.exit_code == 0, r.output
    assert "sohoa reindex" in r.output

    r = sohoa(target, "fixity", "check")
    assert r.exit_code == 0, r.output
    assert "missing 0, altered 0, orphans 0, unreadable 0" in r.output
    r = sohoa(target, "reindex")
    assert r.exit_code == 0 and "reindexed 2 documents" in r.output, r.output
    index = open_index("", default_dir=Path(target["SOHOA_DATA_DIR"]) / "index")
    try:
        hits = index.search(SearchQuery(text="Nguyen Van Duc", owner=OWNER_ID)).hits
    finally:
        index.close()
    assert sorted(h.id for h in hits) == sorted(documents)
    verified = sohoa(target, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    url = target.get("SOHOA_DATABASE_URL") or Settings(data_dir=target["SOHOA_DATA_DIR"]).resolved_database_url()
    db = Database(url)
    try:
        with db.session() as s:
            assert sorted(s.scalars(select(Document.id))) == sorted(documents)
    finally:
        db.dispose()
    restored_key = Path(target["SOHOA_DATA_DIR"]) / "secret.key"
    assert restored_key.read_text() == (archive.services.settings.data_dir / "secret.key").read_text()
    assert stat.S_IMODE(restored_key.stat().st_mode) == 0o600


def test_sqlite_round_trip_while_the_service_runs(sohoa, archive, tmp_path):
    target = {"SOHOA_DATA_DIR": str(tmp_path / "restored")}
    round_trip(sohoa, archive, target, tmp_path / "backup")


@pytest.fixture
def pg_s3_client(tmp_path: Path, pg_database: str, s3_endpoint: str) -> Iterator:
    settings = Settings(data_dir=tmp_path / "source", database_url=pg_database, storage_url=s3_bucket_url(s3_endpoint),
                        ocr_workers=1, document_workers=1)
    yield from running_client(settings)


@pytest.fixture
def empty_pg(pg_server: str) -> Iterator[str]:
    url = create_database(pg_server)
    yield url
    drop_database(url)


def test_postgresql_and_s3_round_trip(sohoa, pg_s3_client, empty_pg, s3_endpoint, tmp_path):
    target = {"SOHOA_DATA_DIR": str(tmp_path / "restored"), "SOHOA_DATABASE_URL": empty_pg,
              "SOHOA_STORAGE_URL": s3_bucket_url(s3_endpoint)}
    (tmp_path / "no-tools").mkdir()
    r = sohoa(env_of(pg_s3_client.app.state.services.settings), "backup", "--out", tmp_path / "backup",
              "--pg-bin", tmp_path / "no-tools")
    assert r.exit_code != 0 and "backup_pg_tool_missing" in r.output, r.output
    assert list((tmp_path / "backup").iterdir()) == [], "no half backup left behind"
    round_trip(sohoa, Archive(pg_s3_client), target, tmp_path / "backup", "--pg-bin", PG_BINDIR)
    assert (tmp_path / "backup" / "catalog.pgdump").is_file()

    # Again into a new data directory, but onto the database just restored: refused.
    again = {**target, "SOHOA_DATA_DIR": str(tmp_path / "again"), "SOHOA_STORAGE_URL": s3_bucket_url(s3_endpoint)}
    r = sohoa(again, "restore", tmp_path / "backup", "--pg-bin", PG_BINDIR)
    assert r.exit_code != 0 and "restore_target_not_empty" in r.output and "cơ sở dữ liệu" in r.output.lower(), r.output


def test_a_restore_over_existing_data_is_refused_and_changes_nothing(sohoa, archive, tmp_path):
    fill(archive)
    source = env_of(archive.services.settings)
    assert sohoa(source, "backup", "--out", tmp_path / "backup").exit_code == 0
    before = sorted(p.relative_to(archive.services.settings.data_dir)
                    for p in archive.services.settings.data_dir.rglob("*"))

    r = sohoa(source, "restore", tmp_path / "backup")  # onto the live archive itself
    assert r.exit_code != 0 and "restore_target_not_empty" in r.output, r.output
    assert sorted(p.relative_to(archive.services.settings.data_dir)
                  for p in archive.services.settings.data_dir.rglob("*")) == before

    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("đừng xoá")
    r = sohoa({"SOHOA_DATA_DIR": str(occupied)}, "restore", tmp_path / "backup")
    assert r.exit_code != 0 and "không trống" in r.output
    assert [p.name for p in occupied.iterdir()] == ["notes.txt"]

    r = sohoa(source, "backup", "--out", tmp_path / "backup")
    assert r.exit_code != 0 and "backup_target_not_empty" in r.output


def test_a_damaged_backup_is_refused_before_anything_is_written(sohoa, archive, tmp_path):
    fill(archive)
    assert sohoa(env_of(archive.services.settings), "backup", "--out", tmp_path / "backup").exit_code == 0
    listing = tmp_path / "backup" / "objects.jsonl"
    first = json.loads(listing.read_text().splitlines()[0])
    damaged = tmp_path / "backup" / "objects" / first["key"]
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"X")

    r = sohoa({"SOHOA_DATA_DIR": str(tmp_path / "restored")}, "restore", tmp_path / "backup")
    assert r.exit_code != 0 and "backup_" in r.output, r.output
    assert not (tmp_path / "restored").exists()
