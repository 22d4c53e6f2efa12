"""Fixity: re-hash every stored object against the catalog, report missing, altered and orphan objects.

What the catalog expects to be stored, and with which SHA-256:
* ``originals/``: one object per distinct hash of the documents not disposed (the hash is the
  document's own; an upload still being received may or may not have its object yet);
* ``derived/``: the searchable PDF and text of every ready document. The pipeline does not record
  their hashes, so the first check records a baseline and later checks compare against it;
* ``signed/``: the PAdES-signed copies, current and earlier, with the hashes recorded at signing;
  their signatures are verified too (records/signatures.py). A signed copy stored by an
  approval whose transaction then failed is an orphan;
* other registered objects (disposal certificates, classifier models): their recorded hashes.

``originals/``, ``derived/`` and ``signed/`` are walked as a merge of two sorted streams — the store's
listing and the catalog's expectations — so memory stays flat however large the archive. An
object the catalog does not explain is an orphan (for a disposed document: something disposal
left behind). Candidates are checked again against the catalog before being reported, so an
upload or a disposal running at the same time is not reported as damage.

Runs and their findings are kept in the catalog and shown by the admin API.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from catalog.audit import Actor
from catalog.coding import ClassifierModel
from catalog.models import Document, DocumentStatus
from catalog.records_models import FixityIssue, FixityRun, ObjectChecksum, Problem, RunState
from core import metrics
from core.clock import utcnow
from core.errors import Conflict, NotFound
from records.parts import Checked
from storage import ObjectNotFound, content_key
from storage.base import copy_stream

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)   # a run whose heartbeat is older than this died with its process
HEARTBEAT_EVERY_S = 5.0
BATCH = 500
ORIGINALS, DERIVED, SIGNED = "originals/", "derived/", "signed/"
FIXITY = Actor("system:fixity", "admin", None, "local")  # who the audit log names for signature checks


# ---------------------------------------------------------------- recorded checksums

def record_checksum(session: Session, key: str, sha256: str, size: int, source: str) -> None:
    session.merge(ObjectChecksum(key=key, sha256=sha256, size=size, source=source, recorded_at=utcnow()))


def forget_checksums(session: Session, keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        session.execute(delete(ObjectChecksum).where(ObjectChecksum.key.in_(keys)))


# ---------------------------------------------------------------- what the catalog expects

@dataclass(frozen=True)
class Expected:
    key: str
    sha256: str | None       # None: not recorded yet (a derived object seen for the first time)
    document_id: str | None
    required: bool           # False: may legitimately be absent (upload or processing under way)
    baseline: bool = False   # record the hash if none is known


def _expected_originals(db) -> Iterator[Expected]:
    """One per distinct hash of the documents not disposed, in key (= hash) order."""
    last = ("", "")
    while True:
        with db.session() as s:
            rows = s.execute(
                select(Document.sha256, Document.id, Document.status)
                .where(Document.status != DocumentStatus.disposed.value,
                       tuple_(Document.sha256, Document.id) > tuple_(*last))
                .order_by(Document.sha256, Document.id).limit(BATCH)).all()
        if not rows:
            return
        for sha, group in _group_by_sha(rows):
            yield Expected(content_key(sha), sha, group[0][1],
                           required=any(status != DocumentStatus.receiving.value for _, _, status in group))
        last = tuple(rows[-1][:2])


def _group_by_sha(rows) -> Iterator[tuple[str, list]]:
    # A hash split across two batches is yielded twice; the merge below skips the repeat.
    group: list = []
    for row in rows:
        if group and row[0] != group[0][0]:
            yield group[0][0], group
            group = []
        group.append(row)
    if group:
        yield group[0][0], group


def _expected_derived(db) -> Iterator[Expected]:
    """Searchable PDF and text of every document that has them, in key order."""
    last = ""
    while True:
        with db.session() as s:
            docs = s.execute(
                select(Document.id, Document.status)
                .where(Document.id > last, Document.status.not_in([DocumentStatus.disposed.value,
                                                                    DocumentStatus.receiving.value]))
                .order_by(Document.id).limit(BATCH)).all()
            if not docs:
                return
            keys = {doc_id: _derived_keys(doc_id) for doc_id, _ in docs}
            known = dict(s.execute(select(ObjectChecksum.key, ObjectChecksum.sha256)
                                   .where(ObjectChecksum.key.in_([k for ks in keys.values() for k in ks]))).all())
        for doc_id, status in docs:
            ready = status == DocumentStatus.ready.value
            for key in keys[doc_id]:  # "searchable.pdf" < "text.txt": already in key order
                yield Expected(key, known.get(key), doc_id, required=ready, baseline=ready)
        last = docs[-1][0]


def _derived_keys(document_id: str) -> list[str]:
    prefix = f"{DERIVED}{document_id[:2]}/{document_id}/"
    return [prefix + "searchable.pdf", prefix + "text.txt"]


def _expected_signed(db) -> Iterator[Expected]:
    """Every signed copy the catalog registered (current and earlier ones), in key order."""
    last = ""
    while True:
        with db.session() as s:
            rows = s.execute(select(ObjectChecksum.key, ObjectChecksum.sha256)
                             .where(ObjectChecksum.key.startswith(SIGNED), ObjectChecksum.key > last)
                             .order_by(ObjectChecksum.key).limit(BATCH)).all()
        if not rows:
            return
        for key, sha in rows:
            yield Expected(key, sha, None, required=True)
        last = rows[-1][0]


def _registered(db) -> Iterator[Expected]:
    """Objects with a recorded hash outside originals/, derived/ and signed/: certificates, classifier models."""
    with db.session() as s:
        rows = s.execute(select(ObjectChecksum.key, ObjectChecksum.sha256)
                         .where(~ObjectChecksum.key.startswith(ORIGINALS), ~ObjectChecksum.key.startswith(DERIVED),
                                ~ObjectChecksum.key.startswith(SIGNED))
                         .order_by(ObjectChecksum.key)).all()
        models = s.execute(select(ClassifierModel.key, ClassifierModel.sha256).order_by(ClassifierModel.key)).all()
    for key, sha in [*rows, *models]:
        yield Expected(key, sha, None, required=True)


def _merge(expected: Iterator[Expected], stored: Iterator[str]) -> Iterator[tuple[Expected | None, str | None]]:
    """Walk two key-sorted streams together: (expected, key) when both have it, else one side None."""
    e, k = next(expected, None), next(stored, None)
    previous = None
    while e is not None or k is not None:
        if e is not None and e.key == previous:   # a repeat from a batch boundary
            e = next(expected, None)
            continue
        if k is None or (e is not None and e.key < k):
            yield e, None
            previous, e = e.key, next(expected, None)
        elif e is None or k < e.key:
            yield None, k
            k = next(stored, None)
        else:
            yield e, k
            previous, e, k = e.key, next(expected, None), next(stored, None)


# ---------------------------------------------------------------- a run

def begin_run(services: Checked, trigger: str, started_by: str | None) -> int:
    """Register a run; 409 while another one is alive (one whose process died is marked interrupted)."""
    now = utcnow()
    with services.db.session() as s:
        for run in s.scalars(select(FixityRun).where(FixityRun.state == RunState.running.value).with_for_update()):
            if run.heartbeat_at > now - STALE_AFTER:
                raise Conflict("fixity_running", f"Đang có một lượt kiểm tra toàn vẹn chạy (số {run.id}).")
            run.state, run.finished_at, run.error = RunState.interrupted.value, now, "process stopped"
        run = FixityRun(trigger=trigger, started_by=started_by, started_at=now, heartbeat_at=now,
                        state=RunState.running.value)
        s.add(run)
        s.flush()
        return run.id


def run_fixity_check(services: Checked, trigger: str = "schedule", started_by: str | None = None) -> FixityRun:
    """The scheduled job (and ``sohoa fixity check``): check everything, return the finished run."""
    return check(services, begin_run(services, trigger, started_by))


def check(services: Checked, run_id: int) -> FixityRun:
    checker = _Checker(services, run_id)
    try:
        for prefix, expected in ((ORIGINALS, _expected_originals(services.db)),
                                 (DERIVED, _expected_derived(services.db)),
                                 (SIGNED, _expected_signed(services.db))):
            for e, key in _merge(expected, services.store.iter_keys(prefix)):
                checker.visit(e, key)
        for e in _registered(services.db):
            checker.visit(e, e.key if services.store.exists(e.key) else None)
        checker.signatures()
        checker.signed_orphans()
    except _Stopped:
        return checker.finish(RunState.interrupted, "service stopping")
    except Exception as exc:
        log.exception("fixity run %d failed", run_id)
        checker.finish(RunState.failed, f"{type(exc).__name__}: {exc}")
        raise
    return checker.finish(RunState.completed)


class _Stopped(Exception):
    pass


class _Checker:
    def __init__(self, services: Checked, run_id: int) -> None:
        self.services = services
        self.run_id = run_id
        self.counts = dict.fromkeys(("objects_checked", "bytes_checked", "baselines_recorded", "missing",
                                     "altered", "orphans", "unreadable", "signature_problems"), 0)
        self.issues: list[FixityIssue] = []
        self.baselines: list[tuple[str, str, int]] = []
        self.signed_candidates: list[str] = []
        self.last_beat = time.monotonic()

    def visit(self, expected: Expected | None, key: str | None) -> None:
        if self.services.stopping.is_set():
            raise _Stopped
        if key is None:
            if expected.required:
                self._missing(expected)
        elif expected is None:
            self._orphan(key)
        else:
            self._hash(expected, key)
        if time.monotonic() - self.last_beat >= HEARTBEAT_EVERY_S:
            self.flush()

    def _hash(self, expected: Expected, key: str) -> None:
        digest, size = hashlib.sha256(), 0

        def feed(chunk) -> None:
            nonlocal size
            digest.update(chunk)
            size += len(chunk)

        try:
            with self.services.store.open(key) as stream:
                copy_stream(stream, feed)
        except ObjectNotFound:
            if expected.required:
                self._missing(expected)
            return
        except Exception as exc:  # the store failed to read: a problem to report, not to stop on
            self._issue(Problem.unreadable, key, expected.document_id, expected.sha256, None, str(exc))
            return
        self.counts["objects_checked"] += 1
        self.counts["bytes_checked"] += size
        actual = digest.hexdigest()
        if expected.sha256 is None:
            if expected.baseline:
                self.baselines.append((key, actual, size))
                self.counts["baselines_recorded"] += 1
        elif actual != expected.sha256:
            self._issue(Problem.altered, key, expected.document_id, expected.sha256, actual)

    def signatures(self) -> None:
        """Verify every signed copy's PAdES signature too: a hash can match the recorded one and the
        signature still fail (its certificate expired, or its CA left the trust roots)."""
        from records.signatures import verify_all  # records.signatures records checksums through this module

        for failed in verify_all(self.services, FIXITY, "fixity"):
            self._issue(Problem.signature, failed.key, failed.document_id, None, None,
                        f"{failed.status}: {failed.reason}")

    def _missing(self, expected: Expected) -> None:
        if self._still_expected(expected) and not self.services.store.exists(expected.key):
            self._issue(Problem.missing, expected.key, expected.document_id, expected.sha256, None)

    def _still_expected(self, expected: Expected) -> bool:
        """A disposal may have removed the object since the catalog was read: ask the catalog again."""
        with self.services.db.session() as s:
            if expected.key.startswith(ORIGINALS):
                return s.scalar(select(Document.id).where(
                    Document.sha256 == expected.sha256,
                    Document.status.not_in([DocumentStatus.disposed.value, DocumentStatus.receiving.value]))
                    .limit(1)) is not None
            if expected.document_id is not None:
                return s.scalar(select(Document.status).where(Document.id == expected.document_id)) \
                    == DocumentStatus.ready.value
        return True

    def _orphan(self, key: str) -> None:
        # An upload (or reprocessing) that began after its part of the catalog was read is no orphan.
        with self.services.db.session() as s:
            if key.startswith(SIGNED):  # asked again at the end: an approval may be committing it now
                self.signed_candidates.append(key)
                return
            if key.startswith(ORIGINALS):
                sha = key.rsplit("/", 1)[-1]
                rows = s.execute(select(Document.id, Document.status).where(Document.sha256 == sha)).all()
            else:
                document_id = key.split("/")[2]
                rows = s.execute(select(Document.id, Document.status).where(Document.id == document_id)).all()
        live = [doc_id for doc_id, status in rows if status != DocumentStatus.disposed.value]
        if live:
            return
        disposed = [doc_id for doc_id, _ in rows]
        self._issue(Problem.orphan, key, disposed[0] if disposed else None, None, None,
                    "left behind after disposal" if disposed else "not referenced by the catalog")

    def signed_orphans(self) -> None:
        """Signed copies no signing registered, asked after the signatures were verified: a signing
        stores its copy just before its transaction commits, and it has committed by now."""
        for key in self.signed_candidates:
            with self.services.db.session() as s:
                registered = s.get(ObjectChecksum, key) is not None
            if not registered and self.services.store.exists(key):
                self._issue(Problem.orphan, key, None, None, None, "signed copy not referenced by the catalog")
        self.signed_candidates = []

    def _issue(self, problem: Problem, key: str, document_id: str | None, expected: str | None,
               actual: str | None, detail: str | None = None) -> None:
        self.counts[{"orphan": "orphans", "signature": "signature_problems"}.get(problem.value, problem.value)] += 1
        self.issues.append(FixityIssue(run_id=self.run_id, key=key, problem=problem.value, document_id=document_id,
                                       expected_sha256=expected, actual_sha256=actual, detail=detail))
        metrics.FIXITY_FINDINGS.labels(problem.value).inc()
        log.warning("fixity: %s %s (document %s)", problem.value, key, document_id)

    def flush(self) -> FixityRun:
        with self.services.db.session() as s:
            run = s.get(FixityRun, self.run_id)
            for name, value in self.counts.items():
                setattr(run, name, value)
            run.heartbeat_at = utcnow()
            s.add_all(self.issues)
            if self.baselines:  # keys without a recorded hash, and one run at a time: plain inserts
                now = utcnow()
                s.execute(insert(ObjectChecksum), [
                    {"key": key, "sha256": sha, "size": size, "source": "fixity-baseline", "recorded_at": now}
                    for key, sha, size in self.baselines])
        self.issues, self.baselines = [], []
        self.last_beat = time.monotonic()
        return run

    def finish(self, state: RunState, error: str | None = None) -> FixityRun:
        self.flush()
        with self.services.db.session() as s:
            run = s.get(FixityRun, self.run_id)
            run.state, run.finished_at, run.error = state.value, utcnow(), error
        log.info("fixity run %d %s: %d objects checked; missing %d, altered %d, orphans %d, unreadable %d",
                 run.id, run.state, run.objects_checked, run.missing, run.altered, run.orphans, run.unreadable)
        return run


# ---------------------------------------------------------------- reading results

def get_run(session: Session, run_id: int) -> FixityRun:
    run = session.get(FixityRun, run_id)
    if run is None:
        raise NotFound("fixity_run_not_found", f"Không tìm thấy lượt kiểm tra toàn vẹn số {run_id}.")
    return run


def list_runs(session: Session, offset: int = 0, limit: int = 20) -> list[FixityRun]:
    return list(session.scalars(select(FixityRun).order_by(FixityRun.id.desc()).offset(offset).limit(limit)))


def run_issues(session: Session, run_id: int, offset: int = 0, limit: int = 100) -> list[FixityIssue]:
    return list(session.scalars(select(FixityIssue).where(FixityIssue.run_id == run_id)
                                .order_by(FixityIssue.id).offset(offset).limit(limit)))


def last_run_started(session: Session) -> datetime | None:
    return session.scalar(select(FixityRun.started_at).order_by(FixityRun.id.desc()).limit(1))
