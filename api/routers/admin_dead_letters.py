"""Admin API: dead letters — documents given up after their last processing attempt, and sending
them back once the cause (a damaged original, a storage outage, a bug) is dealt with."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import DocumentId, Offset
from api.policy import DOCUMENT
from api.schemas import DocumentSummary, ErrorOut, document_links
from catalog import documents as docs
from catalog.audit import Actor, record
from catalog.models import Document
from catalog.owners import owner_ref
from catalog.users import Role

router = APIRouter(prefix="/api/v1/admin/dead-letters", tags=["admin: processing"])

Archivist = Annotated[Actor, require(Role.archivist)]
Reviver = Annotated[Actor, require(Role.archivist, writes=DOCUMENT)]


class DeadLetterOut(BaseModel):
    id: str
    filename: str
    media_type: str
    attempts: int
    error: ErrorOut
    dossier_codes: list[str]
    created_at: datetime
    failed_at: datetime
    links: dict[str, str]

    @classmethod
    def of(cls, d: Document) -> DeadLetterOut:
        return cls(id=d.id, filename=d.filename, media_type=d.media_type, attempts=d.attempts,
                   error=ErrorOut(code=d.error_code, message=d.error_message or ""),
                   dossier_codes=sorted({c.dossier.code for c in d.components}), created_at=d.created_at,
                   failed_at=d.updated_at, links=document_links(d.id))


@router.get("", response_model=list[DeadLetterOut])
def list_dead_letters(actor: Archivist, session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                      offset: Offset = 0) -> list[DeadLetterOut]:
    """Newest first."""
    found = [DeadLetterOut.of(d) for d in docs.dead_letters(session, limit=limit, offset=offset)]
    shown = [d.id for d in found]  # file names name people
    record(session, actor, "dead_letter.list", "document", None, None, shown=shown,
           cross_office=policy.documents_cross_office(session, actor, shown))
    return found


@router.post("/{document_id}/retry", response_model=DocumentSummary, status_code=status.HTTP_202_ACCEPTED)
def retry(document_id: DocumentId, actor: Reviver, services: ServicesDep) -> DocumentSummary:
    """Queue the document again with fresh attempts."""
    with services.db.session() as s:
        document = docs.revive(s, document_id)
        record(s, actor, "document.retry", "document", document.id, owner_ref(document.owner))
        out = DocumentSummary.of(document)
    services.queue.submit(document_id)  # after the commit: a worker must find it pending
    return out
