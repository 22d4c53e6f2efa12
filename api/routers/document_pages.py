"""One page of a digitized paper as an image, so the viewer can show the scan beside its text."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.auth import require
from api.deps import ServicesDep
from api.params import DocumentId
from catalog.audit import Actor, record
from catalog.documents import get_document
from catalog.owners import owner_ref
from catalog.users import Role
from core.errors import Conflict, NotFound, Unavailable
from ocr.preview import page_png

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

Reader = Annotated[Actor, require(Role.counter, Role.handler, Role.archivist)]


@router.get("/{document_id}/pages/{number}.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
async def page_image(document_id: DocumentId, number: Annotated[int, Path(ge=1, le=10_000)], actor: Reader,
                     services: ServicesDep, width: Annotated[int, Query(ge=200, le=2000)] = 1000) -> Response:
    """Page ``number`` of the searchable PDF (the scan as digitized), ``width`` pixels wide."""

    def _load() -> bytes:
        with services.db.session() as s:
            document = get_document(s, document_id)
            if document.status != "ready":
                raise Conflict("not_ready", "Tài liệu đang được xử lý, chưa xem được trang. Vui lòng chờ.")
            if number > document.page_count:
                raise NotFound("page_not_found", f"Tài liệu chỉ có {document.page_count} trang.")
            offices = {c.dossier.office_code for c in document.components}
            record(s, actor, "document.page", "document", document.id, owner_ref(document.owner),
                   cross_office=bool(offices) and actor.office_code not in offices, page=number)
            key = document.pdf_key
        with services.store.open(key) as f:
            return f.read()

    pdf = await run_in_threadpool(_load)
    try:
        png = await run_in_threadpool(page_png, pdf, number, width)
    except IndexError:
        raise NotFound("page_not_found", "Không có trang này trong bản PDF.") from None
    except ValueError:
        raise Unavailable("pdf_unreadable", "Không đọc được bản PDF của tài liệu. Báo quản trị viên kiểm tra "
                                            "toàn vẹn tệp lưu trữ.") from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})
