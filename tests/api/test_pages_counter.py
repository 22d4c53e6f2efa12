"""The counter page tells the clerk what is wrong with a scan, next to its checklist item and in
Vietnamese (a photo too small to read well, a file named for another type), and a rescan replaces
the warned scan in the dossier. In Debian Chromium, with real OCR."""
from __future__ import annotations

import pytest

from tests import samples
from tests.api.browser import browser_page, chromium, live  # noqa: F401  (fixtures)
from tests.api.browser import check_page, log_in, open_dossier_for_new_citizen
from tests.api.test_web import DECLARATION
from tests.conftest import OWNER_ID
from tests.render import encode, render_lines


@pytest.mark.browser
@pytest.mark.slow
def test_a_warned_scan_is_explained_and_replaced_by_a_rescan(browser_page, live, tmp_path):
    small = tmp_path / "anh-chup-to-khai.jpg"  # a PNG phone photo at 75 dpi, named .jpg
    small.write_bytes(samples.png_page([*samples.ADMIN_LINES, "Nay tôi làm đơn này kính xin Ban Công an xã cho tôi"],
                                       dpi=75, font_pt=10))
    good = tmp_path / "to-khai-quet-lai.png"
    good.write_bytes(encode(render_lines(DECLARATION, dpi=200, font_pt=12), "PNG"))
    page = browser_page
    log_in(page, "counter1", "/login?next=/")
    code = open_dossier_for_new_citizen(page, "dieu chinh thong tin", "1.000123", OWNER_ID, "Nguyễn Văn Đức")
    assert page.get_by_role("button", name="Lấy từ Kho dữ liệu quốc gia").count() == 0  # no national store here

    row = page.locator('tr[id="item-1.000123.TP01"]')
    row.get_by_label("Chọn tệp quét cho: Tờ khai").set_input_files(small)
    row.get_by_text("Xong (1 trang)").wait_for(timeout=180_000)
    warnings = row.locator("ul.notices").inner_text()
    assert "Trang 1 chữ quá nhỏ" in warnings and "dưới 200 dpi" in warnings, warnings
    assert "thực chất là ảnh PNG" in warnings, warnings
    assert row.locator("ul.notices li.warn").count() >= 1
    check_page(page, "counter-warnings")
    counter = live.client("counter1")
    [first] = [c["document"]["id"] for c in counter.get(f"/api/v1/dossiers/{code}").json()["components"]]

    row.get_by_label("Quét lại: anh-chup-to-khai.jpg").set_input_files(good)
    page.locator("#checklist-msg").get_by_text("Đã thay anh-chup-to-khai.jpg bằng bản quét lại").wait_for()
    row.get_by_text("Xong (1 trang)").wait_for(timeout=180_000)
    assert "anh-chup-to-khai.jpg" not in row.inner_text()
    assert "chữ quá nhỏ" not in row.inner_text()  # the new scan reads well
    components = counter.get(f"/api/v1/dossiers/{code}").json()["components"]
    assert [c["document"]["filename"] for c in components] == ["to-khai-quet-lai.png"]
    kept = counter.get(f"/api/v1/documents/{first}")  # the first scan stays in the archive,
    assert kept.status_code == 200 and kept.json()["record"]["review_status"] == "rejected"  # out of review
