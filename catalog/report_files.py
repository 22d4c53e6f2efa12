"""The quarterly report as files: XLSX (one sheet per table, the appendix's Vietnamese headers,
numbers as numbers, frozen header row) and CSV (the main table, UTF-8 with a BOM so that Excel
reads the Vietnamese right)."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from catalog.reports import CHANNELS, Figures, QuarterlyReport

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"

PROCEDURE_HEADERS = [
    "STT", "Mã TTHC", "Tên TTHC",
    "Tổng số hồ sơ tiếp nhận (1=2+3+4+5+6)",
    "Qua giao dịch điện tử (2)",
    "Tại Bộ phận Một cửa của cơ quan BHXH (3)",
    "Qua dịch vụ bưu chính (4)",
    "Tại Trung tâm Phục vụ hành chính công các cấp (5)",
    "Số kỳ trước chuyển qua (6)",
    "Số hồ sơ đã giải quyết - Tổng số (7=8+9)",
    "Đúng thời hạn (8)",
    "Quá thời hạn (9)",
    "Số hồ sơ đang giải quyết - Tổng số (10=11+12)",
    "Chưa đến hạn (11)",
    "Quá thời hạn (12)",
    "Theo cơ chế một cửa liên thông - Tổng số tiếp nhận (13=14+15+16)",
    "Liên thông - Đã giải quyết đúng thời hạn (14)",
    "Liên thông - Đã giải quyết quá thời hạn (15)",
    "Liên thông - Số hồ sơ đang giải quyết (16)",
    "Số hồ sơ trả lại",
    "Số hồ sơ rút",
    "Số thư xin lỗi đã gửi",
]


def _row(figures: Figures) -> list[int]:
    o = figures.outcomes
    return [figures.carried_over + figures.received, *(figures.received_by_channel[c] for c in CHANNELS),
            figures.carried_over, figures.resolved, o["resolved_on_time"], o["resolved_late"], figures.pending,
            o["pending_not_due"], o["pending_overdue"], figures.linked_received, figures.linked["resolved_on_time"],
            figures.linked["resolved_late"], figures.linked_pending, o["returned"], o["withdrawn"],
            figures.apology_letters]


def procedure_rows(report: QuarterlyReport) -> list[list[Any]]:
    """Appendix II's table: one row per procedure, then the total."""
    rows: list[list[Any]] = [[n, p.code, p.name or "", *_row(p.figures)] for n, p in enumerate(report.procedures, 1)]
    rows.append(["", "", "Tổng cộng", *_row(report.totals)])
    return rows


def summary_rows(report: QuarterlyReport) -> list[list[Any]]:
    t = report.totals
    return [
        ["Kỳ báo cáo", report.period.label],
        ["Đơn vị", ", ".join(report.offices) if report.offices is not None else "Tất cả"],
        ["Số kỳ trước chuyển qua", t.carried_over],
        ["Số hồ sơ mới tiếp nhận", t.received],
        ["Số hồ sơ giải quyết đúng thời hạn", t.outcomes["resolved_on_time"]],
        ["Số hồ sơ giải quyết quá thời hạn", t.outcomes["resolved_late"]],
        ["Số hồ sơ trả lại", t.outcomes["returned"]],
        ["Số hồ sơ rút", t.outcomes["withdrawn"]],
        ["Số hồ sơ đang giải quyết chưa đến hạn", t.outcomes["pending_not_due"]],
        ["Số hồ sơ đang giải quyết quá thời hạn", t.outcomes["pending_overdue"]],
        ["Số thư xin lỗi đã gửi", t.apology_letters],
        ["Tỷ lệ giao dịch điện tử (số hồ sơ giao dịch điện tử/tổng số hồ sơ tiếp nhận)", report.electronic_share],
        ["Tỷ lệ giao dịch điện tử quý trước liền kề", report.previous_electronic_share],
        ["Tăng/giảm so với quý trước liền kề", report.electronic_share_change],
    ]


def channel_rows(report: QuarterlyReport) -> list[list[Any]]:
    return [[c["name"], c["received"], c["share"]] for c in report.channels()]


def digitization_rows(report: QuarterlyReport) -> list[list[Any]]:
    d = report.digitization.to_json()
    return [
        ["Hồ sơ có toàn bộ thành phần được số hoá", d["fully_digitized"], d["dossiers"], d["fully_digitized_share"]],
        ["Hồ sơ giải quyết có kết quả được số hoá", d["results_digitized"], d["resolved"], d["results_digitized_share"]],
        ["Thành phần hồ sơ tái sử dụng, không phải nộp lại", d["components_reused"], d["components"],
         d["components_reused_share"]],
        ["Công dân không phải nộp lại giấy tờ nào", d["citizens_without_resubmission"], d["citizens"],
         round(d["citizens_without_resubmission"] / d["citizens"], 4) if d["citizens"] else 0.0],
    ]


SHEETS: Sequence[tuple[str, list[str], Any]] = (
    ("Tổng hợp", ["Chỉ tiêu", "Giá trị"], summary_rows),
    ("Kết quả giải quyết", PROCEDURE_HEADERS, procedure_rows),
    ("Hình thức tiếp nhận", ["Hình thức tiếp nhận", "Số hồ sơ tiếp nhận", "Tỷ lệ"], channel_rows),
    ("Số hoá", ["Chỉ tiêu", "Số lượng", "Trên tổng số", "Tỷ lệ"], digitization_rows),
)


def xlsx(report: QuarterlyReport) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in SHEETS:
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows(report):
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, float):
                    cell.number_format = "0.00%"
        sheet.freeze_panes = "A2"
        for n, header in enumerate(headers, 1):
            sheet.column_dimensions[get_column_letter(n)].width = min(max(12, len(header) // 2 + 4), 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(report: QuarterlyReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PROCEDURE_HEADERS)
    writer.writerows(procedure_rows(report))
    return out.getvalue().encode("utf-8-sig")


def filename(report: QuarterlyReport, extension: str) -> str:
    p = report.period
    stem = f"bao-cao-quy-{p.quarter}-{p.year}" if p.quarter else f"bao-cao-{p.first_day:%Y%m%d}-{p.last_day:%Y%m%d}"
    return f"{stem}.{extension}"
