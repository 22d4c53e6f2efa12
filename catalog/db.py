"""Engine, sessions and schema migration for the catalog database."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x50A0_0001  # PostgreSQL advisory lock keys, any constant unique to this schema
STARTUP_LOCK = 0x50A0_0002


def _use_wal(cursor: sqlite3.Cursor, timeout: float = 30.0) -> None:
    """WAL is kept in the database file, so only the first connection ever switches to it. The
    switch needs the file to itself and fails at once, without the busy wait, while another
    process opens the new file too (processes starting together): try again for a while."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def make_engine(url: str) -> Engine:
    """SQLite gets WAL and a busy timeout so the API threads, workers and the CLI can share it.
    ``hide_parameters``: a driver error's message (logged with its traceback) must not quote the
    row's values, which may be an owner's ID or name."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # let the "begin" hook below issue BEGIN itself
            cur = dbapi_conn.cursor()
            _use_wal(cur)
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            # Take the write lock up front: a deferred transaction that reads, then writes, fails
            # with "database is locked" instead of waiting when another writer got in between.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision of every branch (idempotent): feature areas add
    their own migration branches off 0001, so there may be several heads."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several processes (API replicas, workers) start at once: one migrates, the others
            # wait here and then find the schema current. (SQLite: BEGIN IMMEDIATE already waits.)
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.audit_key: bytes | None = None
        """Keys the audit entries its sessions write (catalog/audit_chain.py); set by whoever holds the secret."""

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def startup_lock(self) -> Iterator[None]:
        """Hold a catalog-wide lock across several transactions of start-up work (migrate, seed
        reference data), so processes starting together do it one after the other. PostgreSQL:
        a session advisory lock; SQLite: nothing (each transaction already holds the write lock)."""
        if self.engine.dialect.name != "postgresql":
            yield
            return
        with self.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK})
                conn.commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            session.info["audit_key"] = self.audit_key
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
