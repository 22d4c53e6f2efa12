"""The national portal: a dossier's sync record, the outbox of records waiting for the portal,
and papers taken from the national data store into a dossier's checklist."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from starlette.concurrency import run_in_threadpool

from api import policy
from api.auth import require
from api.error_responses import ErrorBody
from api.deps import ServicesDep, SessionDep
from api.params import DossierCode, Offset
from api.policy import DOSSIER
from api.portal_schemas import NationalStoreTake, OutboxOut, OutboxRowOut, SyncRecordOut
from api.schemas import AcceptedOut, UploadOut, document_links
from catalog import outbox
from catalog.audit import Actor, record
from catalog.dossiers import get_dossier
from catalog.owners import owner_ref
from catalog.portal_models import OutboxStatus
from catalog.portal_record import sync_record
from catalog.users import Role
from ingest import national_store

router = APIRouter(tags=["national portal"])

Reader = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]
Filing = Annotated[Actor, require(Role.counter, Role.handler, writes=DOSSIER)]
Admin = Annotated[Actor, require(Role.admin)]


@router.get("/api/v1/dossiers/{code}/sync-record", response_model=SyncRecordOut)
def read_sync_record(code: DossierCode, actor: Reader, services: ServicesDep, session: SessionDep) -> SyncRecordOut:
    """The dossier in the shape of the national public-service portal's status sync (what the
    outbox sends at each change, with file links from SOHOA_PUBLIC_URL)."""
    dossier = get_dossier(session, code)
    found = sync_record(session, dossier, services.settings.public_url)
    record(session, actor, "dossier.sync_record_read", "dossier", code, owner_ref(dossier.owner),
           cross_office=policy.cross_office(actor, [dossier.office_code]))
    return SyncRecordOut(**found)


@router.post("/api/v1/dossiers/{code}/components/national-store", status_code=status.HTTP_202_ACCEPTED,
             response_model=UploadOut, responses={503: {"model": ErrorBody, "description": "The national data "
                                                        "store did not answer (national_store_unavailable)"}})
async def take_from_national_store(code: DossierCode, body: NationalStoreTake, actor: Filing,
                                   services: ServicesDep) -> UploadOut:
    """Take the owner's paper of a document type from the national data store into the dossier
    (for a checklist item): stored like an upload, marked DuocLayTuKhoDMQG with its national code,
    approved and offered for reuse once digitized. 409 ``national_store_disabled`` when no store
    is configured, 404 ``national_paper_not_found`` when the store has no such paper."""
    accepted = await run_in_threadpool(national_store.take, services, code, body.component_code,
                                       body.document_type_code, actor)
    return UploadOut(dossier_code=code, documents=[
        AcceptedOut(id=accepted.document_id, filename=accepted.filename, status=accepted.status,
                    duplicate=accepted.duplicate, page_count=accepted.page_count,
                    links=document_links(accepted.document_id))])


@router.get("/api/v1/admin/sync-outbox", response_model=OutboxOut, tags=["admin: processing"])
def list_outbox(actor: Admin, services: ServicesDep, session: SessionDep,
                status_filter: Annotated[list[OutboxStatus] | None, Query(alias="status")] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 100, offset: Offset = 0) -> OutboxOut:
    """Sync records per status and the rows, newest first (no record content: it names citizens)."""
    found = outbox.rows(session, [s.value for s in status_filter or []], limit=limit, offset=offset)
    return OutboxOut(portal_configured=services.portal is not None, counts=outbox.counts(session),
                     rows=[OutboxRowOut.of(r) for r in found])


@router.post("/api/v1/admin/sync-outbox/{row_id}/requeue", response_model=OutboxRowOut, tags=["admin: processing"])
def requeue_outbox_row(row_id: Annotated[int, Path(ge=1, le=2**31 - 1)], actor: Admin,
                       session: SessionDep) -> OutboxRowOut:
    """Send a dead sync record again (attempts from zero)."""
    return OutboxRowOut.of(outbox.requeue(session, row_id, actor))
