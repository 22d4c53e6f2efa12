"""The disposal certificate as a PDF a person can read, check and sign (Vietnamese, DejaVu fonts).

It is drawn from the certificate JSON, and prints that JSON's SHA-256, so the signed paper and
the digital record can be matched later.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TableCellFillMode
from fpdf.fonts import FontFace

from core.clock import LOCAL_TZ

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian package fonts-dejavu-core (make run installs it)
EVENTS_VI = {
    "digitized": "ngày số hoá",
    "dossier_resolved": "ngày giải quyết xong hồ sơ",
    "document_issued": "ngày ban hành",
    "document_expired": "ngày hết hiệu lực",
    "owner_death": "ngày chủ sở hữu qua đời",
}
WITHHELD_VI = {
    "held": "đang bị tạm giữ",
    "not_yet_due": "chưa hết thời hạn bảo quản",
    "no_event_date": "chưa xảy ra sự kiện tính thời hạn",
    "permanent": "bảo quản vĩnh viễn",
    "no_rule": "chưa có thời hạn bảo quản",
    "not_final": "chưa xử lý xong",
    "disposed": "đã huỷ trước đó",
}


def _local(iso: str | None, with_time: bool = True) -> str:
    if not iso:
        return "—"
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:  # a date
        return moment.strftime("%d/%m/%Y")
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y" if with_time else "%d/%m/%Y")


def _rule(item: dict[str, Any]) -> str:
    rule = item["rule"]
    term = f"{rule['years']} năm từ {EVENTS_VI.get(rule['event'], rule['event'])}"
    return f"{rule['document_type_code']} phiên bản {rule['version']}: {term} ({_local(item['event_date'])})"


class _Pdf(FPDF):
    def __init__(self, code: str) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.code = code
        self.add_font("DejaVu", "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.add_font("DejaVuMono", "", FONT_DIR / "DejaVuSansMono.ttf")
        self.set_auto_page_break(True, margin=15)
        self.set_margins(12, 12, 12)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, f"Biên bản {self.code} — trang {self.page_no()}/{{nb}}", align="C")


def render_disposal_certificate(cert: dict[str, Any], json_sha256: str) -> bytes:
    batch = cert["batch"]
    pdf = _Pdf(batch["code"])
    pdf.set_title(f"Biên bản huỷ tài liệu {batch['code']}")
    pdf.set_creator("sohoa")
    pdf.add_page()

    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(120, 5, cert["agency"], align="C")
    pdf.cell(0, 5, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(120, 5, f"Số: {batch['code']}", align="C")
    pdf.cell(0, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, "BIÊN BẢN HUỶ TÀI LIỆU SỐ HOÁ HẾT THỜI HẠN BẢO QUẢN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("DejaVu", "", 9)
    lines = [
        f"Đợt huỷ: {batch['code']}. Lý do, ghi chú: {batch['note'] or '—'}",
        f"Người lập danh sách đề xuất: {batch['proposed_by']} lúc {_local(batch['proposed_at'])}.",
        f"Người phê duyệt: {batch['approved_by']} lúc {_local(batch['approved_at'])}."
        + (f" Ý kiến: {batch['approval_note']}" if batch["approval_note"] else ""),
        f"Người thực hiện: {batch['executed_by']}, bắt đầu {_local(batch['execution_started_at'])}, "
        f"hoàn thành {_local(batch['completed_at'])}.",
        f"Đã huỷ {cert['totals']['destroyed']} tài liệu ({cert['totals']['bytes']:,} byte): bản gốc số hoá, bản PDF "
        "tìm kiếm được, văn bản nhận dạng, mục chỉ mục tìm kiếm và các trường thông tin cá nhân trích xuất. "
        "Hệ thống chỉ giữ lại mã, giá trị băm SHA-256 và các mốc thời gian.",
    ]
    if cert["withheld"]:
        lines.append(f"Không huỷ {cert['totals']['withheld']} tài liệu (xem danh sách cuối biên bản).")
    if cert["sample_schedule"]:
        lines.append("LƯU Ý: thời hạn bảo quản áp dụng lấy từ danh mục MẪU, chưa phải thời hạn chính thức.")
    for line in lines:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("DejaVu", "", 6.5)
    headings = ("STT", "Mã số hoá / mã tài liệu", "Loại giấy tờ", "Chủ sở hữu", "Hồ sơ",
                "Căn cứ huỷ (thời hạn, mốc)", "Hết hạn", "SHA-256")
    with pdf.table(col_widths=(8, 50, 38, 21, 28, 52, 17, 59), line_height=3.6,
                   headings_style=FontFace(emphasis="BOLD", fill_color=220),
                   cell_fill_mode=TableCellFillMode.ROWS, cell_fill_color=245) as table:
        row = table.row()
        for heading in headings:
            row.cell(heading)
        for n, item in enumerate(cert["destroyed"], 1):
            row = table.row()
            row.cell(str(n))
            row.cell(f"{item['digitization_code'] or '—'}\n{item['document_id']}")
            row.cell(f"{item['document_type_code']} {item['document_type_name'] or ''}".strip())
            row.cell(item["owner_ref"] or "—")
            row.cell("\n".join(item["dossier_codes"]) or "—")
            row.cell(_rule(item))
            row.cell(_local(item["due_on"]))
            row.cell(f"{item['sha256'][:32]}\n{item['sha256'][32:]}")

    if cert["withheld"]:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(0, 5, "Tài liệu không huỷ trong đợt này", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        for item in cert["withheld"]:
            pdf.cell(0, 4.5, f"• {item['document_id']}: {WITHHELD_VI.get(item['reason'], item['reason'])}",
                     new_x="LMARGIN", new_y="NEXT")

    pdf.ln(4)
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(0, 4, "Bản điện tử của biên bản (JSON) có giá trị băm SHA-256:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVuMono", "", 8)
    pdf.cell(0, 4, json_sha256, new_x="LMARGIN", new_y="NEXT")

    if pdf.get_y() > pdf.h - 55:
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 9)
    third = (pdf.w - pdf.l_margin - pdf.r_margin) / 3
    for title in ("NGƯỜI LẬP DANH SÁCH", "NGƯỜI PHÊ DUYỆT", "THỦ TRƯỞNG CƠ QUAN"):
        pdf.cell(third, 5, title, align="C")
    pdf.ln(5)
    pdf.set_font("DejaVu", "", 8)
    for _ in range(3):
        pdf.cell(third, 4, "(Ký, ghi rõ họ tên)", align="C")
    pdf.ln(22)
    pdf.set_font("DejaVu", "", 9)
    for name in (batch["proposed_by"], batch["approved_by"], ""):
        pdf.cell(third, 5, name or "", align="C")
    return bytes(pdf.output())
