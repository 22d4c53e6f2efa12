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
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import classifier, fields
from catalog.audit import AuditEntry
from catalog.catalogs import Catalog
from catalog.dossiers import next_counter
from catalog.models import Component, Document, Dossier, Owner
from catalog.owners import find_owner
from core.clock import utcnow

log = logging.getLogger(__name__)

PROPOSED, NEEDS_REVIEW, CONFIRMED = "proposed", "needs_review", "confirmed"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
OWNER_LINK_CONFIDENCE = 0.7


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
        # The code starts with the owner's ID: log its document type, never the code itself.
        log.warning("a digitization code for document type %s does not match the catalog's pattern", type_code)
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


def apply_type_validity(catalog: Catalog, document: Document) -> None:
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
        document.digitized_by = uploader_of(session, document.id)
    if document.procedure_code is None:
        _procedure_from_dossier(session, document, catalog)
    apply_type_validity(catalog, document)
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


def uploader_of(session: Session, document_id: str) -> str | None:
    return session.scalar(select(AuditEntry.actor).where(AuditEntry.object_type == "document",
                                                         AuditEntry.object_id == document_id,
                                                         AuditEntry.action == "document.create").limit(1))


def _procedure_from_dossier(session: Session, document: Document, catalog: Catalog) -> None:
    procedure_code = session.scalar(select(Dossier.procedure_code).join(Component, Component.dossier_id == Dossier.id)
                                    .where(Component.document_id == document.id).limit(1))
    if procedure_code:
        document.procedure_code = procedure_code
        document.sector = (catalog.procedures.get(procedure_code) or {}).get("sector")


# ---------------------------------------------------------------- what people do


# ---------------------------------------------------------------- results


