"""The counter's and reviewer's side of coding: confirm the type, correct the record, review,
and the catalog lists a counter picks from (document types, a procedure's components/results)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from api import policy
from api.auth import require
from api.coding_schemas import RecordUpdate, ReviewIn, TypeConfirm
from api.deps import ServicesDep, SessionDep
from api.params import DocumentId, OwnerCode
from api.policy import DOCUMENT
from api.schemas import DocumentOut
from catalog import classifier, review
from catalog.audit import Actor, record
from catalog.catalogs import active_catalog
from catalog.documents import get_document
from catalog.indexing import load_indexed
from catalog.owners import find_owner, owner_ref
from catalog.users import Role
from core.errors import NotFound
from records import signatures

router = APIRouter(prefix="/api/v1", tags=["coding"])

Staff = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]
Reviewer = Annotated[Actor, require(Role.handler, Role.archivist, writes=DOCUMENT)]
Editor = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist, writes=DOCUMENT)]


@router.post("/documents/{document_id}/type", response_model=DocumentOut)
def confirm_type(document_id: DocumentId, body: TypeConfirm, actor: Editor, services: ServicesDep) -> DocumentOut:
    """Confirm or correct the proposed document type; corrections retrain the classifier."""
    with services.db.session() as s:
        review.confirm_type(s, document_id, body.code, actor)
        catalog = active_catalog(s)
        pending = classifier.corrections_since_model(s, catalog.version_id)
        threshold = catalog.policy_value("retrain_after_corrections", 20)
    if pending >= threshold:
        classifier.retrain_in_background(services.db, services.store)
    return reindexed(services, document_id)


def reindexed(services, document_id: str) -> DocumentOut:
    """The search index carries the type: bring it up to date after a person's change."""
    with services.db.session() as s:
        document = get_document(s, document_id)
        if document.status == "ready":
            services.index.upsert([load_indexed(s, document_id)])
        return DocumentOut.of(document)


@router.patch("/documents/{document_id}/record", response_model=DocumentOut)
def update_record(document_id: DocumentId, body: RecordUpdate, actor: Editor, services: ServicesDep) -> DocumentOut:
    """Correct the paper record (number, dates, agency, validity, national-store code...)."""
    with services.db.session() as s:
        review.update_record(s, document_id, body.model_dump(exclude_unset=True), actor)
    return reindexed(services, document_id)


@router.post("/documents/{document_id}/review", response_model=DocumentOut)
def review_document(document_id: DocumentId, body: ReviewIn, actor: Reviewer, services: ServicesDep,
                    session: SessionDep) -> DocumentOut:
    """Approve a digitized paper (only approved papers are offered for reuse) or reject it; an
    approved paper's searchable PDF is signed with the agency's key, in the same transaction."""
    document = review.review(session, document_id, body.decision == "approved", body.note, actor)
    if body.decision == "approved":
        signatures.sign_document(services, session, document, "approval", actor)
        session.flush()
        session.refresh(document, ["signature"])
    return DocumentOut.of(document)


@router.get("/owners/{code}/reusable", response_model=list[DocumentOut])
def reusable(code: OwnerCode, actor: Staff, session: SessionDep) -> list[DocumentOut]:
    """Approved, still valid papers of an owner (personal ID or social-insurance code)."""
    owner = find_owner(session, code)
    if owner is None:
        raise NotFound("owner_not_found", "Không tìm thấy chủ sở hữu với mã này.")
    documents = review.reusable_documents(session, owner.id)
    shown = [d.id for d in documents]
    record(session, actor, "owner.reusable", "owner", str(owner.id), owner_ref(owner), shown=shown,
           cross_office=policy.documents_cross_office(session, actor, shown))
    return [DocumentOut.of(d) for d in documents]


@router.get("/catalog/document-types")
def document_types(actor: Staff, session: SessionDep) -> dict[str, Any]:
    """Document types of the catalog in force (what the counter picks from)."""
    catalog = active_catalog(session)
    return {"version": catalog.label, "sample": catalog.sample,
            "document_types": [{"code": c, "name": r["name"], "group": r["group"], "kind": r["kind"]}
                               for c, r in sorted(catalog.document_types.items())]}


@router.get("/catalog/procedures/{code}")
def procedure(code: str, actor: Staff, session: SessionDep) -> dict[str, Any]:
    """A procedure with its required components and result codes, from the catalog in force."""
    catalog = active_catalog(session)
    row = catalog.procedures.get(code)
    if row is None:
        raise NotFound("unknown_procedure", f"Không có thủ tục mã '{code}' trong danh mục.")
    return {"version": catalog.label, "sample": catalog.sample, **row,
            "components": catalog.components_of(code), "results": catalog.results_of(code)}
