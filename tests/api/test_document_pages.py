"""A page of a digitized paper as an image: rendered from the searchable PDF, audited, refused clearly."""
from __future__ import annotations

import io

from PIL import Image

from catalog.models import Document
from tests.conftest import open_dossier, wait_document
from tests.archive import Archive
from tests.samples import scanned_pdf


def test_a_page_of_a_ready_document_is_a_png_of_the_asked_width(client):
    code = open_dossier(client)["code"]
    r = client.post(f"/api/v1/dossiers/{code}/components",
                    files={"files": ("hai-trang.pdf", scanned_pdf([["GIẤY KHAI SINH"], ["Trang hai"]]), "application/pdf")})
    document = wait_document(client, r.json()["documents"][0]["id"])
    assert document["status"] == "ready" and document["page_count"] == 2
    r = client.get(f"/api/v1/documents/{document['id']}/pages/2.png", params={"width": 400})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert abs(Image.open(io.BytesIO(r.content)).width - 400) <= 1
    assert client.get(f"/api/v1/documents/{document['id']}/pages/3.png").json()["code"] == "page_not_found"
    assert client.get(f"/api/v1/documents/{document['id']}/pages/1.png?width=5000").status_code == 422
    with client.app.state.services.db.session() as s:
        from sqlalchemy import select

        from catalog.audit import AuditEntry
        pages = s.scalars(select(AuditEntry).where(AuditEntry.action == "document.page")).all()
    assert [p.object_id for p in pages] == [document["id"]]


def test_no_page_before_processing_of_a_broken_pdf_nor_of_an_unknown_document(client):
    archive = Archive(client)
    broken = archive.document(archive.dossier())  # its "PDF" is bytes PDFium cannot read
    r = client.get(f"/api/v1/documents/{broken}/pages/1.png")
    assert r.status_code == 503 and r.json()["code"] == "pdf_unreadable"
    with client.app.state.services.db.session() as s:
        s.get(Document, broken).status = "processing"
    r = client.get(f"/api/v1/documents/{broken}/pages/1.png")
    assert r.status_code == 409 and r.json()["code"] == "not_ready"
    assert client.get("/api/v1/documents/khong-co/pages/1.png").status_code == 404
