"""The counter's papers, read back: pdftotext shows the dossier code, dates and reasons; the QR code
decodes to the dossier code; each paper is A4."""
from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta

import pypdfium2 as pdfium
import zxingcpp
from fastapi.testclient import TestClient
from sqlalchemy import select

from catalog.deadlines import load_calendar, local_day
from catalog.models import Component, Document, Dossier
from core.clock import LOCAL_TZ, utcnow
from tests.conftest import auth_header, open_dossier

A4_POINTS = (595, 842)


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def qr_codes(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    assert tuple(round(x) for x in page.get_size()) == A4_POINTS
    image = page.render(scale=200 / 72, grayscale=True).to_pil()
    return [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def vi_day(moment: str) -> str:
    local = datetime.fromisoformat(moment).astimezone(LOCAL_TZ)
    return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def test_receipt_shows_code_dates_components_and_a_qr_code(client: TestClient, tmp_path) -> None:
    dossier = open_dossier(client, full_name="Trần Thị Bình")
    r = client.get(f"/api/v1/dossiers/{dossier['code']}/receipt")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = text_of(r.content, tmp_path)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and dossier["code"] in text
    assert "Trần Thị Bình" in text and "Giải quyết hưởng chế độ ốm đau" in text
    assert vi_day(dossier["received_at"]) in text and vi_day(dossier["due_at"]) in text
    assert "6 ngày làm việc" in text and "Mẫu số 01" in text
    assert qr_codes(r.content) == [dossier["code"]]


def test_supplement_request_and_return_notice_carry_the_reason(client: TestClient, tmp_path) -> None:
    code = open_dossier(client)["code"]
    client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"})
    r = client.post(f"/api/v1/dossiers/{code}/transitions",
                    json={"action": "request_supplement", "reason": "Bổ sung giấy ra viện có xác nhận của bệnh viện"})
    event = r.json()["event"]
    paper = client.get(event["paper"])
    assert paper.status_code == 200
    text = text_of(paper.content, tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and code in text
    assert "Bổ sung giấy ra viện có xác nhận của bệnh viện" in text and vi_day(event["at"]) in text
    assert qr_codes(paper.content) == [code]

    client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "supplement_received"})
    event = client.post(f"/api/v1/dossiers/{code}/transitions",
                        json={"action": "return", "reason": "Người lao động không thuộc đối tượng"}).json()["event"]
    text = text_of(client.get(event["paper"]).content, tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ" in text and code in text
    assert "Người lao động không thuộc đối tượng" in text

    start = client.get(f"/api/v1/dossiers/{code}").json()["lifecycle"]["history"][0]
    assert start["paper"] is None
    assert client.get(f"/api/v1/dossiers/{code}/papers/{start['id']}").status_code == 404


def _make_overdue(client: TestClient, code: str) -> None:
    with client.app.state.services.db.session() as s:
        s.scalars(select(Dossier).where(Dossier.code == code)).one().due_at = utcnow() - timedelta(days=2)


def _next_working_day(client: TestClient) -> date:
    with client.app.state.services.db.session() as s:
        return load_calendar(s).next_working(local_day(utcnow()))


def test_apology_letter_for_an_overdue_dossier(client: TestClient, tmp_path) -> None:
    code = open_dossier(client, full_name="Lê Văn Cường")["code"]
    client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"})
    r = client.post(f"/api/v1/dossiers/{code}/apology-letters",
                    json={"reason": "Chờ xác minh", "new_due_on": _next_working_day(client).isoformat()})
    assert (r.status_code, r.json()["code"]) == (409, "not_overdue")

    _make_overdue(client, code)
    listed = client.get("/api/v1/dossiers", params={"overdue": "true"}).json()
    assert code in [i["code"] for i in listed["items"]] and all(i["overdue"] for i in listed["items"])
    new_day = _next_working_day(client)
    r = client.post(f"/api/v1/dossiers/{code}/apology-letters",
                    json={"reason": "Chờ kết quả xác minh thời gian đóng BHXH", "new_due_on": new_day.isoformat()})
    assert r.status_code == 201, r.text
    letter = r.json()
    assert letter["number"] == 1
    dossier = client.get(f"/api/v1/dossiers/{code}").json()
    assert local_day(datetime.fromisoformat(dossier["due_at"])) == new_day, "the letter sets the new appointment"
    assert not dossier["lifecycle"]["overdue"] and dossier["lifecycle"]["history"][-1]["action"] == "apology_letter"

    pdf = client.get(letter["links"]["pdf"])
    text = text_of(pdf.content, tmp_path)
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text and code in text and "Lê Văn Cường" in text
    assert vi_day(letter["new_due_at"]) in text and vi_day(letter["previous_due_at"]) in text
    assert "Chờ kết quả xác minh thời gian đóng BHXH" in text
    assert qr_codes(pdf.content) == [code]
    assert [a["number"] for a in client.get(f"/api/v1/dossiers/{code}/apology-letters").json()] == [1]
    assert client.get(f"/api/v1/dossiers/{code}/apology-letters/2").status_code == 404


def test_apology_letter_bad_input_writes_nothing(client: TestClient) -> None:
    code = open_dossier(client)["code"]
    client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"})
    _make_overdue(client, code)
    cases = [
        ({"reason": "", "new_due_on": _next_working_day(client).isoformat()}, 400, "reason_required"),
        ({"reason": "x" * 1001, "new_due_on": _next_working_day(client).isoformat()}, 400, "reason_too_long"),
        ({"reason": "Chậm", "new_due_on": local_day(utcnow()).isoformat()}, 400, "new_due_date_not_future"),
        ({"reason": "Chậm", "new_due_on": "2029-03-01"}, 400, "calendar_year_missing"),
        ({"reason": "Chậm", "new_due_on": "01/03/2027"}, 422, "invalid_request"),
    ]
    for body, status, error in cases:
        r = client.post(f"/api/v1/dossiers/{code}/apology-letters", json=body)
        assert (r.status_code, r.json()["code"]) == (status, error), (body, r.text)
    assert client.get(f"/api/v1/dossiers/{code}/apology-letters").json() == []
    assert client.get(f"/api/v1/dossiers/{code}/apology-letters",
                      headers=auth_header(client, "archivist1")).status_code == 200


def _component(client: TestClient, code: str, component_code: str, source: str | None = None) -> None:
    with client.app.state.services.db.session() as s:
        dossier = s.scalars(select(Dossier).where(Dossier.code == code)).one()
        document = Document(sha256=f"{abs(hash(component_code + code)):064d}"[-64:], media_type="image/png",
                            filename="scan.png", size=10, owner_id=dossier.owner_id, status="ready")
        s.add(document)
        s.flush()
        source_row = s.scalars(select(Dossier).where(Dossier.code == source)).one() if source else None
        s.add(Component(dossier_id=dossier.id, document_id=document.id, component_code=component_code,
                        reused=source_row is not None, source_kind="uploaded" if source_row else None,
                        source_dossier_id=source_row.id if source_row else None))


def test_receipt_lists_uploaded_and_reused_components(client: TestClient, tmp_path) -> None:
    earlier = open_dossier(client)["code"]
    code = open_dossier(client)["code"]
    _component(client, code, "1.000456.TP01")
    _component(client, code, "1.000456.TP03", source=earlier)
    text = " ".join(text_of(client.get(f"/api/v1/dossiers/{code}/receipt").content, tmp_path).split())
    assert "Danh sách đề nghị giải quyết hưởng chế độ ốm đau" in text and "Bản chụp/bản điện tử nộp mới" in text
    assert "Giấy ra viện" in text and "Tái sử dụng từ kho số hoá" in text and earlier in text  # cells wrap


def test_apology_letter_date_must_be_a_working_day(client: TestClient) -> None:
    code = open_dossier(client)["code"]
    client.post(f"/api/v1/dossiers/{code}/transitions", json={"action": "start"})
    _make_overdue(client, code)
    sunday = local_day(utcnow()) + timedelta(days=13 - local_day(utcnow()).weekday())
    r = client.post(f"/api/v1/dossiers/{code}/apology-letters", json={"reason": "Chậm", "new_due_on": sunday.isoformat()})
    assert (r.status_code, r.json()["code"]) == (400, "new_due_date_not_working_day")
