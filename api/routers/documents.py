from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api import policy
from api.auth import require
from api.deps import ServicesDep, SessionDep
from api.params import DocumentId
from api.schemas import DocumentOut
from catalog.audit import Actor, record
from catalog.documents import get_document
from catalog.models import Document
from catalog.owners import owner_ref
from catalog.users import Role
from core.errors import Conflict, NotFound
from records.signatures import verify_document

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

Reader = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]
CHUNK = 256 * 1024


def _audit_read(session, actor: Actor, document: Document, action: str, **details) -> None:
    record(session, actor, action, "document", document.id, owner_ref(document.owner),
           cross_office=policy.documents_cross_office(session, actor, [document.id]), **details)


@router.get("/{document_id}", response_model=DocumentOut)
def read_document(document_id: DocumentId, actor: Reader, session: SessionDep) -> DocumentOut:
    document = get_document(session, document_id)
    _audit_read(session, actor, document, "document.read")
    return DocumentOut.of(document)


@router.get("/{document_id}/file", response_class=StreamingResponse,
            responses={200: {"content": {"application/pdf": {}, "image/*": {}, "text/plain": {}}}})
def download(document_id: DocumentId, actor: Reader, services: ServicesDep, session: SessionDep,
             variant: Literal["original", "pdf", "text", "signed"] = "original") -> StreamingResponse:
    """The original upload, the searchable PDF, its text, or the signed copy (verified as it is
    served: ``X-Signature-Status`` says what the check found)."""
    document = get_document(session, document_id)
    if variant != "original" and document.status != "ready":
        raise Conflict("not_ready", "Tài liệu đang được xử lý, chưa có bản PDF/văn bản. Vui lòng chờ.")
    headers = {}
    if variant == "signed":
        signature = verify_document(services, session, document.id, "download", actor)
        if signature is None:
            raise NotFound("not_signed", "Tài liệu chưa có bản ký số (chưa được duyệt hoặc chưa cấu hình khoá ký).")
        headers["X-Signature-Status"] = signature.status
    key, media_type, name = {
        "original": (document.original_key, document.media_type, document.filename),
        "pdf": (document.pdf_key, "application/pdf", _stem(document.filename) + ".pdf"),
        "text": (document.text_key, "text/plain; charset=utf-8", _stem(document.filename) + ".txt"),
        "signed": (document.signature.key if document.signature else "", "application/pdf",
                   _stem(document.filename) + ".signed.pdf"),
    }[variant]
    size = services.store.size(key)
    _audit_read(session, actor, document, "document.download", variant=variant)

    def body():
        with services.store.open(key) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    disposition = f"inline; filename*=UTF-8''{quote(name)}"
    return StreamingResponse(body(), media_type=media_type,
                             headers={"Content-Disposition": disposition, "Content-Length": str(size), **headers})


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0] if "." in filename else filename
