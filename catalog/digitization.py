"""The digitized-paper record: coding a document after OCR, the counter's confirmation, review,
digitization codes, and results attached to dossiers.

Digitization code: ``<owner ID>.<document-type code>.<issuer symbol>.<NN>`` where NN counts per
prefix (the same owner's second birth certificate gets ``.02``). The sequence is one atomic
counter per prefix, so codes are unique under concurrent intake and never reused: a paper whose
type or owner is corrected gets a new code and the old number stays spent.
"""
from __future__ import annotations

import calendar
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import classifier, fields
from catalog.audit import Actor, AuditEntry, record
from catalog.catalogs import Catalog, active_catalog, catalog_version, today_local
from catalog.coding import DossierResult
from catalog.dossiers import get_dossier, next_counter
from catalog.models import Component, Document, DocumentStatus, Dossier, Owner, utcnow
from catalog.owners import find_owner, owner_ref
from sohoa.errors import Rejected, bad_request, not_found

log = logging.getLogger(__name__)

PROPOSED, NEEDS_REVIEW, CONFIRMED = "proposed", "needs_review", "confirmed"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
OWNER_LINK_CONFIDENCE = 0.7

EDITABLE = {
    "document_number": str, "issue_date": date, "issuing_agency": str, "issuer_symbol": str, "signer": str,
    "abstract": str, "owner_name": str, "valid_until": date, "permanent": bool, "validity_scope": str,
    "certified_copy": bool, "national_store_code": str,
}
"""Record fields a person may correct (extraction only ever fills what is still empty)."""


# ---------------------------------------------------------------- digitization codes

def owner_identifier(owner: Owner | None) -> str | None:
    if owner is None:
        return None
    return owner.personal_id or owner.social_insurance_code


def assign_code(session: Session, document: Document, catalog: Catalog) -> str | None:
    """Give the paper its digitization code when owner and an accepted type are known."""
    owner_id = owner_identifier(document.owner)
    type_code = document.document_type_code
    if owner_id is None or type_code is None or document.type_status == NEEDS_REVIEW:
        return None
    doc_type = catalog.document_types.get(type_code)
    if doc_type is None:
        return None
    issuer = document.issuer_symbol if catalog.valid("issuer_symbol", document.issuer_symbol) else \
        doc_type["issuer_symbol"]
    prefix = f"{owner_id}.{type_code}.{issuer}"
    if document.digitization_code and document.digitization_code.rsplit(".", 1)[0] == prefix:
        return document.digitization_code
    number = next_counter(session, f"dc:{prefix}")
    code = f"{prefix}.{number:02d}"
    if not catalog.valid("digitization", code):
        log.warning("digitization code %s does not match the catalog's pattern", code)
        return None
    document.digitization_code = code
    return code


# ---------------------------------------------------------------- validity

def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def apply_validity(document: Document, validity: str, certified_copy_months: int = 0) -> None:
    """Validity from the catalog: permanent, N months from issue, or what the paper says; a
    certified copy is limited to the months the catalog sets for its type, from digitization."""
    if validity == "permanent":
        document.permanent, document.valid_until = True, None
    elif validity.startswith("months:"):
        document.permanent = False
        if document.issue_date is not None:
            document.valid_until = add_months(document.issue_date, int(validity.split(":", 1)[1]))
    else:
        document.permanent = False
    if document.certified_copy and certified_copy_months:
        start = (document.digitized_at or utcnow()).date()
        limit = add_months(start, certified_copy_months)
        document.permanent = False
        document.valid_until = min(document.valid_until, limit) if document.valid_until else limit
        document.validity_scope = document.validity_scope or "Bản sao chứng thực"


def _validity_of(catalog: Catalog, document: Document) -> None:
    doc_type = catalog.document_types.get(document.document_type_code or "")
    if doc_type is not None:
        apply_validity(document, doc_type["validity"], doc_type["certified_copy_months"])


# ---------------------------------------------------------------- after OCR

def code_document(session: Session, document: Document, catalog: Catalog, proposal: classifier.Proposal | None,
                  extraction: fields.Extraction) -> None:
    """Write the classifier's proposal and the extracted fields onto the record.

    A type a person confirmed is never replaced; extracted values only fill empty fields."""
    document.catalog_version_id = catalog.version_id
    document.fields = extraction.to_json()
    if proposal is not None:
        document.classification = proposal.to_json()
    if document.type_status != CONFIRMED and proposal is not None:
        if proposal.best is None:
            document.document_type_code, document.type_confidence = None, None
        else:
            document.document_type_code = proposal.best.code
            document.type_confidence = round(proposal.best.score, 3)
        document.type_status = NEEDS_REVIEW if proposal.needs_review or proposal.best is None else PROPOSED
    values = {name: f.value for name, f in extraction.fields.items()}
    for name in ("document_number", "issuing_agency", "issuer_symbol", "abstract"):
        if getattr(document, name) is None and values.get(name):
            setattr(document, name, values[name][:_length(name)])
    for name in ("issue_date", "valid_until"):
        if getattr(document, name) is None and values.get(name):
            setattr(document, name, date.fromisoformat(values[name]))
    if document.owner_name is None and values.get("full_name"):
        document.owner_name = values["full_name"]
    if values.get("certified_copy") == "true":
        document.certified_copy = True
    _link_owner(session, document, extraction)
    if document.digitized_at is None:
        document.digitized_at = utcnow()
    if document.digitized_by is None:
        document.digitized_by = _uploader(session, document.id)
    if document.procedure_code is None:
        _procedure_from_dossier(session, document, catalog)
    _validity_of(catalog, document)
    assign_code(session, document, catalog)


def _length(name: str) -> int:
    return Document.__table__.c[name].type.length or 10_000


def _link_owner(session: Session, document: Document, extraction: fields.Extraction) -> None:
    """The ID printed on the paper links it to its owner, or flags a mismatch with the dossier's."""
    found = extraction.fields.get("personal_id") or extraction.fields.get("social_insurance_code")
    if found is None:
        return
    document.owner_code = document.owner_code or found.value
    owner = document.owner
    if owner is None:
        if found.confidence >= OWNER_LINK_CONFIDENCE and (match := find_owner(session, found.value)) is not None:
            document.owner = match
        return
    ids = {owner.personal_id, owner.social_insurance_code} - {None}
    printed = {f.value for name in ("personal_id", "social_insurance_code")
               if (f := extraction.fields.get(name)) is not None}
    if printed and not printed & ids:
        warnings = list(document.fields.get("warnings", []))
        if "owner_mismatch" not in warnings:
            warnings.append("owner_mismatch")
        document.fields = {**document.fields, "warnings": warnings,
                           "owner_mismatch": {"printed": sorted(printed), "owner": sorted(ids)}}


def _uploader(session: Session, document_id: str) -> str | None:
    return session.scalar(select(AuditEntry.actor).where(AuditEntry.object_type == "document",
                                                         AuditEntry.object_id == document_id,
                                                         AuditEntry.action == "document.create").limit(1))


def _procedure_from_dossier(session: Session, document: Document, catalog: Catalog) -> None:
    procedure_code = session.scalar(select(Dossier.procedure_code).join(Component, Component.dossier_id == Dossier.id)
                                    .where(Component.document_id == document.id).limit(1))
    if procedure_code:
        document.procedure_code = procedure_code
        document.sector = (catalog.procedures.get(procedure_code) or {}).get("sector")


def code_after_ocr(services, document_id: str, pages: Sequence[Any]) -> None:
    """Pipeline step between OCR and indexing: classify, extract, code. Never fails the document:
    if classification breaks, the paper is flagged for review instead. A batch scan is planned
    for splitting instead (and split at once when separator sheets mark every paper)."""
    with services.db.session() as s:
        kind = s.scalar(select(Document.kind).where(Document.id == document_id))
    if kind == "batch":
        plan_split(services, document_id, pages)
        return
    proposal = None
    try:
        proposal = classifier.propose(services.db, services.store, [p.text for p in pages])
    except Exception:  # noqa: BLE001 - a person classifies it instead
        log.exception("classifying %s failed; flagged for review", document_id)
    try:
        with services.db.session() as s:
            document = s.get(Document, document_id, with_for_update=True)  # serialised with people's edits
            if document is None:
                return
            catalog = active_catalog(s)
            extraction = fields.extract(list(pages), catalog)
            if proposal is None and document.type_status != CONFIRMED:
                _flag_failed(document)
            code_document(s, document, catalog, proposal, extraction)
    except Rejected:
        raise  # no catalog in force: an operator must act; the pipeline retries
    except Exception:  # noqa: BLE001 - the text is there; a person codes the paper
        log.exception("coding %s failed; flagged for review", document_id)
        with services.db.session() as s:
            document = s.get(Document, document_id, with_for_update=True)
            if document is not None and document.type_status != CONFIRMED:
                _flag_failed(document)


def _flag_failed(document: Document) -> None:
    document.type_status = NEEDS_REVIEW
    document.classification = {"document_type": None, "alternatives": [], "needs_review": True,
                               "reasons": ["classification_failed"]}


def plan_split(services, document_id: str, pages: Sequence[Any]) -> None:
    from ingest import splitting

    plan = splitting.plan_batch(services, document_id, pages)
    with services.db.session() as s:
        document = s.get(Document, document_id, with_for_update=True)
        already = (document.fields or {}).get("split", {}).get("applied", False)
        document.fields = {"split": {**plan.to_json(), "applied": already}}
        uploader = _uploader(s, document_id)
    if plan.by_separators and not plan.warnings and not already:
        actor = Actor(uploader or "system", "counter", None)
        splitting.split_batch(services, document_id, plan.segments, actor)
        mark_split(services, document_id, plan.to_json(), actor.username)


def mark_split(services, document_id: str, plan: dict[str, Any], username: str) -> None:
    with services.db.session() as s:
        document = s.get(Document, document_id, with_for_update=True)
        document.fields = {"split": {**plan, "applied": True, "applied_by": username}}


# ---------------------------------------------------------------- what people do

def _get(session: Session, document_id: str) -> Document:
    document = session.get(Document, document_id, with_for_update=True)
    if document is None or document.status == DocumentStatus.receiving.value:
        raise not_found("document_not_found", f"Không tìm thấy tài liệu '{document_id}'.")
    return document


def confirm_type(session: Session, document_id: str, type_code: str, actor: Actor) -> bool:
    """The counter confirms or corrects the type; returns True when it was a correction."""
    document = _get(session, document_id)
    catalog = active_catalog(session)
    if type_code not in catalog.document_types:
        raise bad_request("unknown_document_type", f"Mã loại giấy tờ '{type_code}' không có trong danh mục.")
    proposed = ((document.classification or {}).get("document_type") or {}).get("code")
    corrected = proposed != type_code
    document.document_type_code = type_code
    document.type_status = CONFIRMED
    document.type_confirmed_by, document.type_confirmed_at = actor.username, utcnow()
    _mark_confirmed(document, catalog)
    document.catalog_version_id = catalog.version_id
    if document.review_status == REJECTED:
        document.review_status = PENDING
    _validity_of(catalog, document)
    assign_code(session, document, catalog)
    record(session, actor, "document.type_confirm", "document", document.id, owner_ref(document.owner),
           type_code=type_code, proposed=proposed, corrected=corrected)
    return corrected


def _mark_confirmed(document: Document, catalog: Catalog) -> None:
    name = catalog.document_types[document.document_type_code]["name"]
    document.classification = {**(document.classification or {}),
                               "confirmed": {"code": document.document_type_code, "name": name}}


def update_record(session: Session, document_id: str, changes: Mapping[str, Any], actor: Actor) -> Document:
    document = _get(session, document_id)
    catalog = catalog_version(session, document.catalog_version_id) if document.catalog_version_id else \
        active_catalog(session)
    for name, value in changes.items():
        if name not in EDITABLE:
            raise bad_request("field_not_editable", f"Trường '{name}' không sửa được.")
        if name == "national_store_code" and value and not catalog.valid("national_store", value):
            raise bad_request("invalid_national_store_code", f"Mã Kho dữ liệu '{value}' không đúng định dạng.")
        if name == "issuer_symbol" and value and not catalog.valid("issuer_symbol", value):
            raise bad_request("invalid_issuer_symbol", f"Ký hiệu cơ quan '{value}' không đúng định dạng.")
        setattr(document, name, value)
    if document.review_status == APPROVED and changes:
        document.review_status = PENDING  # a changed record is reviewed again
    assign_code(session, document, catalog)
    record(session, actor, "document.record_update", "document", document.id, owner_ref(document.owner),
           fields=sorted(changes))
    return document


def review(session: Session, document_id: str, approved: bool, note: str | None, actor: Actor) -> Document:
    """Approve (reusable from now on) or reject a digitized paper; not by the one who digitized it."""
    document = _get(session, document_id)
    if document.status != DocumentStatus.ready.value:
        raise Rejected(409, "not_ready", "Tài liệu chưa xử lý xong, chưa duyệt được.")
    if document.digitized_by and document.digitized_by == actor.username and actor.role != "admin":
        raise Rejected(403, "own_digitization", "Không tự duyệt giấy tờ do chính mình số hoá.")
    if approved and (document.type_status != CONFIRMED and document.type_status != PROPOSED):
        raise Rejected(409, "type_not_confirmed", "Cần xác nhận loại giấy tờ trước khi duyệt.")
    if approved and not document.digitization_code:
        raise Rejected(409, "no_digitization_code",
                       "Giấy tờ chưa có mã số hoá (thiếu chủ sở hữu hoặc loại giấy tờ); chưa duyệt được.")
    if not approved and not note:
        raise bad_request("note_required", "Cần ghi lý do khi từ chối.")
    document.review_status = APPROVED if approved else REJECTED
    document.reviewed_by, document.reviewed_at, document.review_note = actor.username, utcnow(), note
    record(session, actor, "document.review", "document", document.id, owner_ref(document.owner),
           decision=document.review_status, note=note)
    return document


def reusable_documents(session: Session, owner_id: int, on: date | None = None) -> list[Document]:
    """Approved, still valid papers of an owner: what a counter may reuse instead of asking again
    (the rule lives in catalog/reuse.py)."""
    from catalog import reuse

    return reuse.reusable_documents(session, owner_id, on=on)


# ---------------------------------------------------------------- results

def check_result(session: Session, dossier: Dossier, result_code: str, replaces_code: str | None,
                 valid_until: date | None) -> tuple[Mapping[str, Any], Document | None]:
    """Everything about a result that can be refused before its file is stored."""
    result = active_catalog(session).results.get(result_code)
    if result is None:
        raise bad_request("unknown_result_code", f"Mã kết quả '{result_code}' không có trong danh mục.")
    if result["procedure_code"] != dossier.procedure_code:
        raise bad_request("result_code_mismatch",
                          f"Mã kết quả '{result_code}' không thuộc thủ tục {dossier.procedure_code} của hồ sơ.")
    if result["validity"] == "on_paper" and valid_until is None:
        raise bad_request("valid_until_required", "Kết quả này cần ngày hết hiệu lực (ghi trên giấy tờ).")
    return result, _replaced(session, dossier, result, replaces_code)


def attach_result(session: Session, dossier_code: str, document_id: str, *, result_code: str,
                  document_number: str | None, issue_date: date | None, valid_until: date | None,
                  replaces_code: str | None, actor: Actor) -> DossierResult:
    """Record an uploaded document as a result of the dossier, under a catalog result code."""
    dossier = get_dossier(session, dossier_code)
    catalog = active_catalog(session)
    result, replaced = check_result(session, dossier, result_code, replaces_code, valid_until)
    document = _get(session, document_id)
    if session.scalar(select(DossierResult.id).where(DossierResult.document_id == document.id)) is not None:
        raise Rejected(409, "already_a_result", "Tệp này đã được đính kèm làm kết quả của một hồ sơ.")
    document.kind = "result"
    document.owner_id = dossier.owner_id
    document.document_type_code = result["document_type_code"]
    document.type_status, document.type_confirmed_by, document.type_confirmed_at = CONFIRMED, actor.username, utcnow()
    document.type_confidence = 1.0
    document.catalog_version_id = catalog.version_id
    _mark_confirmed(document, catalog)
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
    return row


def _replaced(session: Session, dossier: Dossier, result: Mapping[str, Any], replaces_code: str | None) -> Document | None:
    if not replaces_code:
        return None
    old = session.scalars(select(Document).where(Document.digitization_code == replaces_code)).first()
    if old is None or old.owner_id != dossier.owner_id:
        raise bad_request("unknown_replaced_result",
                          f"Không tìm thấy kết quả '{replaces_code}' của cùng chủ sở hữu để thay thế.")
    old_result = session.scalars(select(DossierResult).where(DossierResult.document_id == old.id)).first()
    allowed = result.get("replaces") or []
    if old_result is None or (allowed and old_result.result_code not in allowed):
        raise bad_request("cannot_replace",
                          f"Kết quả mã {result['code']} không thay thế được giấy tờ '{replaces_code}'.")
    return old


def hand_over(session: Session, dossier_code: str, result_id: int, actor: Actor) -> DossierResult:
    dossier = get_dossier(session, dossier_code)
    row = session.get(DossierResult, result_id)
    if row is None or row.dossier_id != dossier.id:
        raise not_found("result_not_found", "Không tìm thấy kết quả này trong hồ sơ.")
    if row.handed_over_at is None:
        row.handed_over_at, row.handed_over_by = utcnow(), actor.username
        record(session, actor, "result.hand_over", "dossier", dossier.code, owner_ref(dossier.owner),
               result_id=row.id)
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


def describe(settings, pages: Sequence[Any]) -> dict[str, Any]:
    """Type proposal and fields for pages OCR'd outside the service (``sohoa ocr --json``), with the
    catalog and classifier model of the local installation (created on first use)."""
    from catalog.catalogs import open_database
    from storage import open_storage

    db = open_database(settings.resolved_database_url())
    try:
        store = open_storage(settings.storage_url, default_dir=settings.data_dir / "objects")
        proposal = classifier.propose(db, store, [p.text for p in pages])
        with db.session() as s:
            extraction = fields.extract(list(pages), active_catalog(s))
    finally:
        db.dispose()
    body = proposal.to_json()
    return {"document_type": body["document_type"], "alternatives": body["alternatives"],
            "needs_review": body["needs_review"], "fields": extraction.to_json()}
