"""OCR for sohoa: text layer first, else rasterize + Tesseract (``vie``); searchable PDF.

    from ocr import PagePool, digitize

    with PagePool() as pool:                      # one per process; share it
        result = digitize(path, "application/pdf", out_pdf, pool, progress=cb)
    result.text, result.mean_confidence, result.to_json()

Errors are :class:`ocr.errors.OcrError` subclasses (``code`` + Vietnamese ``message``).

The names below are imported on first use, so that importing one light module
(``ocr.engine``, ``ocr.errors``) does not pull in the whole page pipeline: a
one-shot command loads Tesseract's model while it imports the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocr.errors import OcrError, OcrFailed, UnreadableDocument, UnsupportedMediaType
    from ocr.model import PAGE_SEPARATOR, OcrResult, PageText, Word
    from ocr.pipeline import digitize
    from ocr.pool import PagePool

_HOMES = {
    "OcrError": "ocr.errors",
    "OcrFailed": "ocr.errors",
    "UnreadableDocument": "ocr.errors",
    "UnsupportedMediaType": "ocr.errors",
    "PAGE_SEPARATOR": "ocr.model",
    "OcrResult": "ocr.model",
    "PageText": "ocr.model",
    "Word": "ocr.model",
    "digitize": "ocr.pipeline",
    "PagePool": "ocr.pool",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'ocr' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
