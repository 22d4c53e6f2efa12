"""The web pages. Without a browser: each page's own weight, nothing loaded from outside the service,
the content policy, the public procedure list. In a real browser (Debian Chromium): the counter,
handler and archivist at work, first start, and axe-core on every page."""
from __future__ import annotations

import base64
import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pdfplumber
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from catalog.deadlines import load_calendar, local_day
from catalog.models import Dossier
from core.clock import utcnow
from tests import samples
from tests.api.browser import browser_page, check_page, chromium, live, log_in, serve  # noqa: F401
from tests.api.test_coding import BIRTH_CERTIFICATE
from tests.archive import Archive, paper
from tests.conftest import OWNER_ID, open_dossier, wait_document
from tests.render import encode, render_lines

PAGES = ["/", "/login", "/search", "/archive", "/procedures", "/setup", "/dossiers", "/reports"]
LIMIT = 300 * 1024


@pytest.mark.parametrize("path", PAGES)
def test_each_page_weighs_under_300_kb_and_loads_nothing_from_outside(client, path):
    r = client.get(path, headers={"Authorization": ""})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assets = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets  # no CDN
    weight = len(r.content)
    for asset in {a for a in assets if a.startswith("/static/")}:
        a = client.get(asset)
        assert a.status_code == 200, asset
        weight += len(a.content)
    assert weight < LIMIT, f"{path}: {weight} bytes"
    policy = r.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in html and " style=" not in html  # the policy would block them anyway


def test_the_procedures_page_is_rendered_on_the_server_without_sign_in(client):
    html = client.get("/procedures", headers={"Authorization": ""}).text
    assert "1.000457 — Giải quyết hưởng chế độ thai sản" in html
    assert "6 ngày làm việc" in html and "Giấy khai sinh hoặc trích lục khai sinh của con" in html


def test_the_procedures_page_is_searched_and_paged_on_the_server(client, monkeypatch):
    monkeypatch.setattr("api.routers.web.PER_PAGE", 5)
    codes = lambda html: re.findall(r'data-code="([^"]+)"', html)  # noqa: E731
    first, second = client.get("/procedures").text, client.get("/procedures?trang=2").text
    assert len(codes(first)) == 5 and len(codes(second)) == 5 and not set(codes(first)) & set(codes(second))
    assert "18 thủ tục, trang 1/4" in first and 'href="/procedures?q=&amp;trang=2"' in first
    found = client.get("/procedures", params={"q": "ốm đau"}).text
    assert codes(found) == ["1.000456"] and "1 thủ tục." in found
    assert client.get("/procedures?trang=0").status_code == 422
    assert '<script>alert(1)</script>' not in client.get("/procedures", params={"q": "<script>alert(1)</script>"}).text


browser = pytest.mark.browser


def pdf_text(path) -> str:
    """What poppler's pdftotext reads back from a downloaded paper."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def vi_day(shown: str) -> str:
    """dd/mm/yyyy as the page shows it → as the papers write it."""
    d, m, y = shown.split("/")
    return f"ngày {d} tháng {m} năm {y}"

SAMPLE_PROCEDURES = Path(__file__).resolve().parents[2] / "catalog" / "data" / "sample" / "procedures.csv"


@browser
def test_every_page_is_accessible_and_keeps_its_url(browser_page, live):
    page = browser_page
    page.goto("/procedures")
    page.get_by_role("heading", name="Danh mục thủ tục hành chính").wait_for()
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").fill("thai san")
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").press("Enter")
    page.wait_for_url("**/procedures?q=thai+san")
    assert page.locator("section.procedure").count() == 1
    check_page(page, "procedures")

    page.goto("/")  # signed out: off to sign-in, and back after it
    page.wait_for_url("**/login?next=%2F*")
    check_page(page, "login")
    log_in(page, "admin1", page.url)
    assert page.url == live.url + "/"
    check_page(page, "counter")
    page.locator("a.skip").focus()
    for _ in range(9):  # keyboard first: from the skip link through the menu to the form, focus is visible
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {tag: e.tagName, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
        assert focused["tag"] != "BODY" and focused["outline"] != "none" and focused["width"] >= 2, focused
    for width, height in ((1280, 800), (800, 1280)):  # a tablet upright and on its side: nothing runs off the side
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    check_page(page, "counter-tablet")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/search")
    page.locator("#f-type option").nth(1).wait_for(state="attached")
    check_page(page, "search")
    page.goto("/archive")
    for tab in ("catalog", "retention", "holds", "disposal", "fixity", "audit", "users", "dead", "holidays"):
        page.locator(f"#tab-{tab}").click()
        page.wait_for_load_state("networkidle")
        check_page(page, f"archive-{tab}")


DECLARATION = [
    "BẢO HIỂM XÃ HỘI VIỆT NAM",
    "TỜ KHAI THAM GIA, ĐIỀU CHỈNH THÔNG TIN BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ",
    "Mẫu TK1-TS",
    "Họ và tên: Nguyễn Văn Đức",
    f"Số định danh cá nhân: {OWNER_ID}",
    "Mã số BHXH: 0123456789",
    "Nội dung điều chỉnh: ngày tháng năm sinh",
]

ID_CARD = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "CĂN CƯỚC CÔNG DÂN",
    f"Số / No.: {OWNER_ID}",
    "Họ và tên / Full name: NGUYỄN VĂN ĐỨC",
    "Ngày sinh / Date of birth: 12/03/2003",
    "Quê quán: Tiên Kiên, Lâm Thao, Phú Thọ",
]


def approved_birth_certificate(live) -> tuple[str, str]:
    """The citizen's birth certificate, digitized for an earlier dossier and approved (no OCR needed)."""
    archive = Archive(live.client("counter1"))
    earlier = archive.dossier(resolved=None)
    return earlier, paper(archive, earlier, "HT01")



def act_with_reason(page, action: str, reason: str, status: str) -> None:
    """On the dossier page, an action that needs a written reason: refused without one (the page
    says so), then done with it, until the dossier shows ``status``."""
    page.get_by_label("Thao tác").select_option(action)
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#dossier-msg[role=alert]").get_by_text("Ghi rõ lý do").wait_for()
    page.get_by_label("Lý do (bắt buộc, ghi rõ để công dân hiểu)").fill(reason)
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#d-status").get_by_text(status).wait_for()

@browser
@pytest.mark.slow
def test_counter_reuses_a_paper_uploads_a_scan_and_finishes(browser_page, live, tmp_path):
    earlier, birth = approved_birth_certificate(live)
    scan = tmp_path / "to-khai-tk1-ts.png"
    scan.write_bytes(encode(render_lines(DECLARATION, dpi=200, font_pt=12), "PNG"))
    page = browser_page
    log_in(page, "counter1", "/login?next=/")

    # 1. The procedure by words of its name without diacritics, picked with the keyboard.
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").fill("dieu chinh thong tin")
    page.get_by_role("option", name="1.000123").wait_for()
    page.get_by_label("Tìm theo tên hoặc mã thủ tục").press("Enter")
    page.get_by_text("Đã chọn 1.000123").wait_for()

    # 2. The citizen by personal ID: who they are and what the archive holds.
    page.get_by_label("Số định danh (12 số) hoặc mã số BHXH (10 số)").fill(OWNER_ID)
    page.get_by_label("Số định danh (12 số) hoặc mã số BHXH (10 số)").press("Enter")
    page.locator("#citizen-info").get_by_text("Nguyễn Văn Đức").wait_for()
    assert "1 giấy tờ đã duyệt dùng lại được" in page.locator("#citizen-info").inner_text()

    # 3. The checklist: the birth certificate offered where it fits, reused with one click.
    page.get_by_role("button", name="Mở hồ sơ").click()
    code = page.locator("#dossier-code").inner_text()
    birth_row = page.locator('tr[id="item-1.000123.TP04"]')
    declaration_row = page.locator('tr[id="item-1.000123.TP01"]')
    expect(declaration_row).to_have_class(re.compile("missing"))  # mandatory, nothing yet: red
    assert "Còn thiếu (bắt buộc)" in declaration_row.inner_text()
    birth_row.get_by_role("button", name="Đã có — dùng lại").click()
    birth_row.get_by_text(f"Đã dùng lại").wait_for()
    assert f"từ hồ sơ {earlier}" in birth_row.inner_text()

    # 4. The declaration scanned into its own checklist item: uploading → OCR page k/n → done.
    declaration_row.get_by_label("Chọn tệp quét cho: Tờ khai").set_input_files(scan)
    declaration_row.get_by_text("Đang nhận dạng trang").wait_for()
    declaration_row.get_by_text("Xong (1 trang)").wait_for(timeout=180_000)
    expect(declaration_row).not_to_have_class(re.compile("missing"))
    assert "độ tin cậy" in declaration_row.locator(".type-proposal").inner_text()
    declaration_row.get_by_label("Loại giấy tờ").select_option("BH01")
    declaration_row.get_by_role("button", name="Xác nhận loại").click()
    declaration_row.get_by_text("(đã xác nhận)").wait_for()
    check_page(page, "counter-checklist")

    # 4a. A broken file is refused where it was put, in Vietnamese; nothing is filed.
    broken = tmp_path / "hong.pdf"
    broken.write_bytes(samples.corrupt_pdf())
    book_row = page.locator('tr[id="item-1.000123.TP02"]')
    book_row.get_by_label("Chọn tệp quét cho: Sổ BHXH").set_input_files(broken)
    book_row.locator(".phase.err").get_by_text("Lỗi: ").wait_for()
    assert "hỏng" in book_row.locator(".phase.err").inner_text() and "Chưa có" in book_row.inner_text()

    # 4b. An ID card dragged onto its item; finishing waits until a person confirmed its type.
    id_card = page.evaluate_handle("""([name, b64]) => {
        const data = new DataTransfer(), bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        data.items.add(new File([bytes], name, {type: "image/png"}));
        return data; }""", ["the-can-cuoc.png", base64.b64encode(encode(render_lines(ID_CARD, dpi=200, font_pt=12), "PNG")).decode()])
    id_row = page.locator('tr[id="item-1.000123.TP03"]')
    id_row.locator(".drop").dispatch_event("drop", {"dataTransfer": id_card})
    id_row.get_by_text("Xong (1 trang)").wait_for(timeout=180_000)
    page.get_by_role("button", name="Hoàn tất tiếp nhận").click()
    page.locator("#finish-box").get_by_text("Xác nhận loại giấy tờ cho: the-can-cuoc.png").wait_for()
    id_row.get_by_label("Loại giấy tờ").select_option("NT01")
    id_row.get_by_role("button", name="Xác nhận loại").click()
    id_row.get_by_text("(đã xác nhận)").wait_for()

    # 5. Finish: the due date, and the receipt (the register's PDF) that carries the dossier's code.
    page.get_by_role("button", name="Hoàn tất tiếp nhận").click()
    due = page.locator("#due-date")
    due.wait_for()
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", due.inner_text()), due.inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="In phiếu tiếp nhận").click()
    assert download.value.suggested_filename == f"phieu-tiep-nhan-{code}.pdf"
    receipt = pdf_text(download.value.path())
    printed = re.search(r"\b[A-Z0-9]+-\d{6}-\d{4}\b", receipt)
    assert printed and printed.group(0) == code, receipt
    assert vi_day(due.inner_text()) in receipt, receipt
    page.locator("#receipt-msg").get_by_text("Đã tải phiếu tiếp nhận.").wait_for()
    check_page(page, "counter-finished")

    # What the page did is what the API holds.
    dossier = live.client("counter1").get(f"/api/v1/dossiers/{code}").json()
    by_component = {c["component_code"]: c for c in dossier["components"]}
    assert by_component["1.000123.TP04"]["reused"] and by_component["1.000123.TP04"]["document"]["id"] == birth
    uploaded = live.client("counter1").get(by_component["1.000123.TP01"]["document"]["links"]["self"]).json()
    assert uploaded["record"]["type_status"] == "confirmed" and uploaded["document_type_code"] == "BH01"


@browser
@pytest.mark.slow
def test_handler_finds_a_paper_without_diacritics_reads_it_approves_and_attaches_a_result(browser_page, live, tmp_path):
    counter = live.client("counter1")
    dossier = open_dossier(counter, procedure="1.000457", full_name="Nguyễn Văn Đức")
    scan = encode(render_lines(BIRTH_CERTIFICATE, dpi=200, font_pt=12), "PNG")
    r = counter.post(f"/api/v1/dossiers/{dossier['code']}/components", data={"component_code": "1.000457.TP02"},
                     files={"files": ("giay-khai-sinh.png", scan, "image/png")})
    assert r.status_code == 202, r.text
    document = wait_document(counter, r.json()["documents"][0]["id"], timeout=180)
    assert document["status"] == "ready" and document["record"]["review_status"] == "pending"

    page = browser_page
    log_in(page, "handler1", "/login?next=/search")
    page.get_by_label("Từ khoá").fill("nguyen van duc tien kien")
    page.get_by_label("Từ khoá").press("Enter")
    hit = page.locator(".hit").first
    hit.wait_for()
    assert hit.locator("mark").count() > 0  # highlighted words, diacritics restored from the text
    assert "Tiên Kiên" in hit.inner_text() or "TIÊN KIÊN" in hit.inner_text()
    check_page(page, "search-results")

    hit.locator("a.open-doc").click()
    page.locator("#page-label").get_by_text("Trang 1/1").wait_for()
    page.wait_for_function("() => document.getElementById('page-image').naturalWidth > 0")
    assert abs(page.evaluate("() => document.getElementById('page-image').naturalWidth") - 900) <= 1
    assert "GIẤY KHAI SINH" in page.locator("#page-text").inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải PDF tìm kiếm được").click()
    assert download.value.suggested_filename == "giay-khai-sinh.pdf"
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"

    page.get_by_role("button", name="Không đạt").click()  # a rejection needs its reason
    page.locator("#viewer-msg").get_by_text("Ghi rõ lý do không đạt.").wait_for()
    page.get_by_role("button", name="Duyệt — đạt").click()
    page.locator("#review-status").get_by_text("đã duyệt").wait_for()
    check_page(page, "search-viewer")
    assert counter.get(f"/api/v1/documents/{document['id']}").json()["record"]["reviewed_by"] == "handler1"

    # The register: the dossier found in the worklist, a second paper approved on its page.
    code = dossier["code"]
    second = paper(Archive(counter), code, "NT01", approved=False, type_status="confirmed")  # no OCR needed
    page.goto("/dossiers")
    page.locator("#work-msg").get_by_text("0 hồ sơ.").wait_for()  # nothing assigned to handler1 yet
    page.get_by_label("Người xử lý").select_option("all")
    page.get_by_role("button", name="Xem", exact=True).click()
    page.locator("#worklist").get_by_role("link", name=code).wait_for()
    assert "Mới tiếp nhận: 1" in page.locator("#counts").inner_text()
    check_page(page, "dossiers")
    page.locator("#worklist").get_by_role("link", name=code).click()
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    filename = counter.get(f"/api/v1/documents/{second}").json()["filename"]
    page.get_by_role("button", name=f"Duyệt — đạt: {filename}").click()
    page.locator("#component-msg").get_by_text("Đã duyệt giấy tờ.").wait_for()
    assert page.locator("#components .approve").count() == 0  # both papers approved now
    assert counter.get(f"/api/v1/documents/{second}").json()["record"]["review_status"] == "approved"

    # Started (assigned to the handler who starts it), then a supplement asked for in writing.
    page.get_by_label("Thao tác").select_option("start")
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#d-status").get_by_text("Đang giải quyết").wait_for()
    reason = "Bổ sung giấy ra viện của mẹ (bản sao có chứng thực)"
    act_with_reason(page, "request_supplement", reason, "Chờ bổ sung")
    assert reason in page.locator("#history").inner_text()
    with page.expect_download() as download:
        page.get_by_role("button", name="Phiếu yêu cầu bổ sung (PDF)").click()
    notice = pdf_text(download.value.path())
    assert code in notice and "giấy ra viện" in notice, notice

    # The counter receives the supplement (a counter's action): the clock runs again.
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, "counter1", f"/login?next=/dossiers%3Fcode%3D{code}")
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    page.get_by_label("Thao tác").select_option("supplement_received")
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#d-status").get_by_text("Đang giải quyết").wait_for()

    # Back with the handler: the dossier is in "assigned to me"; a result attached with its result code.
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, "handler1", "/login?next=/dossiers")
    page.locator("#worklist").get_by_role("link", name=code).click()
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    result = tmp_path / "danh-sach-c70a.png"
    result.write_bytes(encode(render_lines(["DANH SÁCH GIẢI QUYẾT HƯỞNG CHẾ ĐỘ THAI SẢN", "Mẫu C70a-HD"]), "PNG"))
    page.get_by_label("Mã kết quả").select_option("1.000457.KQ01")
    page.get_by_label("Số, ký hiệu").fill("15/QĐ-BHXH")
    page.get_by_label("Ngày ký (dd/mm/yyyy)").fill("25/11/2026")
    page.get_by_label("Tệp kết quả đã ký (PDF hoặc ảnh quét)").set_input_files(result)
    page.get_by_role("button", name="Đính kèm kết quả").click()
    page.locator("#results").get_by_text("15/QĐ-BHXH").wait_for()
    assert "25/11/2026" in page.locator("#results").inner_text()

    # Someone else moves the dossier while the page shows it: the page says so in Vietnamese and reloads.
    assert counter.post(f"/api/v1/dossiers/{code}/transitions",
                        json={"action": "assign", "assignee": "handler1"}).status_code == 200
    page.get_by_label("Thao tác").select_option("resolve")
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#dossier-msg[role=alert]").get_by_text("vừa được người khác cập nhật").wait_for()
    assert "Hồ sơ đã được tải lại" in page.locator("#dossier-msg").inner_text()
    page.get_by_label("Thao tác").select_option("resolve")
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#d-status").get_by_text("Đã giải quyết").wait_for()
    page.locator("#worklist").get_by_text("Đã giải quyết").wait_for()  # its line in the worklist too
    assert page.locator("#closed-note").is_visible() and page.locator("#transition-form").is_hidden()
    check_page(page, "dossier-page")
    [attached] = counter.get(f"/api/v1/dossiers/{code}/results").json()
    assert attached["result_code"] == "1.000457.KQ01" and attached["issue_date"] == "2026-11-25"
    lifecycle = counter.get(f"/api/v1/dossiers/{code}").json()["lifecycle"]
    assert [e["action"] for e in lifecycle["history"]] == [
        "start", "request_supplement", "supplement_received", "assign", "resolve"]
    assert lifecycle["status"] == "resolved" and lifecycle["resolved_at"] and lifecycle["assignee"] == "handler1"


@browser
def test_archivist_imports_a_catalog_change_after_a_dry_run_and_a_hold_stops_disposal(browser_page, live, tmp_path):
    archive = Archive(live.client("counter1"))
    held = archive.document(archive.dossier(resolved=date(2015, 3, 1)))  # NT01: due for disposal since 2020
    rows = SAMPLE_PROCEDURES.read_text(encoding="utf-8").replace(
        "Giải quyết hưởng chế độ ốm đau,Chính sách BHXH,6,reception:MC:1|processing:CSXH:4",
        "Giải quyết hưởng chế độ ốm đau,Chính sách BHXH,5,reception:MC:1|processing:CSXH:3")  # steps add up
    changed = tmp_path / "procedures.csv"
    changed.write_text(rows + "1.000999,Thủ tục thử nghiệm của đơn vị,Chính sách BHXH,3\n", encoding="utf-8")
    archivist = live.client("archivist1")
    versions = len(archivist.get("/api/v1/admin/catalogs").json())

    page = browser_page
    log_in(page, "archivist1")
    assert page.url.endswith("/archive#catalog")
    page.get_by_label("Bảng").select_option("procedures")
    page.get_by_label("Nhãn phiên bản mới").fill("2026-12-thu")
    page.get_by_label("Tệp CSV").set_input_files(changed)
    page.get_by_role("button", name="Chạy thử (xem thay đổi)").click()
    page.locator("#catalog-msg").get_by_text("Chạy thử — chưa ghi gì").wait_for()
    diff = page.locator("#catalog-diff").inner_text()
    assert "+ 1.000999" in diff and "~ 1.000456: processing_days: 6 → 5" in diff, diff
    assert len(archivist.get("/api/v1/admin/catalogs").json()) == versions  # nothing written
    check_page(page, "archive-catalog-dry-run")
    page.get_by_role("button", name="Nhập thật").click()
    page.locator("#catalog-msg").get_by_text("Đã nhập phiên bản 2026-12-thu").wait_for()
    assert live.client(None).get("/api/v1/catalog/procedures?q=1.000999").json()["procedures"][0]["processing_days"] == 3

    page.get_by_role("tab", name="Tạm giữ").click()
    page.get_by_label("Phạm vi").select_option("document")
    page.get_by_label("Số định danh / mã hồ sơ / mã tài liệu").fill(held)
    page.get_by_label("Lý do (số văn bản, vụ việc)").fill("Công văn 15/TA-HS của Toà án nhân dân huyện")
    page.get_by_role("button", name="Đặt tạm giữ").click()
    page.locator("#holds-msg").get_by_text("Đã đặt lệnh tạm giữ số").wait_for()
    page.locator("#holds").get_by_text(held).wait_for()
    check_page(page, "archive-holds")

    page.get_by_role("tab", name="Huỷ tài liệu").click()
    page.get_by_role("button", name="Điền các tài liệu đã đến hạn, không bị tạm giữ").click()
    page.locator("#disposal-msg").get_by_text("0 tài liệu đã hết thời hạn bảo quản").wait_for()  # the held one is left out
    page.get_by_label("Mã tài liệu đề xuất huỷ (mỗi dòng một mã)").fill(held)
    page.get_by_role("button", name="Đề xuất huỷ").click()
    refusal = page.locator("#disposal-msg[role=alert]")
    refusal.get_by_text("đang bị tạm giữ").wait_for()
    assert held in refusal.inner_text()
    assert archivist.get("/api/v1/admin/disposal/batches").json() == []
    check_page(page, "archive-disposal-refused")

    # An unheld paper goes through: proposed by the archivist, approved and carried out by an administrator.
    due = archive.document(archive.dossier(resolved=date(2015, 3, 1)))
    page.get_by_role("button", name="Điền các tài liệu đã đến hạn, không bị tạm giữ").click()
    page.locator("#disposal-msg").get_by_text("1 tài liệu đã hết thời hạn bảo quản").wait_for()
    assert page.get_by_label("Mã tài liệu đề xuất huỷ (mỗi dòng một mã)").input_value() == due
    page.get_by_role("button", name="Đề xuất huỷ").click()
    page.locator("#disposal-msg").get_by_text("chờ người khác duyệt").wait_for()
    page.get_by_role("button", name="Đăng xuất").click()
    log_in(page, "admin1", "/login?next=/archive%23disposal")
    page.on("dialog", lambda dialog: dialog.accept("Đã đối chiếu danh mục hết hạn"))
    page.get_by_role("button", name="Duyệt", exact=True).click()
    page.locator("#batches").get_by_text("đã duyệt").wait_for()
    page.get_by_role("button", name="Thực hiện huỷ").click()
    page.locator("#batches").get_by_text("đã huỷ xong").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Biên bản huỷ (PDF)").click()
    page.get_by_role("button", name="Tài liệu", exact=True).click()
    page.locator("#batch-items").get_by_text(due).wait_for()
    [listed] = archivist.get("/api/v1/admin/disposal/batches").json()
    batch = archivist.get(f"/api/v1/admin/disposal/batches/{listed['id']}").json()
    assert download.value.suggested_filename == f"bien-ban-huy-{batch['code']}.pdf"
    with pdfplumber.open(download.value.path()) as pdf:
        assert batch["code"] in "".join(p.extract_text() or "" for p in pdf.pages)
    assert [i["document_id"] for i in batch["items"]] == [due] and batch["decided_by"] == "admin1"

    # Fixity and the audit trail: a full check with its findings, who placed the hold, an intact chain.
    page.get_by_role("tab", name="Kiểm tra toàn vẹn").click()
    page.get_by_role("button", name="Chạy kiểm tra ngay").click()
    page.locator("#fixity-runs").get_by_role("cell", name="xong", exact=True).wait_for(timeout=60_000)
    page.locator("#fixity-runs").get_by_role("button", name="Chi tiết").first.click()
    page.locator("#fixity-issues").get_by_text("Phát hiện của lần").wait_for()
    page.get_by_role("tab", name="Nhật ký").click()
    page.get_by_label("Thao tác").fill("hold.place")
    page.get_by_label("Thao tác").press("Enter")
    page.locator("#audit").get_by_text("archivist1 (archivist)").wait_for()
    assert page.locator("#audit tbody tr").count() == 1
    page.get_by_role("button", name="Kiểm tra chuỗi nhật ký").click()
    page.locator("#audit-msg").get_by_text("Chuỗi nhật ký nguyên vẹn").wait_for()
    check_page(page, "archive-audit")


@browser
def test_archivist_exports_the_holiday_calendar_and_previews_an_import(browser_page, live, tmp_path):
    archivist = live.client("archivist1")
    stored = archivist.get("/api/v1/admin/calendar", params={"years": 2026}).json()
    page = browser_page
    log_in(page, "archivist1", "/login?next=/archive%23holidays")
    page.locator("#calendar-years").get_by_role("cell", name="2026", exact=True).wait_for()
    page.get_by_label("Năm", exact=True).select_option("2025")
    page.locator("#calendar-days").get_by_text("02/09/2025").wait_for()
    page.get_by_label("Năm", exact=True).select_option("2026")
    page.locator("#calendar-days").get_by_text("02/09/2026").wait_for()  # National Day, dd/mm/yyyy
    with page.expect_download() as download:
        page.get_by_role("button", name="Xuất tệp lịch (JSON)").click()
    assert download.value.suggested_filename == "lich-nghi-2026.json"
    exported = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert exported == stored

    # A day off added by decision, previewed: the diff names it, nothing is written.
    year = exported["years"][0]
    year["days"].append({"date": "2026-12-31", "kind": "day_off", "name": "Nghỉ hoán đổi (thử nghiệm)", "basis": None})
    changed = tmp_path / "lich-2026.json"
    changed.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    page.get_by_label("Tệp lịch ngày nghỉ (JSON)").set_input_files(changed)
    page.get_by_role("button", name="Chạy thử (xem thay đổi)").click()
    page.locator("#calendar-msg").get_by_text("Chạy thử — chưa ghi gì. Năm 2026: hợp lệ.").wait_for()
    assert "+ 31/12/2026" in page.locator("#calendar-diff").inner_text()
    assert archivist.get("/api/v1/admin/calendar", params={"years": 2026}).json() == stored
    check_page(page, "archive-holidays-dry-run")

    # A year missing a statutory holiday is refused whole, with the day it lacks.
    year["days"] = [d for d in year["days"] if d["date"] != "2026-09-02"]
    changed.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")
    page.get_by_label("Tệp lịch ngày nghỉ (JSON)").set_input_files(changed)
    page.get_by_role("button", name="Nhập thật").click()
    page.locator("#calendar-msg[role=alert]").get_by_text("không có dữ liệu nào được nhập").wait_for()
    assert "02/09/2026" in page.locator("#calendar-report").inner_text()
    assert archivist.get("/api/v1/admin/calendar", params={"years": 2026}).json() == stored


@browser
def test_handler_apologises_for_a_late_dossier_and_prints_the_letter(browser_page, live):
    counter = live.client("counter1")
    code = open_dossier(counter, procedure="1.000457", full_name="Lê Văn Cường")["code"]
    assert counter.post(f"/api/v1/dossiers/{code}/transitions",
                        json={"action": "start", "assignee": "handler1"}).status_code == 200
    with live.services.db.session() as s:  # its appointment passed two days ago
        s.scalars(select(Dossier).where(Dossier.code == code)).one().due_at = utcnow() - timedelta(days=2)
    with live.services.db.session() as s:
        new_day = load_calendar(s).next_working(local_day(utcnow()))
    page = browser_page
    log_in(page, "handler1", "/login?next=/dossiers")
    row = page.locator("#worklist tr", has_text=code)
    row.get_by_text("quá hạn").wait_for()
    row.get_by_role("link", name=code).click()
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    page.get_by_role("button", name="Lập phiếu xin lỗi").click()
    page.locator("#apology-msg[role=alert]").get_by_text("Nhập ngày hẹn trả mới").wait_for()
    page.get_by_label("Ngày hẹn trả mới (dd/mm/yyyy)").fill(f"{new_day:%d/%m/%Y}")
    page.get_by_label("Lý do chậm trả kết quả").fill("Chờ kết quả xác minh thời gian đóng BHXH")
    page.get_by_role("button", name="Lập phiếu xin lỗi").click()
    page.locator("#apology-msg").get_by_text(f"ngày hẹn trả mới {new_day:%d/%m/%Y}").wait_for()
    assert page.locator("#d-due").inner_text() == f"{new_day:%d/%m/%Y}"
    assert page.locator("#apology-form").is_hidden()  # no longer late, in the worklist too
    expect(row).not_to_contain_text("quá hạn")
    with page.expect_download() as download:
        page.get_by_role("button", name="Phiếu xin lỗi số 1 (PDF)").click()
    letter = pdf_text(download.value.path())
    assert "PHIẾU XIN LỖI" in letter and code in letter and vi_day(f"{new_day:%d/%m/%Y}") in letter, letter
    check_page(page, "dossier-apology")


@browser
def test_handler_returns_a_dossier_with_a_written_reason_and_prints_the_notice(browser_page, live):
    code = open_dossier(live.client("counter1"), procedure="1.000457", full_name="Lê Văn Cường")["code"]
    page = browser_page
    log_in(page, "handler1", f"/login?next=/dossiers%3Fcode%3D{code}")
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    reason = "Người lao động không thuộc đối tượng hưởng chế độ thai sản"
    act_with_reason(page, "return", reason, "Đã trả lại")
    with page.expect_download() as download:
        page.get_by_role("button", name="Phiếu từ chối giải quyết (PDF)").click()
    notice = pdf_text(download.value.path())
    assert code in notice and "không thuộc đối tượng" in notice, notice
    page.get_by_role("button", name="Tải lại hồ sơ").click()  # closed: nothing left to do
    page.locator("#closed-note").wait_for()


@browser
def test_what_was_typed_survives_an_expired_session(browser_page, live):
    """A handler writes a reason, the session runs out before it is sent: after signing in again the
    page comes back with the reason in place, and sending it works."""
    code = open_dossier(live.client("counter1"), procedure="1.000457", full_name="Lê Văn Cường")["code"]
    page = browser_page
    log_in(page, "handler1", f"/login?next=/dossiers%3Fcode%3D{code}")
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    page.get_by_label("Thao tác").select_option("return")
    reason = "Thiếu giấy chứng nhận nghỉ việc hưởng BHXH của cơ sở khám chữa bệnh"
    page.get_by_label("Lý do (bắt buộc, ghi rõ để công dân hiểu)").fill(reason)
    page.evaluate("() => sessionStorage.setItem('sohoa-token', 'het-han')")  # the server no longer knows it
    page.get_by_role("button", name="Thực hiện").click()
    page.wait_for_url("**/login?next=*")

    log_in(page, "handler1", page.url)

    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    page.locator("#dossier-msg").get_by_text("Đã điền lại những gì bạn đã nhập").wait_for()
    assert page.get_by_label("Lý do (bắt buộc, ghi rõ để công dân hiểu)").input_value() == reason
    assert page.get_by_label("Thao tác").input_value() == "return"
    page.get_by_role("button", name="Thực hiện").click()
    page.locator("#d-status").get_by_text("Đã trả lại").wait_for()
    assert page.evaluate("() => sessionStorage.getItem('sohoa-draft')") is None
    page.reload()  # restored once only
    page.get_by_role("heading", name=f"Hồ sơ {code}").wait_for()
    assert page.locator("#dossier-msg").inner_text() == ""


@browser
def test_first_start_setup_link_makes_the_first_administrator(chromium, settings):
    from catalog.first_admin import issue_setup_token

    with serve(settings, users=False) as live:
        with live.services.db.session() as s:
            secret = issue_setup_token(s, settings.data_dir)
        context = chromium.new_context(viewport={"width": 1024, "height": 768}, base_url=live.url, bypass_csp=True)
        page = context.new_page()
        page.goto("/login")
        page.get_by_text("Chưa có quản trị viên").wait_for()
        page.goto(f"/setup#token={secret}")
        check_page(page, "setup")
        page.get_by_label("Họ và tên").fill("Trần Văn Quản")
        page.get_by_label("Mật khẩu (ít nhất 12 ký tự)").fill("mat-khau-quan-tri")
        page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-quan-trj")
        page.get_by_role("button", name="Tạo quản trị viên").click()
        page.locator("#setup-msg").get_by_text("không khớp").wait_for()
        page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-quan-tri")
        page.get_by_role("button", name="Tạo quản trị viên").click()
        page.wait_for_url("**/archive#users")
        page.locator("#users").get_by_text("Trần Văn Quản").wait_for()  # signed in as the new administrator
        page.get_by_label("Mã đơn vị", exact=True).fill("PT01")
        page.get_by_label("Tên đơn vị").fill("BHXH huyện Lâm Thao")
        page.get_by_role("button", name="Lưu đơn vị").click()
        page.locator("#offices").get_by_text("BHXH huyện Lâm Thao").wait_for()
        page.get_by_label("Tên đăng nhập").fill("quay1")
        page.get_by_label("Họ và tên").fill("Lê Thị Hoa")
        page.get_by_label("Mã đơn vị của tài khoản").fill("PT01")
        page.get_by_label("Mật khẩu (≥ 12 ký tự)").fill("mat-khau-quay-mot")
        page.get_by_role("button", name="Tạo tài khoản").click()
        page.locator("#users").get_by_text("Lê Thị Hoa").wait_for()
        assert live.client(None).post("/api/v1/auth/token", data={"username": "quay1", "password": "mat-khau-quay-mot"}
                                      ).json()["role"] == "counter"
        page.goto(f"/setup#token={secret}")  # the link is spent
        page.get_by_label("Mật khẩu (ít nhất 12 ký tự)").fill("mat-khau-khac-nua")
        page.get_by_label("Nhập lại mật khẩu").fill("mat-khau-khac-nua")
        page.get_by_role("button", name="Tạo quản trị viên").click()
        page.locator("#setup-msg").get_by_text("đã được dùng").wait_for()
        context.close()
