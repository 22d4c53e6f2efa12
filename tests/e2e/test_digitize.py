"""End to end: a rendered Vietnamese scan is uploaded, OCR'd, and found without diacritics."""
from __future__ import annotations

import io

import pdfplumber
import pytest

from tests import samples
from tests.api.test_upload import upload
from tests.conftest import OWNER_ID, open_dossier, wait_document
from tests.render import noisy, render_lines, skewed, encode

pytestmark = pytest.mark.e2e

BIRTH_CERTIFICATE = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "GIẤY KHAI SINH",
    "Họ, chữ đệm, tên: ĐẶNG VĂN ĐỨC",
    "Ngày, tháng, năm sinh: 05/04/2019",
    "Nơi sinh: Bệnh viện Sản Nhi tỉnh Phú Thọ",
    "Số định danh cá nhân: 001203004567",
]


def test_scan_is_found_by_a_query_typed_without_diacritics(client):
    dossier = open_dossier(client, full_name="Đặng Văn Đức")["code"]
    scan = encode(noisy(skewed(render_lines(BIRTH_CERTIFICATE), 1.5)), "JPEG", quality=85)
    other = samples.scanned_pdf([["QUYẾT ĐỊNH", "Về việc hưởng chế độ thai sản", "Bảo hiểm xã hội tỉnh Phú Thọ"]])
    r = upload(client, dossier, ("giay-khai-sinh.jpg", scan), ("quyet-dinh.pdf", other))
    assert r.status_code == 202
    birth, decision = (d["id"] for d in r.json()["documents"])
    assert wait_document(client, birth)["status"] == "ready"
    assert wait_document(client, decision)["status"] == "ready"

    hits = client.get("/api/v1/search", params={"q": "benh vien san nhi"}).json()
    assert [h["id"] for h in hits["hits"]] == [birth]
    assert any("<mark>" in snippet for snippet in hits["hits"][0]["highlights"])
    # The owner's name is on both records; the paper that carries it in its text ranks first.
    by_name = client.get("/api/v1/search", params={"q": "dang van duc"}).json()
    assert [h["id"] for h in by_name["hits"]][0] == birth

    by_owner = client.get("/api/v1/search", params={"owner": OWNER_ID}).json()
    assert {h["id"] for h in by_owner["hits"]} == {birth, decision}
    assert client.get("/api/v1/search", params={"owner": "079300001111"}).json()["total"] == 0

    thai_san = client.get("/api/v1/search", params={"q": "che do thai san"}).json()
    assert [h["id"] for h in thai_san["hits"]] == [decision]

    pdf = client.get(f"/api/v1/documents/{birth}/file", params={"variant": "pdf"})
    with pdfplumber.open(io.BytesIO(pdf.content)) as parsed:
        assert "GIẤY KHAI SINH" in parsed.pages[0].extract_text()
