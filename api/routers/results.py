"""Results (kết quả giải quyết) of a dossier: attached under a catalog result code, handed over."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api import policy
from api.auth import require
from api.coding_schemas import ResultOut
from api.deps import ServicesDep, SessionDep
from api.params import NO_NUL, DossierCode, RowId
from api.policy import DOSSIER
from catalog import results
from catalog.audit import Actor, record
from catalog.coding import DossierResult
from catalog.dossiers import get_dossier
from catalog.models import Document
from catalog.owners import owner_ref
from catalog.record_dates import check_record_dates
from catalog.users import Role
from ingest.intake import Upload, accept
from records.signatures import sign_issued_result_or_leave

router = APIRouter(prefix="/api/v1/dossiers", tags=["results"])

Handler = Annotated[Actor, require(Role.handler, writes=DOSSIER)]
Reader = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]
Counter = Annotated[Actor, require(Role.counter, Role.handler, writes=DOSSIER)]


def result_out(row: DossierResult, document: Document) -> ResultOut:
    return ResultOut(id=row.id, result_code=row.result_code, document_id=document.id,
                     digitization_code=document.digitization_code, document_number=document.document_number,
                     issue_date=document.issue_date, valid_until=document.valid_until, permanent=document.permanent,
                     replaces_document_id=row.replaces_document_id, handed_over_at=row.handed_over_at,
                     handed_over_by=row.handed_over_by, created_at=row.created_at, created_by=row.created_by)


@router.post("/{code}/results", status_code=status.HTTP_201_CREATED, response_model=ResultOut)
async def attach_result(
    code: DossierCode,
    actor: Handler,
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="The signed result document (PDF or scan)")],
    result_code: Annotated[str, Form(max_length=40, pattern=NO_NUL, description="Result code from the catalog")],
    document_number: Annotated[str | None, Form(max_length=64, pattern=NO_NUL, description="Số, ký hiệu, e.g. 123/QĐ-BHXH")] = None,
    issue_date: Annotated[date | None, Form()] = None,
    valid_until: Annotated[date | None, Form()] = None,
    replaces_code: Annotated[str | None, Form(max_length=80, pattern=NO_NUL, description="Digitization code of the result "
                                                                          "this one replaces")] = None,
) -> ResultOut:
    """Attach a result document; it requires a result code of the dossier's procedure."""

    check_record_dates(issue_date, valid_until)

    def _attach() -> ResultOut:
        with services.db.session() as s:
            dossier = get_dossier(s, code)
            owner_id = dossier.owner_id
            # Check the code before storing anything: a wrong code is refused without a trace.
            results.check_result(s, dossier, result_code, replaces_code, valid_until)
        accepted = accept(services, [Upload(file.file, file.filename)], owner_id, actor=actor)
        with services.db.session() as s:
            row = results.attach_result(s, code, accepted[0].document_id, result_code=result_code,
                                             document_number=document_number, issue_date=issue_date,
                                             valid_until=valid_until, replaces_code=replaces_code, actor=actor)
            document = s.get(Document, row.document_id)
            sign_issued_result_or_leave(services, s, document, actor)  # already digitized (same bytes): sign now
            return result_out(row, document)

    return await run_in_threadpool(_attach)


@router.get("/{code}/results", response_model=list[ResultOut])
def list_results(code: DossierCode, actor: Reader, session: SessionDep) -> list[ResultOut]:
    dossier = get_dossier(session, code)
    rows = results.results_of(session, dossier.id)
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_([r.document_id for r in rows])))}
    record(session, actor, "dossier.results", "dossier", dossier.code, owner_ref(dossier.owner),
           shown=[r.document_id for r in rows], cross_office=policy.cross_office(actor, [dossier.office_code]))
    return [result_out(r, documents[r.document_id]) for r in rows]


@router.post("/{code}/results/{result_id}/handover", response_model=ResultOut)
def hand_over(code: DossierCode, result_id: RowId, actor: Counter, session: SessionDep) -> ResultOut:
    """Record that the result was handed to the citizen (from then on it is visible to them)."""
    row = results.hand_over(session, code, result_id, actor)
    return result_out(row, session.get(Document, row.document_id))
