"""Text that a PDF already carries (born-digital pages, or pages OCR'd before).

Page text is read with pypdfium2 (PDFium, C). pdfplumber, which the design card
names, parses content streams in Python (pdfminer): on the benchmark's 50-page
born-digital PDF it extracts 10-20 pages/s against the 50 pages/s target, while
the whole ``digitize`` of that PDF through this module runs at 400-1000 pages/s.
pdfplumber is used where its strength matters, word positions for field
extraction, in :func:`page_words`, on demand.
"""

from __future__ import annotations

import threading
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr.model import Word

PDFIUM_LOCK = threading.RLock()
"""PDFium is not thread-safe, not even across documents, and the API server calls
us from many threads: every PDFium call in a shared process must hold this lock.
(Pool workers are single-threaded processes and need not.)"""

MIN_CHARS = 100
"""A page with fewer visible characters than this may still be a scan with a
stamp, a scanner's watermark or a page number as text: we look for a page image."""

SCAN_COVERAGE = 0.5  # an image over half the page makes a short-text page a scan
MAX_BAD_SHARE = 0.3  # more unmappable glyphs than this: fonts without ToUnicode, OCR instead


def read_text_layers(doc: pdfium.PdfDocument) -> list[str | None]:
    """For each page, its text if the text layer is real, else None (OCR the page)."""
    layers: list[str | None] = []
    for index in range(len(doc)):
        page = doc[index]
        try:
            textpage = page.get_textpage()
            try:
                text = _clean(textpage.get_text_range())
            finally:
                textpage.close()
            layers.append(text if _is_real(text, page) else None)
        finally:
            page.close()
    return layers


def page_words(path: Path, number: int) -> list[Word]:
    """Words of text-layer page ``number`` (1-based) with boxes in PDF points, top-left origin.

    Text layers carry no confidence: ``conf`` is 100.0.
    """
    import pdfplumber  # slow to import; only field extraction needs it

    with pdfplumber.open(path) as pdf:
        page = pdf.pages[number - 1]
        return [
            Word(w["text"], 100.0, round(w["x0"]), round(w["top"]), round(w["x1"] - w["x0"]), round(w["bottom"] - w["top"]))
            for w in page.extract_words()
        ]


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\ufffe", "")
    return unicodedata.normalize("NFC", "\n".join(line.rstrip() for line in text.split("\n")).strip())


def _is_real(text: str, page: pdfium.PdfPage) -> bool:
    visible = [c for c in text if not c.isspace()]
    if visible and sum(_unmappable(c) for c in visible) / len(visible) > MAX_BAD_SHARE:
        return False
    return len(visible) >= MIN_CHARS or not _has_page_image(page)


def _unmappable(char: str) -> bool:
    return char == "\ufffd" or unicodedata.category(char) in ("Cc", "Co", "Cn")


def _has_page_image(page: pdfium.PdfPage) -> bool:
    width, height = page.get_size()
    page_area = max(width * height, 1.0)
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = image.get_bounds()
        if (right - left) * (top - bottom) >= SCAN_COVERAGE * page_area:
            return True
    return False
