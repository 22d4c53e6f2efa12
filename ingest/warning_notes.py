"""A document's warnings as the counter reads them: one Vietnamese sentence each, and whether a new
scan would cure it.

The warnings are kept as codes (``Document.warnings``: OCR's per-page ``low_resolution:p2`` and
``low_confidence:p1``, the pipeline's ``below_200_dpi``, intake's ``extension_mismatch``; the coding
step's ``owner_mismatch`` among the extracted fields); the pages show these sentences next to the
paper, with a rescan button where one is asked for.
"""
from __future__ import annotations

from dataclasses import dataclass

from ingest.pipeline import BELOW_200_DPI
from ingest.validate import EXTENSION_MISMATCH
from ocr.quality import LOW_CONFIDENCE_WARNING, LOW_RESOLUTION

OWNER_MISMATCH = "owner_mismatch"  # catalog/digitization.py: the ID printed on the paper is not the owner's

KINDS = {"application/pdf": "tệp PDF", "image/jpeg": "ảnh JPEG", "image/png": "ảnh PNG", "image/tiff": "ảnh TIFF"}


@dataclass(frozen=True)
class Notice:
    code: str
    page: int | None
    message: str
    rescan: bool


def _split(warning: str) -> tuple[str, int | None]:
    """``low_confidence:p2`` → (``low_confidence``, 2); a warning of the whole file has no page."""
    code, _, where = warning.partition(":")
    return code, int(where[1:]) if where.startswith("p") and where[1:].isdigit() else None


def _message(code: str, page: int | None, media_type: str) -> tuple[str, bool]:
    on = f"Trang {page}" if page is not None else "Bản quét"
    if code == LOW_CONFIDENCE_WARNING:
        return f"{on} mờ, khó đọc, đề nghị quét lại.", True
    if code == LOW_RESOLUTION:
        return f"{on} chữ quá nhỏ (độ phân giải thấp), đề nghị quét lại ở 200–300 dpi.", True
    if code == BELOW_200_DPI:
        return "Bản quét dưới 200 dpi (mức tối thiểu khi số hoá), đề nghị quét lại.", True
    if code == EXTENSION_MISMATCH:
        kind = KINDS.get(media_type, media_type)
        return f"Tên tệp ghi sai loại tệp: thực chất là {kind}; đã nhận theo nội dung tệp.", False
    if code == OWNER_MISMATCH:
        return "Số định danh in trên giấy không khớp với công dân của hồ sơ; kiểm tra lại giấy tờ.", False
    return f"Cảnh báo: {code}.", False


def notices(warnings: list[str] | None, fields: dict | None, media_type: str) -> list[Notice]:
    """The document's warnings in their order, then those among its extracted fields."""
    found = list(warnings or []) + [w for w in (fields or {}).get("warnings", []) if isinstance(w, str)]
    out = []
    for warning in found:
        code, page = _split(warning)
        message, rescan = _message(code, page, media_type)
        out.append(Notice(code, page, message, rescan))
    return out
