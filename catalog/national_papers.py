"""Papers taken from the national data store (Kho dữ liệu quốc gia, Circular 01/2023) into a
dossier instead of being handed in again: what is checked before the store is asked, and how the
stored paper is recorded once intake accepted its file.

The store is an authoritative source: the paper's type is the one the store gives, its record
(number, dates, agency) is the store's, and it is approved at once, so it is offered for reuse
like any approved paper as soon as it is digitized.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.catalogs import active_catalog
from catalog.digitization import APPROVED, CONFIRMED, apply_type_validity, assign_code
from catalog.dossiers import get_dossier
from catalog.models import Component, Document
from catalog.owners import owner_ref
from catalog.review import mark_confirmed
from core.clock import utcnow
from core.errors import Invalid, Unprocessable

REVIEWER = "kho-dmqg"
"""Who the review names for a paper the national data store vouches for."""


@dataclass(frozen=True)
class Request:
    owner_code: str
    owner_id: int
    dossier_id: int


@dataclass(frozen=True)
class StoredRecord:
    """What the national data store says of a paper (its file comes separately)."""

    code: str
    document_type_code: str
    document_number: str | None = None
    issue_date: date | None = None
    issuing_agency: str | None = None
    valid_until: date | None = None


def check_request(session: Session, dossier_code: str, component_code: str | None,
                  document_type_code: str) -> Request:
    """Refuse what cannot be asked of the store: an unknown type, a component of another
    procedure or of another type, an owner without an identifier."""
    dossier = get_dossier(session, dossier_code)
    catalog = active_catalog(session)
    if document_type_code not in catalog.document_types:
        raise Invalid("unknown_document_type", f"Mã loại giấy tờ '{document_type_code}' không có trong danh mục.")
    if component_code is not None:
        component = catalog.components.get(component_code)
        if component is None or component["procedure_code"] != dossier.procedure_code:
            raise Invalid("unknown_component", f"Thủ tục {dossier.procedure_code} không có thành phần hồ sơ "
                                               f"'{component_code}'.")
        if component["document_type_code"] != document_type_code:
            raise Invalid("component_type_mismatch", f"Thành phần '{component_code}' cần giấy tờ loại "
                                                     f"{component['document_type_code']}, không phải {document_type_code}.")
    owner = dossier.owner
    code = owner.personal_id or owner.social_insurance_code
    if not code:
        raise Invalid("owner_without_identifier", "Chủ hồ sơ chưa có số định danh để tra cứu Kho dữ liệu quốc gia.")
    return Request(code, owner.id, dossier.id)


def check_stored(session: Session, stored: StoredRecord, asked_type: str) -> None:
    """The store's answer must be the paper asked for, under a code the catalog's pattern allows."""
    catalog = active_catalog(session)
    if stored.document_type_code != asked_type:
        raise Unprocessable("national_store_wrong_type", "Kho dữ liệu quốc gia trả về giấy tờ khác loại đã hỏi.")
    if not catalog.valid("national_store", stored.code):
        raise Unprocessable("national_store_bad_code", "Mã giấy tờ do Kho dữ liệu quốc gia trả về không đúng định dạng.")


def record_taken(session: Session, request: Request, document_id: str, stored: StoredRecord,
                 actor: Actor) -> Document:
    """Mark the accepted document and its component as taken from the national data store."""
    catalog = active_catalog(session)
    document = session.get(Document, document_id, with_for_update=True)
    document.national_store_code = stored.code
    document.document_type_code = stored.document_type_code
    document.type_status, document.type_confidence = CONFIRMED, 1.0
    document.type_confirmed_by, document.type_confirmed_at = actor.username, utcnow()
    document.catalog_version_id = catalog.version_id
    mark_confirmed(document, catalog)
    for name, value in _record_fields(stored).items():
        if value is not None:
            setattr(document, name, value)
    apply_type_validity(catalog, document)
    if stored.valid_until is not None:
        document.valid_until = stored.valid_until
    document.digitized_by, document.digitized_at = document.digitized_by or actor.username, document.digitized_at or utcnow()
    document.review_status, document.reviewed_by, document.reviewed_at = APPROVED, REVIEWER, utcnow()
    document.review_note = f"Lấy từ Kho dữ liệu quốc gia, mã {stored.code}"
    session.flush()
    session.refresh(document, ["owner"])
    assign_code(session, document, catalog)
    component = session.scalars(select(Component).where(Component.dossier_id == request.dossier_id,
                                                        Component.document_id == document_id)).first()
    if component is not None:
        component.from_national_store = True
    record(session, actor, "document.national_store_take", "document", document_id, owner_ref(document.owner),
           dossier_id=request.dossier_id, national_store_code=stored.code, type_code=stored.document_type_code)
    return document


def _record_fields(stored: StoredRecord) -> Mapping[str, Any]:
    return {"document_number": stored.document_number, "issue_date": stored.issue_date,
            "issuing_agency": stored.issuing_agency}
