"""Batch scanning: separator sheets for a dossier, a whole-dossier scan, and its split."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.inputs import Input
from api.params import DocumentId, DossierCode
from api.policy import DOCUMENT, DOSSIER
from api.schemas import AcceptedOut, document_links
from catalog.audit import Actor, record
from catalog.documents import get_document
from catalog.dossiers import get_dossier
from catalog.owners import owner_ref
from catalog.users import Role
from core.errors import Conflict
from ingest import coding, splitting
from ingest.intake import Upload, accept

router = APIRouter(prefix="/api/v1", tags=["batch scanning"])

Intake = Annotated[Actor, require(Role.counter, Role.handler)]
Filing = Annotated[Actor, require(Role.counter, Role.handler, writes=DOSSIER)]
Splitting = Annotated[Actor, require(Role.counter, Role.handler, writes=DOCUMENT)]


class SegmentIn(Input):
    pages: list[int] = Field(..., min_length=1, description="1-based page numbers of the batch")
    component_code: str | None = Field(None, max_length=40)


class SplitIn(Input):
    segments: list[SegmentIn] | None = Field(None, description="Omit to accept the proposed split")


class SplitOut(BaseModel):
    batch_id: str
    documents: list[str]


@router.get("/dossiers/{code}/separators.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def separators(code: DossierCode, actor: Intake, session: SessionDep) -> Response:
    """The checklist page and one QR separator sheet per component of the dossier's procedure."""
    dossier = get_dossier(session, code)
    record(session, actor, "dossier.separators", "dossier", dossier.code, owner_ref(dossier.owner),
           cross_office=policy.cross_office(actor, [dossier.office_code]))
    checklist = splitting.checklist_of(session, dossier)
    pdf = splitting.separator_sheets_pdf(dossier.code, dossier.procedure.name, list(checklist.values()))
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="to-phan-cach-{dossier.code}.pdf"'})


@router.post("/dossiers/{code}/batch", status_code=status.HTTP_202_ACCEPTED, response_model=AcceptedOut)
async def upload_batch(code: DossierCode, actor: Filing, services: ServicesDep,
                       file: Annotated[UploadFile, File(description="The whole dossier scanned in one pass")]
                       ) -> AcceptedOut:
    """Accept a whole-dossier scan; after OCR it is split at separator sheets, or a split is
    proposed (see the document's ``fields.split``) for the officer to confirm."""

    def _accept():
        with services.db.session() as s:
            dossier = get_dossier(s, code)
            owner_id, dossier_id = dossier.owner_id, dossier.id
        return accept(services, [Upload(file.file, file.filename)], owner_id, dossier_id, None, actor=actor,
                      kind="batch")[0]

    a = await run_in_threadpool(_accept)
    return AcceptedOut(id=a.document_id, filename=a.filename, status=a.status, duplicate=a.duplicate,
                       page_count=a.page_count, links=document_links(a.document_id))


@router.post("/documents/{document_id}/split", response_model=SplitOut)
async def split(document_id: DocumentId, body: SplitIn, actor: Splitting, services: ServicesDep) -> SplitOut:
    """Confirm (or correct) how a batch scan divides into papers, and create them."""

    def _split() -> SplitOut:
        with services.db.session() as s:
            batch = get_document(s, document_id)
            if batch.kind != "batch":
                raise Conflict("not_a_batch", "Tài liệu này không phải bản quét cả hồ sơ.")
            plan = (batch.fields or {}).get("split")
            if batch.status != "ready" or plan is None:
                raise Conflict("not_ready", "Bản quét đang được xử lý; vui lòng chờ.")
            if plan.get("applied"):
                raise Conflict("already_split", "Bản quét này đã được tách.")
            component = batch.components[0] if batch.components else None
            checklist = splitting.checklist_of(s, component.dossier) if component else {}
            if body.segments is None:
                segments = [splitting.Segment(x["pages"], x["component_code"]) for x in plan["segments"]]
            else:
                segments = [splitting.Segment(x.pages, x.component_code) for x in body.segments]
            splitting.validate_segments(segments, batch.page_count, checklist)
            record(s, actor, "document.split", "document", batch.id, owner_ref(batch.owner),
                   segments=[x.to_json() for x in segments])
        created = splitting.split_batch(services, document_id, segments, actor)
        coding.mark_split(services, document_id, {**plan, "segments": [x.to_json() for x in segments]},
                                actor.username)
        return SplitOut(batch_id=document_id, documents=created)

    return await run_in_threadpool(_split)
