"""The papers the counter hands the citizen, as A4 PDFs in Vietnamese: the receipt with its
appointment (Mẫu 01), the supplement request (Mẫu 02), the return notice (Mẫu 03) and the apology
letter with a new appointment date (Mẫu 04) of Circular 01/2018/TT-VPCP.

The wording lives in templates kept as data (``catalog/data/papers/<paper>.json``: header, title,
paragraphs with ``{placeholders}``, an optional table, signature blocks); this module fills them
from the register and draws them with fpdf2 and the DejaVu fonts, plus a QR code of the dossier
code so the paper leads back to the record.
"""
from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.catalogs import active_catalog
from catalog.models import Dossier
from catalog.register_models import ApologyLetter, DossierEvent
from catalog.users import Office, User
from core.clock import LOCAL_TZ

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")  # Debian package fonts-dejavu-core (make run installs it)
TEMPLATE_DIR = Path(__file__).parent / "data" / "papers"
PAPERS = ("receipt", "supplement_request", "return_notice", "apology_letter")


@lru_cache
def template(name: str) -> Mapping[str, Any]:
    return json.loads((TEMPLATE_DIR / f"{name}.json").read_text(encoding="utf-8"))


def moment_vi(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(LOCAL_TZ)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def day_vi(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(LOCAL_TZ)
    return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def _officer(session: Session, username: str | None) -> str:
    if not username:
        return ""
    user = session.scalars(select(User).where(User.username == username)).first()
    return (user.full_name if user and user.full_name else username)


def _base(session: Session, dossier: Dossier, agency: str) -> dict[str, Any]:
    office = session.get(Office, dossier.office_code) if dossier.office_code else None
    owner = dossier.owner
    return {
        "agency": agency, "code": dossier.code, "number": dossier.code.rsplit("-", 1)[-1],
        "office_name": office.name if office else "Bộ phận tiếp nhận và trả kết quả",
        "owner_name": (owner.full_name if owner and owner.full_name else "—"),
        "owner_code": (owner.personal_id or owner.social_insurance_code or "—") if owner else "—",
        "procedure_code": dossier.procedure_code, "procedure_name": dossier.procedure.name,
        "processing_days": dossier.procedure.processing_days,
        "received_at": moment_vi(dossier.received_at), "received_day": day_vi(dossier.received_at),
        "due_day": day_vi(dossier.due_at), "officer": _officer(session, dossier.received_by),
        "place_date": day_vi(datetime.now(LOCAL_TZ)),
    }


def receipt(session: Session, dossier: Dossier, agency: str) -> bytes:
    names = {c["code"]: c["name"] for c in active_catalog(session).components_of(dossier.procedure_code)}
    rows = []
    for n, c in enumerate(dossier.components, 1):
        name = names.get(c.component_code or "", c.document.filename)
        how = (f"Tái sử dụng từ kho số hoá (hồ sơ {c.source_dossier.code})" if c.reused and c.source_dossier
               else "Tái sử dụng từ kho số hoá" if c.reused else "Bản chụp/bản điện tử nộp mới")
        rows.append([str(n), name, how])
    context = _base(session, dossier, agency)
    context["place_date"] = day_vi(dossier.received_at)
    return render("receipt", context, rows or [["—", "Chưa có thành phần hồ sơ", ""]])


def notice(session: Session, dossier: Dossier, event: DossierEvent, agency: str) -> bytes:
    """The paper a supplement request or a return hands out, drawn from its history row."""
    context = _base(session, dossier, agency)
    context.update(reason=event.reason or "", event_at=moment_vi(event.at), officer=_officer(session, event.actor),
                   number=f"{context['number']}.{event.id}", place_date=day_vi(event.at))
    return render(event.paper or "", context)


def apology(session: Session, dossier: Dossier, letter: ApologyLetter, agency: str) -> bytes:
    context = _base(session, dossier, agency)
    context.update(reason=letter.reason, previous_due_at=moment_vi(letter.previous_due_at),
                   new_due_at=day_vi(letter.new_due_at), officer=_officer(session, letter.created_by),
                   number=f"{context['number']}.{letter.number}", place_date=day_vi(letter.created_at))
    return render("apology_letter", context)


def render(name: str, context: Mapping[str, Any], rows: Sequence[Sequence[str]] | None = None) -> bytes:
    spec = template(name)
    fill = lambda text: text.format_map(context)  # noqa: E731 - values are inserted, never re-formatted
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.add_font("DejaVuSerif", "", FONT_DIR / "DejaVuSerif.ttf")  # hints; no oblique in fonts-dejavu-core
    pdf.set_margins(20, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_title(f"{spec['title']} — {context['code']}")
    pdf.set_creator("sohoa")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    left = width * 0.42

    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(left, 5, f"{context['agency']}\n{context['office_name']}".upper(), align="C")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(left, 5, fill(spec["number"]), align="C")
    pdf.set_xy(pdf.l_margin + left, top)
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(width - left, 5, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.set_x(pdf.l_margin + left)
    pdf.set_font("DejaVuSerif", "", 10)
    pdf.multi_cell(width - left, 6, fill("{place_date}").capitalize(), align="C")
    qr = io.BytesIO()
    segno.make(str(context["code"]), error="m").save(qr, kind="png", scale=4, border=1)
    pdf.image(qr, x=pdf.w - pdf.r_margin - 22, y=pdf.get_y() + 1, w=22)

    pdf.ln(8)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(width - 26, 7, spec["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width - 26, 6, fill(spec["subtitle"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVuSerif", "", 8)
    pdf.cell(width - 26, 4, spec["form"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "", 11)
    for line in spec["paragraphs"]:
        pdf.multi_cell(width, 6, fill(line), new_x="LMARGIN", new_y="NEXT")
    if "table" in spec and rows is not None:
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 9.5)
        with pdf.table(col_widths=tuple(spec["table"]["widths"]), line_height=5,
                       headings_style=FontFace(emphasis="BOLD")) as table:
            heading = table.row()
            for column in spec["table"]["columns"]:
                heading.cell(column)
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 11)
    for line in spec.get("closing", []):
        pdf.multi_cell(width, 6, fill(line), new_x="LMARGIN", new_y="NEXT")

    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(8)
    blocks = spec["signatures"]
    column = width / len(blocks)
    x0 = pdf.l_margin if len(blocks) > 1 else pdf.l_margin + width / 2
    column = column if len(blocks) > 1 else width / 2
    y = pdf.get_y()
    for i, block in enumerate(blocks):
        pdf.set_xy(x0 + i * column, y)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(column, 5, block["title"], align="C")
        pdf.set_xy(x0 + i * column, y + 5)
        pdf.set_font("DejaVuSerif", "", 9)
        pdf.cell(column, 5, block["hint"], align="C")
        pdf.set_xy(x0 + i * column, y + 28)
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(column, 5, fill(block["name"]), align="C")
    return bytes(pdf.output())

