"""The reports page in a real browser (Debian Chromium): an archivist picks a quarter, sees the
totals (the linked dossiers apart) and downloads the XLSX, which reads back with openpyxl; a
counter opens a linked dossier."""
from __future__ import annotations

import io
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from catalog.dossiers import open_dossier
from catalog.owners import get_or_create_owner
from core.clock import LOCAL_TZ
from tests.api.browser import (  # noqa: F401
    browser_page,
    check_page,
    chromium,
    live,
    log_in,
    open_dossier_for_new_citizen,
)


@pytest.mark.browser
def test_archivist_sees_a_quarter_and_downloads_its_xlsx(browser_page, live):
    with live.services.db.session() as s:
        for n, (day, channel) in enumerate([("2025-12-01", "counter"), ("2026-01-05", "online"),
                                            ("2026-02-02", "postal")]):
            open_dossier(s, "BHXH", "1.000456", get_or_create_owner(s, f"00120300000{n}"), channel, office_code="PT01",
                         now=datetime.combine(date.fromisoformat(day), time(9), LOCAL_TZ), linked=channel == "online")
    page = browser_page
    log_in(page, "archivist1", "/login?next=/reports")
    page.get_by_label("Năm").fill("2026")
    page.get_by_label("Quý").select_option("1")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.locator("#report-msg").get_by_text("Đã lập báo cáo Quý I/2026").wait_for()
    totals = page.get_by_role("table", name="Tổng hợp Quý I/2026 (15/12/2025 – 14/03/2026)")
    assert totals.get_by_role("row", name="Số kỳ trước chuyển qua").get_by_role("cell").inner_text() == "1"
    assert totals.get_by_role("row", name="Số hồ sơ mới tiếp nhận").get_by_role("cell").inner_text() == "2"
    linked = page.get_by_role("table", name="Theo cơ chế một cửa liên thông")
    assert linked.get_by_role("row", name="Tổng số tiếp nhận").get_by_role("cell").inner_text() == "1"
    assert linked.get_by_role("row", name="Đang giải quyết").get_by_role("cell").inner_text() == "1"
    check_page(page, "reports")
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải tệp Excel (XLSX)").click()
    assert download.value.suggested_filename == "bao-cao-quy-1-2026.xlsx"
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Kết quả giải quyết"].values)
    assert rows[-1][2] == "Tổng cộng" and rows[-1][3] == 3 and rows[-1][8] == 1
    assert rows[-1][15:19] == (1, 0, 0, 1), "columns 13-16: the linked dossier, still being handled"
    page.get_by_label("Năm").fill("20x6")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.locator("#report-msg[role=alert]").get_by_text("Năm báo cáo: nhập năm từ 2000 đến 2100.").wait_for()


@pytest.mark.browser
def test_counter_opens_a_linked_dossier(browser_page, live):
    page = browser_page
    log_in(page, "counter1", "/login?next=/")
    page.get_by_label("Cơ chế tiếp nhận").select_option("true")
    code = open_dossier_for_new_citizen(page, "om dau", "1.000456", "001203000777", "Trần Thị Liên")
    page.locator("#dossier-head").get_by_text("theo cơ chế một cửa liên thông").wait_for()
    assert live.client("counter1").get(f"/api/v1/dossiers/{code}").json()["linked"] is True
    page.goto(f"/dossiers?code={code}")
    page.locator("#dossier-body .badge").get_by_text("một cửa liên thông").wait_for()
    check_page(page, "dossier-linked")
