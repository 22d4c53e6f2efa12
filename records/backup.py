"""Backup and restore of a whole archive: the catalog, every stored object, the index settings and
the secrets, in one directory an operator can copy off the host.

A backup directory holds::

    manifest.json        what is in it, with a sha256 of every file (checked before a restore)
    catalog.sqlite3      SQLite's online backup API: a consistent copy while the service runs
      or catalog.pgdump  pg_dump's custom format (one transaction's snapshot)
    objects/…            every object of the store, under its key
    objects.jsonl        key, size, sha256 of each object
    index.json           which search engine and its settings (the index itself is rebuilt by
                         ``sohoa reindex``: the catalog is the source of truth)
    sensitive/           secret.key and certificates: SENSITIVE, store the backup accordingly

The catalog is copied first, the objects after it: the object store only grows while the
service runs (content-addressed originals, fixed keys for derived files), so every object the
catalog copy names is in the backup; an upload arriving in between is at worst an extra object
(a fixity "orphan" after a restore). A restore goes into an empty data directory, catalog and
object store only, and is refused otherwise.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from catalog.db import Database
from core.clock import utcnow
from core.errors import Conflict, Invalid, Unavailable
from core.settings import Settings
from storage import ObjectStore
from storage.base import copy_stream

FORMAT = 1
MANIFEST = "manifest.json"
OBJECTS_DIR = "objects"
OBJECT_LIST = "objects.jsonl"
SENSITIVE_DIR = "sensitive"
SQLITE_FILE = "catalog.sqlite3"
PG_FILE = "catalog.pgdump"
SENSITIVE_FILES = ("secret.key",)
SENSITIVE_DIRS = ("certificates", "keys", "audit")
"""``audit``: the local copy of the audit checkpoints, signed with the secret key it travels with."""
"""Under the data directory: signing keys and certificates (issue 16) live there when present."""
PARALLEL = 4


class Archive(Protocol):
    """What a backup reads: the catalog, the object store, and the settings naming the rest."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def store(self) -> ObjectStore: ...


@dataclass(frozen=True)
class BackupReport:
    path: Path
    catalog: str  # sqlite | postgresql
    objects: int
    object_bytes: int
    sensitive: list[str]


def catalog_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise Invalid("backup_unsupported_catalog", f"Không sao lưu được cơ sở dữ liệu loại '{backend}'.")
    return backend


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        copy_stream(f, digest.update)
    return digest.hexdigest()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for pg_dump/pg_restore without the password (it goes in PGPASSWORD, so no
    process listing shows it)."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str, pg_bin: Path | None) -> str:
    found = str(pg_bin / name) if pg_bin else shutil.which(name)
    if not found or not os.access(found, os.X_OK):
        raise Unavailable("backup_pg_tool_missing",
                          f"Không tìm thấy chương trình {name} (cài gói postgresql-client cùng phiên bản máy chủ).")
    return found


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env={**os.environ, **env}, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        raise Unavailable(f"backup_{what}_failed",
                          f"{what} thất bại ({result.returncode}): {result.stderr.strip()[-500:]}")


# ---------------------------------------------------------------- backup

def backup(archive: Archive, out: Path, *, pg_bin: Path | None = None) -> BackupReport:
    """Write a backup of ``archive`` into ``out`` (a new or empty directory)."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise Conflict("backup_target_not_empty", f"Thư mục sao lưu {out} đã có dữ liệu; hãy chọn một thư mục trống.")
    kind = catalog_kind(archive.settings.resolved_database_url())
    out.mkdir(mode=0o700, parents=True, exist_ok=True)  # every citizen's papers are in it
    try:
        return _write_backup(archive, out, kind, pg_bin)
    except BaseException:
        # A backup without its manifest is refused by restore anyway; leave no half of one behind
        # (the directory was empty: nothing of anybody else's is removed).
        for entry in out.iterdir():
            if entry.is_dir():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        raise


def _write_backup(archive: Archive, out: Path, kind: str, pg_bin: Path | None) -> BackupReport:
    settings = archive.settings
    url = settings.resolved_database_url()
    files: dict[str, str] = {}
    catalog_file = _backup_sqlite(url, out) if kind == "sqlite" else _backup_postgresql(url, out, pg_bin)
    files[catalog_file] = _sha256(out / catalog_file)
    count, size = _backup_objects(archive.store, out)
    files[OBJECT_LIST] = _sha256(out / OBJECT_LIST)
    (out / "index.json").write_text(json.dumps(_index_settings(settings), indent=2))
    files["index.json"] = _sha256(out / "index.json")
    sensitive = _backup_sensitive(settings.data_dir, out)
    files.update({name: _sha256(out / name) for name in sensitive})
    with archive.db.session() as s:
        revisions = sorted(s.scalars(text("SELECT version_num FROM alembic_version")))
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "catalog": {"kind": kind, "file": catalog_file, "revisions": revisions},
        "objects": {"count": count, "bytes": size, "list": OBJECT_LIST, "dir": OBJECTS_DIR},
        "index": "index.json",
        "sensitive": sensitive,
        "secret_key_in_environment": bool(settings.secret_key),
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return BackupReport(out, kind, count, size, sensitive)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise Invalid("backup_unsupported_catalog", "Không sao lưu được cơ sở dữ liệu SQLite trong bộ nhớ.")
    return Path(database)


def _backup_sqlite(url: str, out: Path) -> str:
    """SQLite's online backup: a consistent copy even while other connections write."""
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    target = sqlite3.connect(out / SQLITE_FILE)
    try:
        with target:
            source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    return SQLITE_FILE


def _backup_postgresql(url: str, out: Path, pg_bin: Path | None) -> str:
    uri, env = _libpq(url)
    _run([_pg_tool("pg_dump", pg_bin), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={out / PG_FILE}", f"--dbname={uri}"], env, "pg_dump")
    return PG_FILE


def _backup_objects(store: ObjectStore, out: Path) -> tuple[int, int]:
    root = out / OBJECTS_DIR

    def copy(key: str) -> dict:
        dest = _object_path(root, key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with store.open(key) as src, dest.open("wb") as f:
            def write(chunk: memoryview) -> None:
                f.write(chunk)
                digest.update(chunk)
            copy_stream(src, write)
        return {"key": key, "size": dest.stat().st_size, "sha256": digest.hexdigest()}

    count = size = 0
    keys = iter(store.iter_keys(""))
    with (out / OBJECT_LIST).open("w") as listing, \
            ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="backup") as pool:
        while chunk := list(islice(keys, 1000)):
            for entry in pool.map(copy, chunk):  # in key order
                listing.write(json.dumps(entry) + "\n")
                count, size = count + 1, size + entry["size"]
    return count, size


def _object_path(root: Path, key: str) -> Path:
    path = (root / key).resolve()
    if not path.is_relative_to(root.resolve()) or key.startswith("/"):
        raise Invalid("backup_bad_key", f"Khoá đối tượng không hợp lệ trong bản sao lưu: {key!r}")
    return path


def _index_settings(settings: Settings) -> dict:
    url = settings.search_url
    if urlsplit(url).scheme in ("http", "https"):
        from search.elastic import index_settings

        parts = urlsplit(url)
        return {"engine": "elasticsearch", "index": parts.path.strip("/"), "settings": index_settings()}
    from search.embedded import SCHEMA_VERSION

    return {"engine": "tantivy", "schema_version": SCHEMA_VERSION}


def _backup_sensitive(data_dir: Path, out: Path) -> list[str]:
    found = [data_dir / name for name in SENSITIVE_FILES if (data_dir / name).is_file()]
    for name in SENSITIVE_DIRS:
        if (data_dir / name).is_dir():
            found += sorted(p for p in (data_dir / name).rglob("*") if p.is_file())
    if not found:
        return []
    (out / SENSITIVE_DIR).mkdir(mode=0o700)
    names = []
    for source in found:
        relative = source.relative_to(data_dir)
        dest = out / SENSITIVE_DIR / relative
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        dest.chmod(0o600)
        names.append(f"{SENSITIVE_DIR}/{relative}")
    return names


# ---------------------------------------------------------------- restore

@dataclass(frozen=True)
class RestoreReport:
    catalog: str
    objects: int
    object_bytes: int
    sensitive: list[str]


def read_manifest(source: Path) -> dict:
    """The backup's manifest, after checking every file it lists against its sha256."""
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise Invalid("backup_manifest_missing", f"Không thấy {MANIFEST} trong {source}: đây không phải bản sao lưu.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise Invalid("backup_format_unknown", f"Bản sao lưu định dạng {manifest.get('format')} không được hỗ trợ.")
    for name, expected in manifest["files"].items():
        if not (Path(source) / name).is_file() or _sha256(Path(source) / name) != expected:
            raise Invalid("backup_damaged", f"Tệp {name} của bản sao lưu bị thiếu hoặc đã bị thay đổi.")
    root = Path(source) / OBJECTS_DIR

    def intact(entry: dict) -> None:
        path = _object_path(root, entry["key"])
        if not path.is_file() or _sha256(path) != entry["sha256"]:
            raise Invalid("backup_damaged", f"Đối tượng {entry['key']} của bản sao lưu bị thiếu hoặc đã bị thay đổi.")

    _each(intact, _objects(Path(source)))  # all of them, before anything is written anywhere
    return manifest


def _each(work: Callable[[dict], object], entries: Iterator[dict]) -> None:
    """``work`` on every entry, a few at once (hashing releases the GIL; stores wait on fsync or the
    network); the first failure is raised."""
    with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="backup") as pool:
        while chunk := list(islice(entries, 1000)):  # bounded: an archive may hold millions of objects
            for _ in pool.map(work, chunk):
                pass


def ensure_empty(settings: Settings) -> None:
    """Refuse a restore over anything: the data directory and the catalog must be empty (checked
    before the object store is opened: a local store makes its directory in the data directory)."""
    data_dir = settings.data_dir
    if data_dir.exists() and any(data_dir.iterdir()):
        raise Conflict("restore_target_not_empty",
                       f"Thư mục dữ liệu {data_dir} không trống: chỉ khôi phục vào một thư mục dữ liệu trống.")
    if settings.database_url:
        db = Database(settings.database_url)
        try:
            if inspect(db.engine).get_table_names():
                raise Conflict("restore_target_not_empty",
                               "Cơ sở dữ liệu đích đã có bảng: chỉ khôi phục vào một cơ sở dữ liệu trống.")
        finally:
            db.dispose()


def restore(source: Path, settings: Settings, open_store: Callable[[], ObjectStore], *,
            pg_bin: Path | None = None) -> RestoreReport:
    """Bring a backup back into the empty catalog, store and data directory ``settings`` name.
    The search index is not restored: run ``sohoa reindex`` afterwards."""
    source = Path(source)
    manifest = read_manifest(source)
    url = settings.resolved_database_url()
    kind = catalog_kind(url)
    if kind != manifest["catalog"]["kind"]:
        raise Invalid("restore_catalog_mismatch",
                      f"Bản sao lưu chứa cơ sở dữ liệu {manifest['catalog']['kind']}, đích là {kind}.")
    ensure_empty(settings)
    store = open_store()
    if next(iter(store.iter_keys("")), None) is not None:
        raise Conflict("restore_target_not_empty", "Kho lưu trữ tệp đích đã có dữ liệu: chỉ khôi phục vào kho trống.")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sensitive = _restore_sensitive(source, settings.data_dir, manifest["sensitive"])
    count, size = _restore_objects(source, store)
    if kind == "sqlite":
        _restore_sqlite(source / manifest["catalog"]["file"], _sqlite_path(url))
    else:
        uri, env = _libpq(url)
        _run([_pg_tool("pg_restore", pg_bin), "--no-owner", "--no-privileges", "--exit-on-error",
              f"--dbname={uri}", str(source / manifest["catalog"]["file"])], env, "pg_restore")
    db = Database(url)
    try:
        db.migrate()  # a backup of an earlier release is upgraded like any catalog
    finally:
        db.dispose()
    return RestoreReport(kind, count, size, sensitive)


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(backup_file)
    dest = sqlite3.connect(target)
    try:
        with dest:
            source.backup(dest)
    finally:
        dest.close()
        source.close()


def _objects(source: Path) -> Iterator[dict]:
    with (source / OBJECT_LIST).open() as listing:
        for line in listing:
            if line.strip():
                yield json.loads(line)


def _restore_objects(source: Path, store: ObjectStore) -> tuple[int, int]:
    """Every object back under its key, each verified against the sha256 taken at backup time."""
    root = source / OBJECTS_DIR
    _each(lambda entry: store.put_file(entry["key"], _object_path(root, entry["key"]), sha256=entry["sha256"]),
          _objects(source))
    entries = list(_objects(source))
    return len(entries), sum(e["size"] for e in entries)


def _restore_sensitive(source: Path, data_dir: Path, names: list[str]) -> list[str]:
    for name in names:
        dest = data_dir / Path(name).relative_to(SENSITIVE_DIR)
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(source / name, dest)
        dest.chmod(0o600)
    return names
