from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import DocumentId, DossierCode
from api.policy import DOSSIER
from api.register_schemas import register_view
from api.reuse_schemas import ChecklistOut, DossierCreatedOut
from api.schemas import AcceptedOut, DossierCreate, DossierOut, UploadOut, document_links
from catalog import reuse
from catalog.audit import Actor, record
from catalog.components import remove_component
from catalog.dossiers import get_dossier, open_dossier
from catalog.owners import get_or_create_owner, owner_ref
from catalog.users import Role
from core.errors import Invalid
from ingest.intake import Upload, accept

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"])

Intake = Annotated[Actor, require(Role.counter, Role.handler)]
Reader = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]
Filing = Annotated[Actor, require(Role.counter, Role.handler, writes=DOSSIER)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DossierCreatedOut)
def create_dossier(body: DossierCreate, actor: Intake, services: ServicesDep, session: SessionDep) -> DossierCreatedOut:
    """Open a dossier; the answer carries the procedure's checklist with, per component, the
    owner's earlier papers that can be reused instead of scanned again."""
    owner = get_or_create_owner(session, body.owner.personal_id, body.owner.social_insurance_code,
                                body.owner.full_name)
    dossier = open_dossier(session, services.settings.agency_code, body.procedure_code, owner,
                           body.channel.value, office_code=actor.office_code,
                           cutoff=services.settings.receipt_cutoff, received_by=actor.username, linked=body.linked)
    session.refresh(dossier)
    checklist = reuse.checklist(session, dossier)
    record(session, actor, "dossier.create", "dossier", dossier.code, owner_ref(owner),
           procedure=body.procedure_code, channel=body.channel.value, linked=body.linked,
           shown=checklist.shown_documents())
    return DossierCreatedOut(**DossierOut.of(dossier).model_dump(), checklist=ChecklistOut.of(
        checklist, national_store=services.national_store is not None))


@router.get("/{code}", response_model=DossierOut)
def read_dossier(code: DossierCode, actor: Reader, session: SessionDep) -> DossierOut:
    dossier = get_dossier(session, code)
    record(session, actor, "dossier.read", "dossier", code, owner_ref(dossier.owner),
           cross_office=policy.cross_office(actor, [dossier.office_code]))
    return DossierOut.of(dossier, register_view(session, dossier, actor))


@router.post("/{code}/components", status_code=status.HTTP_202_ACCEPTED, response_model=UploadOut)
async def upload_components(
    code: DossierCode,
    actor: Filing,
    services: ServicesDep,
    files: Annotated[list[UploadFile], File(description="PDF, JPEG, PNG or TIFF scans")],
    component_code: Annotated[str | None, Form(max_length=32)] = None,
) -> UploadOut:
    """Accept scans at once (202); OCR and indexing run in the background."""
    if len(files) > services.settings.max_files_per_upload:
        raise Invalid("too_many_files",
                          f"Mỗi lần tải tối đa {services.settings.max_files_per_upload} tệp.")

    def _accept() -> list:
        with services.db.session() as s:
            dossier = get_dossier(s, code)
            owner_id, dossier_id = dossier.owner_id, dossier.id
        return accept(services, [Upload(f.file, f.filename) for f in files], owner_id, dossier_id,
                      component_code, actor=actor)

    accepted = await run_in_threadpool(_accept)
    return UploadOut(dossier_code=code, documents=[
        AcceptedOut(id=a.document_id, filename=a.filename, status=a.status, duplicate=a.duplicate,
                    page_count=a.page_count, links=document_links(a.document_id))
        for a in accepted
    ])


@router.delete("/{code}/components/{document_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def remove(code: DossierCode, document_id: DocumentId, actor: Filing, session: SessionDep,
           reason: Annotated[Literal["rescanned", "misfiled"] | None, Query(
               description="rescanned: a better scan replaces it (the poor one leaves the review queue); "
                           "misfiled: it belongs to another dossier")] = None) -> Response:
    """Take a paper off the dossier while it is at the counter (a scan replaced by a better one, or a
    paper filed under the wrong dossier); the document stays in the archive. A dossier a handler has
    started is 409."""
    remove_component(session, code, document_id, actor, rescanned=reason == "rescanned")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
