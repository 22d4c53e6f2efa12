"""Page previews: one page of a PDF as a PNG, for the viewer that shows a scan beside its text."""
from __future__ import annotations

import io

import pypdfium2 as pdfium

from ocr.textlayer import PDFIUM_LOCK

MAX_WIDTH = 2000


def page_png(pdf: bytes, number: int, width: int) -> bytes:
    """Page ``number`` (1-based) of ``pdf`` rendered ``width`` pixels wide (capped at MAX_WIDTH).

    Raises IndexError for a page the PDF does not have, ValueError for bytes PDFium cannot read."""
    width = max(200, min(width, MAX_WIDTH))
    with PDFIUM_LOCK:  # PDFium is not thread-safe
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise ValueError(f"unreadable PDF: {exc}") from exc
        try:
            if not 1 <= number <= len(document):
                raise IndexError(number)
            page = document[number - 1]
            image = page.render(scale=width / page.get_width()).to_pil()
            page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.convert("L" if image.mode in ("L", "1") else "RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()
