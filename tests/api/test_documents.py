"""Reading documents back: status, text, and the three file variants."""
from __future__ import annotations

import io

import pdfplumber

from tests import samples
from tests.api.test_upload import upload
from tests.conftest import open_dossier, wait_document


def test_read_back_original_pdf_and_text(client):
    dossier = open_dossier(client)["code"]
    png = samples.png_page()
    doc = upload(client, dossier, ("Giấy khai sinh.png", png)).json()["documents"][0]
    body = wait_document(client, doc["id"])
    assert body["status"] == "ready" and body["page_count"] == 1
    assert body["mean_confidence"] > 50
    assert "Nguyễn Văn Đức" in body["text"]
    assert body["dossier_codes"] == [dossier]

    original = client.get(body["links"]["original"])
    assert original.status_code == 200 and original.content == png
    assert original.headers["content-type"] == "image/png"
    assert "filename*=UTF-8''Gi%E1%BA%A5y" in original.headers["content-disposition"]

    pdf = client.get(body["links"]["pdf"])
    assert pdf.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(pdf.content)) as parsed:
        assert "Đức" in parsed.pages[0].extract_text()

    text = client.get(body["links"]["text"])
    assert text.headers["content-type"].startswith("text/plain") and "Nguyễn Văn Đức" in text.text


def test_variants_wait_for_processing_and_unknown_ids_404(client):
    assert client.get("/api/v1/documents/nope").status_code == 404
    r = client.get("/api/v1/documents/nope/file?variant=original")
    assert r.status_code == 404 and r.json()["code"] == "document_not_found"
    dossier = open_dossier(client)["code"]
    doc = upload(client, dossier, ("a.png", samples.png_page())).json()["documents"][0]
    r = client.get(f"/api/v1/documents/{doc['id']}/file?variant=bogus")
    assert r.status_code == 422


def test_unreadable_scan_is_marked_failed_with_a_reason(client):
    dossier = open_dossier(client)["code"]
    data = samples.truncated_pdf()
    r = upload(client, dossier, ("cut.pdf", data))
    if r.status_code == 400:  # refused up front: also acceptable, nothing stored
        assert r.json()["code"] == "corrupt_pdf"
        return
    body = wait_document(client, r.json()["documents"][0]["id"])
    assert body["status"] in ("ready", "failed")
    if body["status"] == "failed":
        assert body["error"]["code"] and body["error"]["message"]
