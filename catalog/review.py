"""What people do with a digitized paper: confirm its type, correct its record, approve or reject it."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from catalog.audit import Actor, record
from catalog.catalogs import Catalog, active_catalog, catalog_version
from catalog.digitization import APPROVED, CONFIRMED, PENDING, PROPOSED, REJECTED, apply_type_validity, assign_code
from catalog.models import Document, DocumentStatus
from catalog.owners import owner_ref
from catalog.record_dates import check_record_dates
from core.clock import utcnow
from core.errors import Conflict, Forbidden, Invalid, NotFound

log = logging.getLogger(__name__)


EDITABLE = {
    "document_number": str, "issue_date": date, "issuing_agency": str, "issuer_symbol": str, "signer": str,
    "abstract": str, "owner_name": str, "valid_until": date, "permanent": bool, "validity_scope": str,
    "certified_copy": bool, "national_store_code": str,
}
"""Record fields a person may correct (extraction only ever fills what is still empty)."""


def get_document(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.status == DocumentStatus.receiving.value:
        raise NotFound("document_not_found", f"Không tìm thấy tài liệu '{document_id}'.")
    return document


def confirm_type(session: Session, document_id: str, type_code: str, actor: Actor) -> bool:
    """The counter confirms or corrects the type; returns True when it was a correction."""
    document = get_document(session, document_id)
    catalog = active_catalog(session)
    if type_code not in catalog.document_types:
        raise Invalid("unknown_document_type", f"Mã loại giấy tờ '{type_code}' không có trong danh mục.")
    proposed = ((document.classification or {}).get("document_type") or {}).get("code")
    corrected = proposed != type_code
    document.document_type_code = type_code
    document.type_status = CONFIRMED
    document.type_confirmed_by, document.type_confirmed_at = actor.username, utcnow()
    mark_confirmed(document, catalog)
    document.catalog_version_id = catalog.version_id
    if document.review_status == REJECTED:
        document.review_status = PENDING
    apply_type_validity(catalog, document)
    assign_code(session, document, catalog)
    record(session, actor, "document.type_confirm", "document", document.id, owner_ref(document.owner),
           type_code=type_code, proposed=proposed, corrected=corrected)
    return corrected


def mark_confirmed(document: Document, catalog: Catalog) -> None:
    name = catalog.document_types[document.document_type_code]["name"]
    document.classification = {**(document.classification or {}),
                               "confirmed": {"code": document.document_type_code, "name": name}}


def update_record(session: Session, document_id: str, changes: Mapping[str, Any], actor: Actor) -> Document:
    document = get_document(session, document_id)
    catalog = catalog_version(session, document.catalog_version_id) if document.catalog_version_id else \
        active_catalog(session)
    for name, value in changes.items():
        if name not in EDITABLE:
            raise Invalid("field_not_editable", f"Trường '{name}' không sửa được.")
        if name == "national_store_code" and value and not catalog.valid("national_store", value):
            raise Invalid("invalid_national_store_code", f"Mã Kho dữ liệu '{value}' không đúng định dạng.")
        if name == "issuer_symbol" and value and not catalog.valid("issuer_symbol", value):
            raise Invalid("invalid_issuer_symbol", f"Ký hiệu cơ quan '{value}' không đúng định dạng.")
        if name in ("permanent", "certified_copy") and value is None:
            raise Invalid("field_required", f"Trường '{name}' phải là có hoặc không, không được để trống.")
        setattr(document, name, value)
    check_record_dates(document.issue_date, document.valid_until)  # the record as it will stand
    if document.review_status == APPROVED and changes:
        document.review_status = PENDING  # a changed record is reviewed again
    assign_code(session, document, catalog)
    record(session, actor, "document.record_update", "document", document.id, owner_ref(document.owner),
           fields=sorted(changes))
    return document


def review(session: Session, document_id: str, approved: bool, note: str | None, actor: Actor) -> Document:
    """Approve (reusable from now on) or reject a digitized paper; not by the one who digitized it."""
    document = get_document(session, document_id)
    if document.status != DocumentStatus.ready.value:
        raise Conflict("not_ready", "Tài liệu chưa xử lý xong, chưa duyệt được.")
    if document.digitized_by and document.digitized_by == actor.username and actor.role != "admin":
        raise Forbidden("own_digitization", "Không tự duyệt giấy tờ do chính mình số hoá.")
    if approved and (document.type_status != CONFIRMED and document.type_status != PROPOSED):
        raise Conflict("type_not_confirmed", "Cần xác nhận loại giấy tờ trước khi duyệt.")
    if approved and not document.digitization_code:
        raise Conflict("no_digitization_code",
                       "Giấy tờ chưa có mã số hoá (thiếu chủ sở hữu hoặc loại giấy tờ); chưa duyệt được.")
    if not approved and not note:
        raise Invalid("note_required", "Cần ghi lý do khi từ chối.")
    return record_decision(session, document, APPROVED if approved else REJECTED, note, actor)


def record_decision(session: Session, document: Document, decision: str, note: str | None, actor: Actor,
                    **details: Any) -> Document:
    """Write a review decision on the document and in the audit log (the checks are the caller's)."""
    document.review_status = decision
    document.reviewed_by, document.reviewed_at, document.review_note = actor.username, utcnow(), note
    record(session, actor, "document.review", "document", document.id, owner_ref(document.owner),
           decision=decision, note=note, **details)
    return document


def reusable_documents(session: Session, owner_id: int, on: date | None = None) -> list[Document]:
    """Approved, still valid papers of an owner: what a counter may reuse instead of asking again
    (the rule lives in catalog/reuse.py)."""
    from catalog import reuse

    return reuse.reusable_documents(session, owner_id, on=on)
