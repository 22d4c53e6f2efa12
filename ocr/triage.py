"""Triage: open the file once, refuse what cannot be read, and say which pages need OCR.

Runs in the caller's process and reads little: the checks of ocr/inspect.py (a qpdf
open, so the assembly step cannot fail late), then PDF text layers (PDFium), or an
image's header and frame count. Decoding pixels is left to the pool workers, where
Pillow's bomb limit is in force; here the size is checked from the header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pypdfium2 as pdfium

from ocr.errors import CorruptDocument, EmptyDocument, UnsupportedMediaType
from ocr.inspect import PageLimits, check_pdf_opens, image_frame_count
from ocr.textlayer import PDFIUM_LOCK, read_text_layers

MEDIA_TYPES: dict[str, Literal["pdf", "image"]] = {
    "application/pdf": "pdf",
    "image/jpeg": "image",
    "image/png": "image",
    "image/tiff": "image",
}


@dataclass(frozen=True)
class Document:
    source: Path
    kind: Literal["pdf", "image"]
    text_layers: tuple[str | None, ...]  # per page: its real text layer, or None to OCR it

    @property
    def page_count(self) -> int:
        return len(self.text_layers)

    @property
    def pages_to_ocr(self) -> list[int]:
        return [i for i, text in enumerate(self.text_layers) if text is None]


def triage(source: Path, media_type: str, *, max_image_pixels: int) -> Document:
    kind = MEDIA_TYPES.get(media_type.split(";")[0].strip().lower())
    if kind is None:
        raise UnsupportedMediaType(media_type)
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise CorruptDocument(f"cannot read {source}: {exc}") from exc
    if size == 0:
        raise EmptyDocument("file is empty")
    if kind == "pdf":
        layers = _pdf_text_layers(source)
    else:
        layers = (None,) * image_frame_count(source, PageLimits(0, max_image_pixels), decode=False)
    if not layers:
        raise EmptyDocument("no pages")
    return Document(source, kind, tuple(layers))


def _pdf_text_layers(source: Path) -> list[str | None]:
    """PDFium reads the text layers, under the lock since the caller may be threaded."""
    check_pdf_opens(source)
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(str(source))
            try:
                return read_text_layers(doc)
            finally:
                doc.close()
        except pdfium.PdfiumError as exc:
            raise CorruptDocument(str(exc)) from exc
