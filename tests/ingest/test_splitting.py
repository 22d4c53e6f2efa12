"""Batch scanning: separator sheets (QR) and proposed boundaries, matched to the checklist."""
from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image

from ingest import splitting
from tests.conftest import open_dossier, wait_document
from tests.render import image_pdf, render_lines

CHECKLIST = {
    "1.000457.TP01": {"code": "1.000457.TP01", "name": "Danh sách 01B-HSB", "document_type_code": "BH07",
                      "mandatory": True},
    "1.000457.TP02": {"code": "1.000457.TP02", "name": "Giấy khai sinh", "document_type_code": "HT01",
                      "mandatory": False},
    "1.000457.TP04": {"code": "1.000457.TP04", "name": "Giấy ra viện", "document_type_code": "YT01",
                      "mandatory": False},
}


def page(type_code: str | None, score: float = 0.9, title: bool = False, owner: str | None = None) -> dict:
    return {"type": type_code, "score": score, "title": title, "owner": owner}


def test_boundaries_at_titles_type_and_owner_changes():
    pages = [page("HT01", title=True, owner="001203004567"), page("HT01", 0.3),          # a 2-page paper
             page("HT01", title=True, owner="001203004568"),                              # same type, other owner
             page("YT01", 0.8), page("YT01", 0.2), page("BH07", 0.9, title=True)]
    plan = splitting.propose_boundaries(pages, CHECKLIST)
    assert [s.pages for s in plan.segments] == [[1, 2], [3], [4, 5], [6]]
    assert [s.reason for s in plan.segments] == ["start", "owner_change", "type_change", "title"]
    assert [s.component_code for s in plan.segments] == ["1.000457.TP02", "1.000457.TP02", "1.000457.TP04",
                                                         "1.000457.TP01"]
    assert plan.missing_components == [] and not plan.by_separators


def test_missing_mandatory_components_are_reported():
    plan = splitting.propose_boundaries([page("HT01", title=True)], CHECKLIST)
    assert plan.missing_components == ["1.000457.TP01"]


def test_plan_from_separators_drops_the_sheets_and_flags_strangers():
    sep = splitting.separator_payload
    separators = {1: sep("BHXH-1", "1.000457.TP01"), 3: sep("BHXH-1", "1.000457.TP02"),
                  6: sep("BHXH-2", "1.000457.TP04"), 8: sep("BHXH-1", "9.999999.TP01")}
    plan = splitting.plan_from_separators(9, separators, "BHXH-1", CHECKLIST)
    assert [(s.pages, s.component_code) for s in plan.segments] == [
        ([2], "1.000457.TP01"), ([4, 5], "1.000457.TP02"), ([7], "1.000457.TP04"), ([9], None)]
    assert plan.separator_pages == [1, 3, 6, 8]
    assert set(plan.warnings) == {"separator_of_other_dossier:p6", "unknown_component:p8"}


def test_separator_sheets_are_read_back(tmp_path):
    pdf = splitting.separator_sheets_pdf("BHXH-260101-0001", "Giải quyết hưởng chế độ thai sản",
                                         list(CHECKLIST.values()), dpi=100)
    path = tmp_path / "sheets.pdf"
    path.write_bytes(pdf)
    assert len(pdfium.PdfDocument(str(path))) == 1 + len(CHECKLIST)  # checklist + one sheet each
    found = splitting.read_separators(splitting.page_images(path, "application/pdf"))
    assert found == {i + 2: splitting.separator_payload("BHXH-260101-0001", code)
                     for i, code in enumerate(CHECKLIST)}


def _sheet(pdf: bytes, index: int) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[index].render(scale=100 / 72, grayscale=True).to_pil()
    finally:
        doc.close()


def test_a_batch_with_separators_is_split_into_attached_papers(client, tmp_path):
    dossier = open_dossier(client, procedure="1.000457")
    sheets = client.get(f"/api/v1/dossiers/{dossier['code']}/separators.pdf")
    assert sheets.status_code == 200 and sheets.headers["content-type"] == "application/pdf"
    form = render_lines(["Mẫu 01B-HSB", "DANH SÁCH ĐỀ NGHỊ GIẢI QUYẾT HƯỞNG CHẾ ĐỘ THAI SẢN",
                         "STT  Họ và tên  Mã số BHXH  Số ngày nghỉ"], dpi=150, font_pt=12)
    birth = render_lines(["GIẤY KHAI SINH", "Họ, chữ đệm, tên: TRẦN MINH ANH", "Ngày sinh: 01/02/2024"],
                         dpi=150, font_pt=12)
    pages = [_sheet(sheets.content, 1), form, _sheet(sheets.content, 2), birth]
    batch_pdf = image_pdf(pages, tmp_path / "batch.pdf")
    r = client.post(f"/api/v1/dossiers/{dossier['code']}/batch",
                    files={"file": ("ca-ho-so.pdf", io.BytesIO(batch_pdf.read_bytes()), "application/pdf")})
    assert r.status_code == 202, r.text
    batch = wait_document(client, r.json()["id"], timeout=240)
    split = batch["fields"]["split"]
    assert split["by_separators"] and split["separator_pages"] == [1, 3] and split["applied"]
    assert [s["pages"] for s in split["segments"]] == [[2], [4]]
    components = client.get(f"/api/v1/dossiers/{dossier['code']}").json()["components"]
    by_code = {c["component_code"]: c["document"]["id"] for c in components if c["document"]["id"] != batch["id"]}
    assert set(by_code) == {"1.000457.TP01", "1.000457.TP02"}
    child = wait_document(client, by_code["1.000457.TP02"])
    assert child["page_count"] == 1 and child["document_type"]["code"] == "HT01"
    assert "TRẦN MINH ANH" in child["text"]
    r = client.post(f"/api/v1/documents/{batch['id']}/split", json={})
    assert r.status_code == 409 and r.json()["code"] == "already_split"


def test_a_batch_without_separators_waits_for_the_officer(client, tmp_path):
    dossier = open_dossier(client, procedure="1.000457")
    one = render_lines(["GIẤY KHAI SINH", "Họ, chữ đệm, tên: LÊ VĂN AN", "Số định danh cá nhân: 001224001111"],
                       dpi=150, font_pt=12)
    two = render_lines(["GIẤY RA VIỆN", "Họ tên người bệnh: LÊ THỊ BA", "Chẩn đoán: sinh thường"], dpi=150, font_pt=12)
    r = client.post(f"/api/v1/dossiers/{dossier['code']}/batch",
                    files={"file": ("ca-ho-so.pdf", io.BytesIO(image_pdf([one, two], tmp_path / "b.pdf").read_bytes()),
                                    "application/pdf")})
    batch = wait_document(client, r.json()["id"], timeout=240)
    split = batch["fields"]["split"]
    assert not split["by_separators"] and not split["applied"]
    assert [(s["pages"], s["document_type_code"]) for s in split["segments"]] == [([1], "HT01"), ([2], "YT01")]
    r = client.post(f"/api/v1/documents/{batch['id']}/split",
                    json={"segments": [{"pages": [1], "component_code": "1.000457.TP02"},
                                       {"pages": [2], "component_code": "1.000457.TP04"}]})
    assert r.status_code == 200, r.text
    assert len(r.json()["documents"]) == 2
    bad = client.post(f"/api/v1/documents/{batch['id']}/split", json={"segments": [{"pages": [1, 1]}]})
    assert bad.status_code == 409  # already split
