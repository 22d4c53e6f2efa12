"""The signed copy of a digitized paper, as the catalog records it, and its last verification.

One row per document: the content-addressed object holding the PAdES-signed copy of its
searchable PDF (the original scan and the unsigned PDF stay as they were), who signed, when, at
which PAdES level, and what the last check of that object found. Signing and checking are done
by records/signatures.py; the catalog only keeps the outcome, so the reuse rule
(catalog/reuse.py) can refuse a paper whose signature is broken or untrusted.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ColumnElement, ForeignKey, Integer, String, Text, delete, exists
from sqlalchemy.orm import Mapped, Session, mapped_column

from catalog.base import Base, UTCDateTime
from core.clock import utcnow


class SignatureStatus(str, enum.Enum):
    valid = "valid"          # intact, covers the whole file, chains to a configured trust root
    invalid = "invalid"      # the bytes changed since signing, or the signature does not hold
    untrusted = "untrusted"  # intact, but the certificate does not chain to a trust root, or expired
    unsigned = "unsigned"    # no signed copy (approved before signing was configured, or not approved)


BLOCKING = (SignatureStatus.invalid.value, SignatureStatus.untrusted.value)

REASONS: dict[str, str] = {
    "altered": "Bản ký số đã bị thay đổi sau khi ký (chữ ký không còn khớp nội dung).",
    "unreadable": "Không đọc được bản ký số trong kho lưu trữ.",
    "not_whole_file": "Chữ ký số không bao trùm toàn bộ tệp.",
    "untrusted": "Chứng thư số của người ký không thuộc cơ quan chứng thực được tin cậy.",
    "expired": "Chứng thư số của người ký đã hết hạn hoặc bị thu hồi.",
    "revoked": "Chứng thư số của người ký đã bị thu hồi (theo máy chủ OCSP/CRL của tổ chức chứng thực).",
    "no_signature": "Tệp không chứa chữ ký số.",
}
"""Why a signature is not valid, shown to the counter (codes are what the API carries)."""


class DocumentSignature(Base):
    __tablename__ = "document_signature"

    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    """Object key of the signed copy (content-addressed under ``signed/``)."""
    earlier_keys: Mapped[list] = mapped_column(JSON, default=list)
    """Copies signed before this one (the record was corrected and approved again): kept, and
    destroyed with the document at disposal."""
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(8))  # PAdES B-B | B-T | B-LT
    signer: Mapped[str] = mapped_column(String(300))
    key_source: Mapped[str] = mapped_column(String(16))  # pkcs12 | pkcs11 | dev
    trigger: Mapped[str] = mapped_column(String(16))  # approval | result
    signed_by: Mapped[str] = mapped_column(String(64))  # the officer whose decision it seals
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(32))  # a key of REASONS when not valid
    detail: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_for: Mapped[str] = mapped_column(String(16), default="signing")  # signing | reuse | download | fixity


def signature_of(session: Session, document_id: str) -> DocumentSignature | None:
    return session.get(DocumentSignature, document_id)


def signature_blocks_reuse(document_id_column) -> ColumnElement[bool]:
    """True where the paper's signed copy was last found broken or untrusted."""
    return exists().where(DocumentSignature.document_id == document_id_column,
                          DocumentSignature.status.in_(BLOCKING))


def discard_signature(session: Session, document_id: str) -> list[str]:
    """Disposal: drop the row and return every signed copy's key, for the objects to destroy."""
    row = session.get(DocumentSignature, document_id)
    if row is None:
        return []
    keys = [*row.earlier_keys, row.key]
    session.execute(delete(DocumentSignature).where(DocumentSignature.document_id == document_id))
    return keys
