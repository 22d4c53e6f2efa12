"""Intake: turn uploaded files into accepted documents, safely.

Three short phases, so a crash anywhere leaves nothing half-done:
1. journal: a ``receiving`` row per new file (duplicates of the same owner's paper are reused);
2. store: originals into object storage under their content address (idempotent);
3. accept: rows flip to ``pending`` and components are attached, in one transaction.
A failure in 2 or 3 undoes 1 (and any object no other row uses); start-up recovery does the
same for a process that died in between. Only after 3 does the caller answer 202.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select, update

from catalog import documents as docs
from catalog import indexing, reuse
from catalog.audit import Actor, record
from catalog.models import Component, Document, DocumentStatus, Owner
from catalog.owners import owner_ref
from core import metrics
from ingest.services import Services
from ingest.validate import Limits, ValidatedFile, receive
from storage import content_key


@dataclass(frozen=True)
class Upload:
    stream: BinaryIO
    filename: str | None


@dataclass(frozen=True)
class Accepted:
    document_id: str
    filename: str
    status: str
    duplicate: bool
    page_count: int
    sha256: str


def accept(services: Services, uploads: Iterable[Upload], owner_id: int | None,
           dossier_id: int | None = None, component_code: str | None = None, *, actor: Actor,
           kind: str = "component", parent_id: str | None = None) -> list[Accepted]:
    """Validate every file first (all or nothing), then journal, store and accept them.

    ``kind`` is ``component``, ``result`` or ``batch`` (a whole-dossier scan the pipeline splits);
    ``parent_id`` names the batch a split-off paper came from."""
    received: list[ValidatedFile] = []
    limits = Limits.of(services.settings)
    try:
        for upload in uploads:
            received.append(receive(upload.stream, upload.filename, limits, services.tmp_dir))
        return _store(services, received, owner_id, dossier_id, component_code, actor, kind, parent_id)
    finally:
        for f in received:
            f.discard()


def _store(services: Services, files: Sequence[ValidatedFile], owner_id: int | None,
           dossier_id: int | None, component_code: str | None, actor: Actor, kind: str,
           parent_id: str | None) -> list[Accepted]:
    plan: list[tuple[ValidatedFile, str, bool]] = []  # (file, document id, duplicate?)
    created: dict[str, str] = {}  # sha256 -> id of a document created in this batch
    with services.db.session() as s:
        for f in files:
            same_id = created.get(f.sha256)
            if same_id is None and (existing := docs.find_duplicate(s, f.sha256, owner_id)) is not None:
                same_id = existing.id
            if same_id is not None:
                plan.append((f, same_id, True))
                continue
            document = Document(sha256=f.sha256, media_type=f.media_type, filename=f.filename, size=f.size,
                                warnings=list(f.warnings), owner_id=owner_id, page_count=f.page_count, kind=kind, parent_id=parent_id,
                                status=DocumentStatus.receiving.value)
            s.add(document)
            s.flush()
            created[f.sha256] = document.id
            plan.append((f, document.id, False))
    new_ids = [doc_id for _, doc_id, dup in plan if not dup]
    try:
        for f, _, dup in plan:
            if not dup:
                services.store.put_file(content_key(f.sha256), f.path, sha256=f.sha256,
                                        content_type=f.media_type)
        with services.db.session() as s:
            if new_ids:
                s.execute(update(Document).where(Document.id.in_(new_ids))
                          .values(status=DocumentStatus.pending.value))
            if dossier_id is not None:
                _attach(s, dossier_id, [doc_id for _, doc_id, _ in plan], component_code,
                        same_bytes={doc_id for _, doc_id, dup in plan if dup})
            statuses = dict(s.execute(select(Document.id, Document.status)
                                      .where(Document.id.in_([d for _, d, _ in plan]))).all())
            ref = owner_ref(s.get(Owner, owner_id)) if owner_id is not None else None
            for f, doc_id, dup in plan:
                record(s, actor, "document.reuse_same_bytes" if dup else "document.create", "document", doc_id,
                       ref, filename=f.filename, sha256=f.sha256, dossier_id=dossier_id)
    except BaseException:
        undo_receipts(services, new_ids)
        raise
    for f, _, dup in plan:
        metrics.UPLOAD_FILES.labels("yes" if dup else "no").inc()
        metrics.UPLOAD_BYTES.inc(f.size)
    for doc_id in new_ids:
        services.queue.submit(doc_id)
    if dossier_id is not None:  # an earlier paper filed with one more dossier: its index entry says so
        indexing.refresh(services.db, services.index, {doc_id for _, doc_id, dup in plan if dup})
    return [Accepted(doc_id, f.filename, statuses[doc_id], dup, f.page_count, f.sha256)
            for f, doc_id, dup in plan]


def _attach(session, dossier_id: int, document_ids: Sequence[str], component_code: str | None,
            same_bytes: Collection[str] = ()) -> None:
    have = set(session.scalars(select(Component.document_id).where(Component.dossier_id == dossier_id)))
    for doc_id in dict.fromkeys(document_ids):
        if doc_id not in have:
            component = Component(dossier_id=dossier_id, document_id=doc_id, component_code=component_code)
            if doc_id in same_bytes:
                reuse.mark_same_bytes(session, dossier_id, component)
            session.add(component)


def undo_receipts(services: Services, document_ids: Sequence[str]) -> None:
    """Remove journal rows that never reached ``pending``, and objects no other row uses."""
    if not document_ids:
        return
    with services.db.session() as s:
        rows = [d for d in (s.get(Document, i) for i in document_ids)
                if d is not None and d.status == DocumentStatus.receiving.value]
        forget(services, s, rows)


def forget(services: Services, session, rows: Sequence[Document]) -> None:
    ids = [d.id for d in rows]
    for document in rows:
        if not docs.sha_in_use(session, document.sha256, excluding=ids):
            services.store.delete(content_key(document.sha256))
        docs.forget_receipt(session, document)
