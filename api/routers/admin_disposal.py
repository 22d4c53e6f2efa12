"""Admin API: disposal batches — an archivist proposes, an admin approves, execution destroys and
issues the certificate; and the tombstones that remain."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.inputs import Input
from api.params import DocumentId, Offset, RowId
from catalog.audit import Actor, record
from catalog.records_models import BatchState, DisposalBatch, Tombstone
from catalog.users import Role
from core.errors import Conflict, NotFound
from records import disposal

router = APIRouter(prefix="/api/v1/admin", tags=["admin: disposal"])

Archivist = Annotated[Actor, require(Role.archivist)]
Admin = Annotated[Actor, require()]


class BatchIn(Input):
    document_ids: list[str] = Field(min_length=1, max_length=disposal.MAX_BATCH)
    note: str | None = Field(None, max_length=2000, description="What the batch is and why")


class DecisionIn(Input):
    note: str | None = Field(None, max_length=2000)


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document_id: str
    rule_id: int
    event_date: date | None
    due_on: date | None
    state: str
    reason: str | None
    done_at: datetime | None


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    state: str
    note: str | None
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    executed_by: str | None
    execution_started_at: datetime | None
    completed_at: datetime | None
    certificate_json_sha256: str | None
    certificate_pdf_sha256: str | None
    items: list[ItemOut] = []


class TombstoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    document_id: str
    batch_id: int
    rule_id: int
    disposed_at: datetime
    sha256: str
    size: int
    media_type: str
    document_type_code: str | None
    digitization_code: str | None
    owner_ref: str | None
    facts: dict[str, Any]


def _out(session, batch: DisposalBatch, with_items: bool = True) -> BatchOut:
    out = BatchOut.model_validate(batch)
    if with_items:
        out.items = [ItemOut.model_validate(i) for i in disposal.batch_items(session, batch.id)]
    return out


@router.post("/disposal/batches", response_model=BatchOut, status_code=status.HTTP_201_CREATED)
def propose(body: BatchIn, actor: Archivist, services: ServicesDep, session: SessionDep) -> BatchOut:
    """Propose documents for destruction: all must be past retention and free of holds (else 409),
    and of offices within the proposer's scope (else 403)."""
    for document_id in dict.fromkeys(body.document_ids):
        policy.ensure_document_write(session, actor, document_id)
    batch = disposal.propose_batch(session, actor, body.document_ids, body.note, services.settings.agency_code)
    return _out(session, batch)


@router.get("/disposal/batches", response_model=list[BatchOut])
def list_batches(actor: Archivist, session: SessionDep, state: BatchState | None = None,
                 offset: Offset = 0,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[BatchOut]:
    return [_out(session, b, with_items=False)
            for b in disposal.list_batches(session, state=state, offset=offset, limit=limit)]


@router.get("/disposal/batches/{batch_id}", response_model=BatchOut)
def read_batch(batch_id: RowId, actor: Archivist, session: SessionDep) -> BatchOut:
    return _out(session, disposal.get_batch(session, batch_id))


@router.post("/disposal/batches/{batch_id}/approve", response_model=BatchOut)
def approve(batch_id: RowId, body: DecisionIn, actor: Admin, session: SessionDep) -> BatchOut:
    """An admin other than the proposer approves; every document is checked again (409 if one is not due)."""
    return _out(session, disposal.approve_batch(session, actor, batch_id, body.note))


@router.post("/disposal/batches/{batch_id}/reject", response_model=BatchOut)
def reject(batch_id: RowId, body: DecisionIn, actor: Admin, session: SessionDep) -> BatchOut:
    return _out(session, disposal.reject_batch(session, actor, batch_id, body.note))


@router.post("/disposal/batches/{batch_id}/execute", response_model=BatchOut)
async def execute(batch_id: RowId, actor: Archivist, services: ServicesDep) -> BatchOut:
    """Destroy an approved batch (or finish one that was cut short) and issue its certificate."""
    await run_in_threadpool(disposal.execute_batch, services, batch_id, actor)

    def read() -> BatchOut:
        with services.db.session() as s:
            return _out(s, disposal.get_batch(s, batch_id))

    return await run_in_threadpool(read)


@router.get("/disposal/batches/{batch_id}/certificate", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "application/json": {}}}})
def certificate(batch_id: RowId, actor: Archivist, services: ServicesDep, session: SessionDep,
                format: Literal["pdf", "json"] = "pdf") -> Response:
    """The disposal certificate: a PDF to print and sign, or its JSON record."""
    batch = disposal.get_batch(session, batch_id)
    if batch.state != BatchState.completed.value:
        raise Conflict("no_certificate", f"Đợt huỷ {batch.code} chưa hoàn thành nên chưa có biên bản.")
    key = batch.certificate_pdf_key if format == "pdf" else batch.certificate_json_key
    with services.store.open(key) as f:
        data = f.read()
    listed = [i.document_id for i in disposal.batch_items(session, batch.id)]
    record(session, actor, "disposal.certificate_read", "disposal_batch", batch.code, None, format=format,
           cross_office=policy.documents_cross_office(session, actor, listed))
    media_type = "application/pdf" if format == "pdf" else "application/json"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'inline; filename="{batch.code}.{format}"'})


@router.get("/tombstones/{document_id}", response_model=TombstoneOut)
def tombstone(document_id: DocumentId, actor: Archivist, session: SessionDep) -> TombstoneOut:
    """What remains of a destroyed document: codes, hash, dates, and the rule and batch that ended it."""
    stone = session.get(Tombstone, document_id)
    if stone is None:
        raise NotFound("tombstone_not_found", f"Tài liệu '{document_id}' chưa bị huỷ.")
    record(session, actor, "tombstone.read", "document", document_id, stone.owner_ref,
           cross_office=policy.documents_cross_office(session, actor, [document_id]))
    return TombstoneOut.model_validate(stone)
