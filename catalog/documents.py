"""Document lifecycle in the catalog: receiving → pending → processing → ready | failed.

``receiving`` is a journal entry written *before* the original is put into object storage, so a
crash between the two leaves a row that start-up recovery can find and undo (no orphan objects
and no half-written records). Every other transition is a single short transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from catalog.models import Component, Document, DocumentStatus, Page
from sohoa.errors import Rejected, not_found

MAX_ATTEMPTS = 3


def get_document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id)
    if document is None or document.status == DocumentStatus.receiving.value:
        raise not_found("document_not_found", f"Không tìm thấy tài liệu '{document_id}'.")
    if document.status == DocumentStatus.disposed.value:
        raise Rejected(410, "document_disposed", "Tài liệu đã được huỷ khi hết thời hạn bảo quản; "
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
    if document.attempts >= MAX_ATTEMPTS:
        document.status = DocumentStatus.failed.value
        document.error_code = "too_many_attempts"
        document.error_message = "Xử lý thất bại nhiều lần liên tiếp; cần kiểm tra tệp gốc."
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


def unfinished(session: Session) -> list[str]:
    """Accepted documents a worker has not finished: re-queued at start-up."""
    return list(session.scalars(
        select(Document.id)
        .where(Document.status.in_([DocumentStatus.pending.value, DocumentStatus.processing.value]))
        .order_by(Document.created_at)
    ))


def abandoned_receipts(session: Session) -> list[Document]:
    """Journal rows whose upload never completed (the client got no 202 for them)."""
    return list(session.scalars(select(Document).where(Document.status == DocumentStatus.receiving.value)))


def forget_receipt(session: Session, document: Document) -> None:
    session.execute(delete(Component).where(Component.document_id == document.id))
    session.delete(document)
