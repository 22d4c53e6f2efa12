from __future__ import annotations

from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import selectinload

from api.deps import ServicesDep, SessionDep
from api.schemas import DocumentOut
from catalog.documents import get_document
from sohoa.errors import Rejected

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

CHUNK = 256 * 1024


@router.get("/{document_id}", response_model=DocumentOut)
def read_document(document_id: str, session: SessionDep) -> DocumentOut:
    return DocumentOut.of(get_document(session, document_id))


@router.get("/{document_id}/file", response_class=StreamingResponse,
            responses={200: {"content": {"application/pdf": {}, "image/*": {}, "text/plain": {}}}})
def download(document_id: str, services: ServicesDep, session: SessionDep,
             variant: Literal["original", "pdf", "text"] = "original") -> StreamingResponse:
    document = get_document(session, document_id)
    if variant != "original" and document.status != "ready":
        raise Rejected(409, "not_ready", "Tài liệu đang được xử lý, chưa có bản PDF/văn bản. Vui lòng chờ.")
    key, media_type, name = {
        "original": (document.original_key, document.media_type, document.filename),
        "pdf": (document.pdf_key, "application/pdf", _stem(document.filename) + ".pdf"),
        "text": (document.text_key, "text/plain; charset=utf-8", _stem(document.filename) + ".txt"),
    }[variant]
    size = services.store.size(key)

    def body():
        with services.store.open(key) as f:
            while chunk := f.read(CHUNK):
                yield chunk

    disposition = f"inline; filename*=UTF-8''{quote(name)}"
    return StreamingResponse(body(), media_type=media_type,
                             headers={"Content-Disposition": disposition, "Content-Length": str(size)})


def _stem(filename: str) -> str:
    return filename.rsplit(".", 1)[0] if "." in filename else filename
