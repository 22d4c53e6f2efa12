"""Batch scanning: a counter scans a whole dossier in one pass; this splits it into its papers.

Two ways to find where one paper ends and the next begins:

1. **Separator sheets.** The dossier's checklist prints one sheet per required component with a
   QR code ``SOHOA-SEP:<dossier code>:<component code>``. Sheets are found with zxing-cpp, each
   starts a paper for that component, and the sheets themselves are dropped. A sheet printed for
   another dossier, or for a component the procedure does not have, is reported, not trusted.
2. **Proposed boundaries** when there are no sheets: every page is classified and read for an
   owner ID; a new paper is proposed where a page carries a title (first pages do), where the
   confident type changes, or where the owner ID changes. The officer confirms or edits.

Either way each paper is matched against the dossier's checklist (which component of the
procedure has that document type), and mandatory components missing from the batch are listed.
Splitting cuts the batch's *searchable* PDF into one PDF per paper and takes each through normal
intake, so the pieces keep their text layer and are not OCR'd again.
"""
from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

SEPARATOR_PREFIX = "SOHOA-SEP:"
DETECT_DPI = 110
MIN_TYPE_SCORE = 0.5
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass
class Segment:
    pages: list[int]  # 1-based page numbers of the batch
    component_code: str | None = None
    document_type_code: str | None = None
    reason: str = "start"  # separator | title | type_change | owner_change | start
    confidence: float = 1.0
    owner_code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"pages": self.pages, "component_code": self.component_code,
                "document_type_code": self.document_type_code, "reason": self.reason,
                "confidence": round(self.confidence, 2), "owner_code": self.owner_code}


@dataclass
class SplitPlan:
    segments: list[Segment]
    by_separators: bool
    separator_pages: list[int] = field(default_factory=list)
    missing_components: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"by_separators": self.by_separators, "separator_pages": self.separator_pages,
                "segments": [s.to_json() for s in self.segments], "missing_components": self.missing_components,
                "warnings": self.warnings, "applied": self.applied}


# ---------------------------------------------------------------- separator sheets

def separator_payload(dossier_code: str, component_code: str) -> str:
    return f"{SEPARATOR_PREFIX}{dossier_code}:{component_code}"


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT), size)


def separator_sheets_pdf(dossier_code: str, procedure_name: str, components: Sequence[dict[str, Any]],
                         *, dpi: int = 150) -> bytes:
    """A checklist page, then one separator sheet per component (A4, QR code and readable text)."""
    import img2pdf
    import numpy as np
    import zxingcpp

    width, height = round(8.27 * dpi), round(11.69 * dpi)
    pages: list[Image.Image] = []
    checklist = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(checklist)
    y = dpi // 2
    draw.text((dpi // 2, y), f"DANH MỤC THÀNH PHẦN HỒ SƠ — {dossier_code}", font=_font(dpi // 5), fill=0)
    y += dpi // 3
    draw.text((dpi // 2, y), procedure_name, font=_font(dpi // 7), fill=0)
    y += dpi // 2
    for c in components:
        mark = "bắt buộc" if c["mandatory"] else "nếu có"
        draw.text((dpi // 2, y), f"☐ {c['code']}  {c['name']} ({mark})", font=_font(dpi // 9), fill=0)
        y += dpi // 4
    draw.text((dpi // 2, y + dpi // 4), "Đặt tờ phân cách tương ứng TRƯỚC mỗi giấy tờ khi quét cả hồ sơ một lần.",
              font=_font(dpi // 9), fill=0)
    pages.append(checklist)
    for c in components:
        sheet = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(sheet)
        code = zxingcpp.create_barcode(separator_payload(dossier_code, c["code"]), zxingcpp.BarcodeFormat.QRCode)
        qr = Image.fromarray(np.asarray(code.to_image(scale=max(4, dpi // 25), add_quiet_zones=True)))
        sheet.paste(qr, ((width - qr.width) // 2, dpi))
        y = dpi + qr.height + dpi // 3
        for text, size in (("TỜ PHÂN CÁCH", dpi // 4), (c["code"], dpi // 5), (c["name"], dpi // 8),
                           (f"Hồ sơ {dossier_code}", dpi // 8)):
            w = draw.textlength(text, font=_font(size))
            draw.text(((width - w) // 2, y), text, font=_font(size), fill=0)
            y += round(size * 1.6)
        pages.append(sheet)
    buffers = []
    for page in pages:
        buf = io.BytesIO()
        page.save(buf, "PNG", dpi=(dpi, dpi))
        buffers.append(buf.getvalue())
    return img2pdf.convert(buffers)


def read_separators(images: Sequence[Image.Image]) -> dict[int, str]:
    """Separator payloads by 1-based page number (pages without one are absent)."""
    import zxingcpp

    found: dict[int, str] = {}
    for number, image in enumerate(images, 1):
        for barcode in zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode):
            if barcode.valid and barcode.text.startswith(SEPARATOR_PREFIX):
                found[number] = barcode.text
                break
    return found


def page_images(path: Path, media_type: str, dpi: int = DETECT_DPI) -> list[Image.Image]:
    """Small grey renderings of every page, enough for QR codes."""
    if media_type == "application/pdf":
        import pypdfium2 as pdfium

        from ocr.textlayer import PDFIUM_LOCK

        with PDFIUM_LOCK:  # PDFium is not thread-safe
            pdf = pdfium.PdfDocument(str(path))
            try:
                return [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]
            finally:
                pdf.close()
    images = []
    with Image.open(path) as image:
        for frame in range(getattr(image, "n_frames", 1)):
            image.seek(frame)
            images.append(image.convert("L").copy())
    return images


# ---------------------------------------------------------------- plans

def plan_from_separators(page_count: int, separators: dict[int, str], dossier_code: str,
                         checklist: dict[str, dict[str, Any]]) -> SplitPlan:
    segments: list[Segment] = []
    warnings: list[str] = []
    current: Segment | None = None
    for number in range(1, page_count + 1):
        payload = separators.get(number)
        if payload is not None:
            _, _, rest = payload.partition(SEPARATOR_PREFIX)
            code_dossier, _, component = rest.rpartition(":")
            if code_dossier != dossier_code:
                warnings.append(f"separator_of_other_dossier:p{number}")
            if component not in checklist:
                warnings.append(f"unknown_component:p{number}")
                component = None
            current = Segment([], component, (checklist.get(component) or {}).get("document_type_code"),
                              "separator", 1.0)
            segments.append(current)
            continue
        if current is None:
            warnings.append("pages_before_first_separator")
            current = Segment([], None, None, "start", 0.5)
            segments.append(current)
        current.pages.append(number)
    empty = [s for s in segments if not s.pages]
    if empty:
        warnings.append("empty_separator")
    plan = SplitPlan([s for s in segments if s.pages], True, sorted(separators), warnings=warnings)
    plan.missing_components = _missing(plan.segments, checklist)
    return plan


def propose_boundaries(pages: Sequence[dict[str, Any]], checklist: dict[str, dict[str, Any]]) -> SplitPlan:
    """``pages``: per page ``type`` (best code), ``score``, ``title`` (a title was found on it),
    ``owner`` (ID read on it, or None). Boundaries are proposals for the officer to confirm."""
    segments: list[Segment] = []
    for number, page in enumerate(pages, 1):
        if not segments:
            segments.append(Segment([number], None, page["type"], "start", page["score"], page["owner"]))
            continue
        current = segments[-1]
        reason = None
        if page["owner"] and current.owner_code and page["owner"] != current.owner_code:
            reason = "owner_change"
        elif page["title"] and page["score"] >= MIN_TYPE_SCORE:
            reason = "title"
        elif page["type"] != current.document_type_code and page["score"] >= MIN_TYPE_SCORE:
            reason = "type_change"  # continuation pages read weakly, so a weak change is no boundary
        if reason:
            segments.append(Segment([number], None, page["type"], reason, page["score"], page["owner"]))
        else:
            current.pages.append(number)
            current.owner_code = current.owner_code or page["owner"]
    used: set[str] = set()
    for segment in segments:
        segment.component_code = _component_for(segment.document_type_code, checklist, used)
    plan = SplitPlan(segments, False)
    plan.missing_components = _missing(segments, checklist)
    return plan


def _component_for(type_code: str | None, checklist: dict[str, dict[str, Any]], used: set[str]) -> str | None:
    """The dossier's first unused component expecting this document type."""
    candidates = [code for code, c in checklist.items() if c["document_type_code"] == type_code]
    for code in candidates:
        if code not in used:
            used.add(code)
            return code
    return candidates[0] if candidates else None


def _missing(segments: Sequence[Segment], checklist: dict[str, dict[str, Any]]) -> list[str]:
    present = {s.component_code for s in segments}
    return [code for code, c in checklist.items() if c["mandatory"] and code not in present]


def validate_segments(segments: Sequence[Segment], page_count: int, checklist: dict[str, dict[str, Any]]) -> None:
    """An officer's split: pages in range, each used at most once, known component codes."""
    from core.errors import Invalid

    seen: set[int] = set()
    for segment in segments:
        if not segment.pages:
            raise Invalid("empty_segment", "Mỗi giấy tờ phải có ít nhất một trang.")
        for page in segment.pages:
            if not 1 <= page <= page_count or page in seen:
                raise Invalid("invalid_pages", f"Trang {page} không hợp lệ hoặc bị dùng hai lần.")
            seen.add(page)
        if segment.component_code is not None and segment.component_code not in checklist:
            raise Invalid("unknown_component", f"Thành phần '{segment.component_code}' không thuộc thủ tục của hồ sơ.")


# ---------------------------------------------------------------- in the service

def checklist_of(session, dossier) -> dict[str, dict[str, Any]]:
    from catalog.catalogs import active_catalog

    return {c["code"]: c for c in active_catalog(session).components_of(dossier.procedure_code)}


def plan_batch(services, document_id: str, pages: Sequence[Any]) -> SplitPlan:
    """After OCR of a batch: find separators in the original, else propose boundaries."""
    from catalog import classifier, fields
    from catalog.catalogs import active_catalog
    from catalog.models import Component, Document

    with services.db.session() as s:
        document = s.get(Document, document_id)
        component = s.query(Component).filter_by(document_id=document_id).first()
        dossier = component.dossier if component else None
        checklist = checklist_of(s, dossier) if dossier else {}
        dossier_code = dossier.code if dossier else ""
        key, media_type = document.original_key, document.media_type
    with tempfile.TemporaryDirectory(dir=services.tmp_dir, prefix=f"split-{document_id}-") as tmp:
        original = Path(tmp) / "original"
        services.store.download(key, original)
        separators = read_separators(page_images(original, media_type))
    if separators:
        return plan_from_separators(len(pages), separators, dossier_code, checklist)
    model_id, model = classifier.current_model(services.db, services.store)
    with services.db.session() as s:
        catalog = active_catalog(s)
    described = []
    for page in pages:
        proposal = classifier.combine(catalog, page.text, model, model_id)
        owner = fields.extract([page], catalog).fields.get("personal_id")
        described.append({"type": proposal.best.code if proposal.best else None,
                          "score": proposal.best.score if proposal.best else 0.0,
                          "title": "no_title_found" not in proposal.reasons,
                          "owner": owner.value if owner and owner.confidence >= 0.6 else None})
    return propose_boundaries(described, checklist)


def split_batch(services, batch_id: str, segments: Sequence[Segment], actor) -> list[str]:
    """Cut the batch's searchable PDF into one PDF per paper and take each through intake
    (attached to the dossier under its component code). Idempotent: the same cut gives the same
    bytes, which intake recognises as already received."""
    import pikepdf

    from catalog.models import Component, Document
    from ingest.intake import Upload, accept

    with services.db.session() as s:
        batch = s.get(Document, batch_id)
        component = s.query(Component).filter_by(document_id=batch_id).first()
        dossier_id = component.dossier_id if component else None
        owner_id, pdf_key, stem = batch.owner_id, batch.pdf_key, batch.filename.rsplit(".", 1)[0]
    created: list[str] = []
    with tempfile.TemporaryDirectory(dir=services.tmp_dir, prefix=f"split-{batch_id}-") as tmp:
        searchable = Path(tmp) / "batch.pdf"
        services.store.download(pdf_key, searchable)
        with pikepdf.open(searchable) as source:
            for index, segment in enumerate(segments, 1):
                piece = pikepdf.new()
                for number in segment.pages:
                    piece.pages.append(source.pages[number - 1])
                path = Path(tmp) / f"{index:02d}.pdf"
                piece.save(path, deterministic_id=True)
                name = f"{stem}-{index:02d}-tr{segment.pages[0]}-{segment.pages[-1]}.pdf"
                with path.open("rb") as stream:
                    accepted = accept(services, [Upload(stream, name)], owner_id, dossier_id, segment.component_code,
                                      actor=actor, parent_id=batch_id)
                created.append(accepted[0].document_id)
    return created
