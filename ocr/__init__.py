"""OCR for sohoa: text layer first, else rasterize + Tesseract (``vie``); searchable PDF.

    from ocr import PagePool, digitize

    with PagePool() as pool:                      # one per process; share it
        result = digitize(path, "application/pdf", out_pdf, pool, progress=cb)
    result.text, result.mean_confidence, result.to_json()

Errors are :class:`ocr.errors.OcrError` subclasses (``code`` + Vietnamese ``message``).
"""

from ocr.errors import OcrError, OcrFailed, UnreadableDocument, UnsupportedMediaType
from ocr.model import PAGE_SEPARATOR, OcrResult, PageText, Word
from ocr.pipeline import digitize
from ocr.pool import PagePool

__all__ = [
    "PAGE_SEPARATOR",
    "OcrError",
    "OcrFailed",
    "OcrResult",
    "PagePool",
    "PageText",
    "UnreadableDocument",
    "UnsupportedMediaType",
    "Word",
    "digitize",
]
