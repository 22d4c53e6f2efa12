"""Document lifecycle in the catalog: receiving → pending → processing → ready | failed.

``receiving`` is a journal entry written *before* the original is put into object storage, so a
crash between the two leaves a row that start-up recovery can find and undo (no orphan objects
and no half-written records). Every other transition is a single short transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from catalog.models import Component, Document, DocumentStatus, Page
from core.errors import Gone, NotFound

MAX_ATTEMPTS = 3
DEAD_LETTER = "dead_letter"
"""Error code of a document given up after MAX_ATTEMPTS (see :func:`dead_letters`)."""


def get_document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None or document.status == DocumentStatus.receiving.value:
        raise NotFound("document_not_found", f"Không tìm thấy tài liệu '{document_id}'.")
    if document.status == DocumentStatus.disposed.value:
        raise Gone("document_disposed", "Tài liệu đã được huỷ khi hết thời hạn bảo quản; "
                       "chỉ còn thông tin huỷ (mã, giá trị băm, ngày tháng).")
    return document


def find_duplicate(session: Session, sha256: str, owner_id: int | None) -> Document | None:
    """The same bytes already digitized for the same owner (failed copies don't count)."""
    return session.scalars(
        select(Document)
        .where(
            Document.sha256 == sha256,
            Document.owner_id == owner_id,
            Document.status.in_([s.value for s in (DocumentStatus.pending, DocumentStatus.processing,
                                                   DocumentStatus.ready)]),
        )
        .order_by(Document.created_at)
    ).first()


def sha_in_use(session: Session, sha256: str, *, excluding: Sequence[str] = ()) -> bool:
    stmt = select(func.count()).select_from(Document).where(Document.sha256 == sha256)
    if excluding:
        stmt = stmt.where(Document.id.not_in(excluding))
    return session.scalar(stmt) > 0


def claim(session: Session, document_id: str) -> Document | None:
    """Take a document for processing; None if it is finished, gone, or out of attempts."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.status not in (DocumentStatus.pending.value,
                                                    DocumentStatus.processing.value):
        return None
    if document.attempts >= MAX_ATTEMPTS:  # every attempt died with its worker (e.g. out of memory)
        _set_dead_letter(document, "worker lost")
        return None
    document.status = DocumentStatus.processing.value
    document.attempts += 1
    document.pages_done = 0
    return document


def release(session: Session, document_id: str) -> None:
    """Hand a document back untouched (shutdown cut it short): the attempt does not count."""
    session.execute(
        update(Document)
        .where(Document.id == document_id, Document.status == DocumentStatus.processing.value)
        .values(status=DocumentStatus.pending.value, attempts=Document.attempts - 1, pages_done=0)
    )


def record_progress(session: Session, document_id: str, done: int, total: int) -> None:
    session.execute(
        update(Document).where(Document.id == document_id).values(pages_done=done, page_count=total)
    )


@dataclass(frozen=True)
class PageRecord:
    number: int
    text: str
    confidence: float | None
    source: str
    rotation: int = 0
    skew: float = 0.0


def complete(session: Session, document_id: str, pages: Sequence[PageRecord],
             mean_confidence: float | None) -> Document:
    document = session.get(Document, document_id, with_for_update=True)
    session.execute(delete(Page).where(Page.document_id == document_id))
    session.add_all(
        Page(document_id=document_id, number=p.number, text=p.text, confidence=p.confidence,
             source=p.source, rotation=p.rotation, skew=p.skew)
        for p in pages
    )
    document.page_count = len(pages)
    document.pages_done = len(pages)
    document.mean_confidence = mean_confidence
    document.status = DocumentStatus.ready.value
    document.error_code = document.error_message = None
    return document


def fail(session: Session, document_id: str, code: str, message: str) -> None:
    session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(status=DocumentStatus.failed.value, error_code=code, error_message=message)
    )


def _set_dead_letter(document: Document, reason: str) -> None:
    document.status = DocumentStatus.failed.value
    document.error_code = DEAD_LETTER
    document.error_message = (f"Xử lý thất bại sau {document.attempts} lần thử ({reason}); "
                              "cán bộ lưu trữ cần kiểm tra tệp gốc rồi cho xử lý lại.")


def dead_letter(session: Session, document_id: str, reason: str) -> None:
    """Give up on a document after its last attempt: failed with code ``dead_letter``, listed for
    archivists, who can send it back with :func:`revive` once the cause is fixed."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is not None:
        _set_dead_letter(document, reason)


def dead_letters(session: Session, *, limit: int = 100, offset: int = 0) -> list[Document]:
    return list(session.scalars(
        select(Document).where(Document.status == DocumentStatus.failed.value, Document.error_code == DEAD_LETTER)
        .order_by(Document.updated_at.desc(), Document.id).offset(offset).limit(limit)
    ))


def revive(session: Session, document_id: str) -> Document:
    """Put a dead letter back in line with fresh attempts."""
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.error_code != DEAD_LETTER or document.status != DocumentStatus.failed.value:
        raise NotFound("dead_letter_not_found", f"Tài liệu '{document_id}' không nằm trong danh sách xử lý lỗi.")
    document.status = DocumentStatus.pending.value
    document.attempts = 0
    document.pages_done = 0
    document.error_code = document.error_message = None
    return document


def unfinished(session: Session, before: datetime | None = None) -> list[str]:
    """Accepted documents a worker has not finished (untouched since ``before``): re-queued."""
    stmt = (select(Document.id)
            .where(Document.status.in_([DocumentStatus.pending.value, DocumentStatus.processing.value]))
            .order_by(Document.created_at))
    if before is not None:
        stmt = stmt.where(Document.updated_at < before)
    return list(session.scalars(stmt))


def abandoned_receipts(session: Session, before: datetime | None = None) -> list[Document]:
    """Journal rows whose upload never completed (the client got no 202 for them), untouched
    since ``before``: younger ones may belong to an upload another process is still storing."""
    stmt = select(Document).where(Document.status == DocumentStatus.receiving.value)
    if before is not None:
        stmt = stmt.where(Document.updated_at < before)
    return list(session.scalars(stmt))


def forget_receipt(session: Session, document: Document) -> None:
    session.execute(delete(Component).where(Component.document_id == document.id))
    session.delete(document)
