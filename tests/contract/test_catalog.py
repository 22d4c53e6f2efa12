"""Catalog backend contract: SQLite and PostgreSQL pass the same tests.

Concurrency is real: threads each with their own session, and separate processes (spawned, so
each has its own engine and connections), all on one fresh database.
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from catalog import documents as docs
from catalog.audit import Actor, AuditEntry, record, verify
from catalog.base import Base
from catalog.db import Database
from catalog.dossiers import open_dossier
from catalog.models import Document, DocumentStatus, Dossier, Owner
from catalog.owners import get_or_create_owner
from catalog.tables import import_all_tables
from core.errors import Rejected
from sohoa.services import open_catalog

PROCEDURE = "1.000456"
OWNER = "001203004567"
ACTOR = Actor("contract", "counter", None)


def in_processes(fn: Callable, *args, processes: int = 3) -> list:
    """Run fn(*args) in separate processes at once; their results in a list. Each process opens
    its own engine (forked children must not touch the parent's connections: callers dispose
    their pool before)."""
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        return [f.result() for f in [pool.submit(fn, *args) for _ in range(processes)]]


def in_threads(db: Database, fn: Callable, count: int, threads: int = 8) -> list:
    """fn(session) in count transactions spread over threads."""
    def one(_: int):
        with db.session() as s:
            return fn(s)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def _in_threads_of(url: str, fn: Callable, count: int) -> list:
    db = Database(url)
    try:
        return in_threads(db, fn, count, threads=4)
    finally:
        db.dispose()


def everywhere(db: Database, fn: Callable, count: int, per_process: int) -> list:
    """fn(session) in count transactions over threads here, then per_process transactions over
    threads in each of three other processes, all at once."""
    results = in_threads(db, fn, count)
    db.dispose()  # forked children must not inherit this pool's connections
    return results + sum(in_processes(_in_threads_of, db.url, fn, per_process), [])


# ------------------------------------------------------------------ schema


def test_migrations_build_exactly_the_models(db: Database):
    metadata = import_all_tables()
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diffs == []
    db.migrate()  # idempotent
    with db.engine.connect() as conn:
        assert len(conn.execute(text("SELECT version_num FROM alembic_version")).all()) >= 1


def _start_up(url: str) -> int:
    db = open_catalog(url)
    try:
        with db.session() as s:
            return s.scalar(select(func.count()).select_from(Base.metadata.tables["procedure"]))
    finally:
        db.dispose()


def test_processes_starting_together_migrate_and_seed_once(catalog_url: str):
    counts = in_processes(_start_up, catalog_url)
    assert counts[0] > 0 and len(set(counts)) == 1
    db = Database(catalog_url)
    try:
        with db.engine.connect() as conn:
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert len(heads) == len(set(heads))
    finally:
        db.dispose()


def test_datetimes_come_back_aware_and_in_utc(db: Database):
    received = datetime(2026, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=7)))  # Feb 28 in UTC
    with db.session() as s:
        code = open_dossier(s, "BHXH", PROCEDURE, get_or_create_owner(s, OWNER), "counter", now=received).code
    with db.session() as s:
        dossier = s.scalars(select(Dossier).where(Dossier.code == code)).one()
    assert dossier.received_at == received and dossier.received_at.utcoffset() == timedelta(0)
    assert code.startswith("BHXH-260301-"), "numbered by the local (Hanoi) day"
    with pytest.raises(Exception, match="naive"), db.session() as s:
        s.add(Owner(personal_id="001203009999", created_at=datetime(2026, 1, 1)))
        s.flush()


# ------------------------------------------------------------------ dossiers and owners


def _one_dossier(session) -> str:
    owner = get_or_create_owner(session, OWNER, full_name="Nguyễn Văn Đức")
    return open_dossier(session, "BHXH", PROCEDURE, owner, "counter").code


def test_dossier_numbers_are_unique_and_gapless_under_parallel_intake(db: Database):
    codes = everywhere(db, _one_dossier, 16, per_process=12)
    assert len(codes) == 16 + 3 * 12
    numbers = sorted(int(c.rsplit("-", 1)[1]) for c in codes)
    assert numbers == list(range(1, len(codes) + 1))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Owner)) == 1, "one citizen, one owner row"


def test_owner_codes_link_to_one_owner_and_conflicts_are_refused(db: Database):
    ids = in_threads(db, lambda s: get_or_create_owner(s, "079300001111").id, 12)
    assert len(set(ids)) == 1
    with db.session() as s:
        get_or_create_owner(s, "079300001111", "0123456789")
    with db.session() as s:
        assert get_or_create_owner(s, social_insurance_code="0123456789").id == ids[0]
        get_or_create_owner(s, "079300002222", "0123450000")
    with pytest.raises(Rejected) as refused, db.session() as s:
        get_or_create_owner(s, "079300001111", "0123450000")
    assert refused.value.code == "owner_conflict"


# ------------------------------------------------------------------ documents


def _new_document(db: Database, status: str = DocumentStatus.pending.value, sha: str = "a" * 64) -> str:
    with db.session() as s:
        document = Document(sha256=sha, media_type="image/png", filename="giấy khai sinh.png", size=10,
                            status=status)
        s.add(document)
        s.flush()
        return document.id


def test_document_lifecycle(db: Database):
    receipt = _new_document(db, DocumentStatus.receiving.value, "b" * 64)
    doc_id = _new_document(db)
    with db.session() as s:
        assert [d.id for d in docs.abandoned_receipts(s)] == [receipt]
        assert docs.abandoned_receipts(s, before=datetime.now(timezone.utc) - timedelta(minutes=5)) == []
        assert docs.unfinished(s) == [doc_id]
        assert docs.claim(s, doc_id).status == "processing"
    with db.session() as s:
        docs.release(s, doc_id)  # a shutdown cut it short: the attempt does not count
    with db.session() as s:
        assert (s.get(Document, doc_id).status, s.get(Document, doc_id).attempts) == ("pending", 0)
        docs.claim(s, doc_id)
    with db.session() as s:
        docs.record_progress(s, doc_id, 1, 2)
    with db.session() as s:
        docs.complete(s, doc_id, [docs.PageRecord(n, f"Trang {n}", 91.0, "ocr") for n in (1, 2)], 91.0)
    with db.session() as s:
        document = s.get(Document, doc_id)
        assert (document.status, document.attempts, document.page_count) == ("ready", 1, 2)
        assert [p.text for p in document.pages] == ["Trang 1", "Trang 2"]
        assert docs.claim(s, doc_id) is None, "a ready document is not processed again"
        assert docs.unfinished(s) == []


def test_attempts_run_out_into_the_dead_letter_list_and_back(db: Database):
    doc_id = _new_document(db)
    for _ in range(docs.MAX_ATTEMPTS):  # each attempt died with its worker
        with db.session() as s:
            assert docs.claim(s, doc_id) is not None
    with db.session() as s:
        assert docs.claim(s, doc_id) is None
    with db.session() as s:
        (dead,) = docs.dead_letters(s)
        assert (dead.id, dead.status, dead.error_code, dead.attempts) == (doc_id, "failed", "dead_letter", 3)
        assert "3 lần" in dead.error_message
        docs.revive(s, doc_id)
    with db.session() as s:
        assert docs.dead_letters(s) == [] and docs.unfinished(s) == [doc_id]
        assert docs.claim(s, doc_id).attempts == 1
    with pytest.raises(Rejected), db.session() as s:
        docs.revive(s, doc_id)


def test_claim_holds_the_row_until_its_transaction_ends(db: Database):
    """Two workers claiming one document run one after the other, never both at attempt 1."""
    doc_id = _new_document(db)
    first_claimed, release_first = threading.Event(), threading.Event()
    seen: dict[str, tuple[int, float]] = {}

    def first() -> None:
        with db.session() as s:
            seen["first"] = (docs.claim(s, doc_id).attempts, time.monotonic())
            first_claimed.set()
            release_first.wait(10)
            seen["first_commit"] = (0, time.monotonic())

    def second() -> None:
        first_claimed.wait(10)
        with db.session() as s:
            seen["second"] = (docs.claim(s, doc_id).attempts, time.monotonic())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    assert "second" not in seen, "the second claim must wait for the first transaction"
    release_first.set()
    for t in threads:
        t.join(15)
    assert seen["first"][0] == 1 and seen["second"][0] == 2
    assert seen["second"][1] >= seen["first_commit"][1]


# ------------------------------------------------------------------ audit


def _append_audit(session) -> int:
    return record(session, ACTOR, "dossier.read", "dossier", "BHXH-260301-0001", OWNER).id


def test_audit_chain_stays_linear_under_concurrent_appends(db: Database):
    ids = everywhere(db, _append_audit, 24, per_process=10)
    assert len(set(ids)) == 24 + 30
    with db.session() as s:
        report = verify(s)
        assert report.ok, report
        assert report.entries == s.scalar(select(func.count()).select_from(AuditEntry)) == 54
