"""Results of a dossier: attaching a document the agency issued with its result code, replacing an
earlier result, hand-over to the citizen."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import outbox
from catalog.audit import Actor, record
from catalog.catalogs import active_catalog, today_local
from catalog.coding import DossierResult
from catalog.digitization import APPROVED, CONFIRMED, apply_validity, assign_code
from catalog.dossiers import get_dossier
from catalog.models import Document, Dossier
from catalog.owners import owner_ref
from catalog.register import resolve_by_hand_over
from catalog.review import get_document, mark_confirmed
from core.clock import utcnow
from core.errors import Conflict, Invalid, NotFound

log = logging.getLogger(__name__)


def check_result(session: Session, dossier: Dossier, result_code: str, replaces_code: str | None,
                 valid_until: date | None) -> tuple[Mapping[str, Any], Document | None]:
    """Everything about a result that can be refused before its file is stored."""
    result = active_catalog(session).results.get(result_code)
    if result is None:
        raise Invalid("unknown_result_code", f"Mã kết quả '{result_code}' không có trong danh mục.")
    if result["procedure_code"] != dossier.procedure_code:
        raise Invalid("result_code_mismatch",
                          f"Mã kết quả '{result_code}' không thuộc thủ tục {dossier.procedure_code} của hồ sơ.")
    if result["validity"] == "on_paper" and valid_until is None:
        raise Invalid("valid_until_required", "Kết quả này cần ngày hết hiệu lực (ghi trên giấy tờ).")
    return result, _replaced(session, dossier, result, replaces_code)


def attach_result(session: Session, dossier_code: str, document_id: str, *, result_code: str,
                  document_number: str | None, issue_date: date | None, valid_until: date | None,
                  replaces_code: str | None, actor: Actor) -> DossierResult:
    """Record an uploaded document as a result of the dossier, under a catalog result code."""
    dossier = get_dossier(session, dossier_code)
    catalog = active_catalog(session)
    result, replaced = check_result(session, dossier, result_code, replaces_code, valid_until)
    document = get_document(session, document_id)
    if session.scalar(select(DossierResult.id).where(DossierResult.document_id == document.id)) is not None:
        raise Conflict("already_a_result", "Tệp này đã được đính kèm làm kết quả của một hồ sơ.")
    document.kind = "result"
    document.owner_id = dossier.owner_id
    document.document_type_code = result["document_type_code"]
    document.type_status, document.type_confirmed_by, document.type_confirmed_at = CONFIRMED, actor.username, utcnow()
    document.type_confidence = 1.0
    document.catalog_version_id = catalog.version_id
    mark_confirmed(document, catalog)
    document.procedure_code = dossier.procedure_code
    document.sector = (catalog.procedures.get(dossier.procedure_code) or {}).get("sector")
    document.document_number = document_number or document.document_number
    document.issue_date = issue_date or document.issue_date
    document.valid_until = valid_until
    document.digitized_by, document.digitized_at = actor.username, utcnow()
    document.review_status, document.reviewed_by, document.reviewed_at = APPROVED, actor.username, utcnow()
    session.flush()
    session.refresh(document, ["owner"])
    apply_validity(document, result["validity"])
    if result["validity"] == "on_paper":
        document.valid_until = valid_until
    assign_code(session, document, catalog)
    row = DossierResult(dossier_id=dossier.id, document_id=document.id, result_code=result_code,
                        replaces_document_id=replaced.id if replaced else None, created_by=actor.username)
    session.add(row)
    if replaced is not None and (replaced.valid_until is None or replaced.valid_until > (issue_date or today_local())):
        replaced.valid_until = issue_date or today_local()
        replaced.permanent = False
        replaced.validity_scope = f"Đã được thay thế bởi {document.digitization_code or document.id}"
    session.flush()
    record(session, actor, "result.attach", "dossier", dossier.code, owner_ref(dossier.owner),
           document_id=document.id, result_code=result_code, replaces=replaces_code)
    outbox.enqueue(session, dossier, f"result:{row.id}:attached")
    return row


def _replaced(session: Session, dossier: Dossier, result: Mapping[str, Any], replaces_code: str | None) -> Document | None:
    if not replaces_code:
        return None
    old = session.scalars(select(Document).where(Document.digitization_code == replaces_code)).first()
    if old is None or old.owner_id != dossier.owner_id:
        raise Invalid("unknown_replaced_result",
                          f"Không tìm thấy kết quả '{replaces_code}' của cùng chủ sở hữu để thay thế.")
    old_result = session.scalars(select(DossierResult).where(DossierResult.document_id == old.id)).first()
    allowed = result.get("replaces") or []
    if old_result is None or (allowed and old_result.result_code not in allowed):
        raise Invalid("cannot_replace",
                          f"Kết quả mã {result['code']} không thay thế được giấy tờ '{replaces_code}'.")
    return old


def hand_over(session: Session, dossier_code: str, result_id: int, actor: Actor) -> DossierResult:
    dossier = get_dossier(session, dossier_code)
    row = session.get(DossierResult, result_id)
    if row is None or row.dossier_id != dossier.id:
        raise NotFound("result_not_found", "Không tìm thấy kết quả này trong hồ sơ.")
    if row.handed_over_at is None:
        row.handed_over_at, row.handed_over_by = utcnow(), actor.username
        record(session, actor, "result.hand_over", "dossier", dossier.code, owner_ref(dossier.owner),
               result_id=row.id)
        outbox.enqueue(session, dossier, f"result:{row.id}:handed_over")
        resolve_by_hand_over(session, dossier, actor, all(r.handed_over_at for r in results_of(session, dossier.id)))
    return row


def results_of(session: Session, dossier_id: int) -> list[DossierResult]:
    return list(session.scalars(select(DossierResult).where(DossierResult.dossier_id == dossier_id)
                                .order_by(DossierResult.id)))


def citizen_visible(session: Session, document: Document) -> bool:
    """A result stays hidden from citizen-facing views until it has been handed over."""
    if document.kind != "result":
        return True
    row = session.scalars(select(DossierResult).where(DossierResult.document_id == document.id)).first()
    return row is not None and row.handed_over_at is not None
