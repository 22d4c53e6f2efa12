"""Reuse at intake: a dossier's checklist with the owner's earlier papers, and attaching one."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import DossierCode
from api.policy import DOSSIER
from api.reuse_schemas import ChecklistOut, ReuseIn
from api.schemas import DossierOut
from catalog import indexing, reuse
from catalog.audit import Actor, record
from catalog.dossiers import get_dossier
from catalog.owners import owner_ref
from catalog.users import Role
from records.signatures import verify_document, verify_owner

router = APIRouter(prefix="/api/v1/dossiers", tags=["reuse"])

Filing = Annotated[Actor, require(Role.counter, Role.handler, writes=DOSSIER)]
Reader = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]


@router.get("/{code}/checklist", response_model=ChecklistOut)
def checklist(code: DossierCode, actor: Reader, services: ServicesDep, session: SessionDep) -> ChecklistOut:
    """The procedure's components: what is attached, and for each reusable component the owner's
    approved, still valid papers of its type (newest first, with the dossier each came from)."""
    dossier = get_dossier(session, code)
    verify_owner(services, session, dossier.owner_id, actor)  # what is offered was checked just now
    found = reuse.checklist(session, dossier)
    shown = found.shown_documents()  # the owner's papers it showed
    record(session, actor, "dossier.checklist", "dossier", dossier.code, owner_ref(dossier.owner), shown=shown,
           cross_office=policy.cross_office(actor, [dossier.office_code])
           or policy.documents_cross_office(session, actor, shown))
    return ChecklistOut.of(found, national_store=services.national_store is not None)


@router.post("/{code}/components/reuse", status_code=status.HTTP_201_CREATED, response_model=DossierOut)
def attach_candidate(code: DossierCode, body: ReuseIn, actor: Filing, services: ServicesDep) -> DossierOut:
    """File one of the owner's earlier papers as a component: no upload, nothing copied; the
    component records that it was reused and from which dossier."""
    with services.db.session() as s:  # its own transaction: a refusal below keeps what the check found
        dossier = get_dossier(s, code)
        if reuse.owned_by(s, body.document_id, dossier.owner_id):
            verify_document(services, s, body.document_id, "reuse", actor)
    with services.db.session() as s:
        dossier = get_dossier(s, code)
        component = reuse.attach(s, dossier, body.document_id, body.component_code, actor)
        document_id = component.document_id
    indexing.refresh(services.db, services.index, [document_id])  # now also found under this dossier
    with services.db.session() as s:
        return DossierOut.of(get_dossier(s, code))
