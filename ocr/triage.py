"""Triage: open the file once, refuse what cannot be read, and say which pages need OCR.

Runs in the caller's process and reads little: PDF structure and text layers
(PDFium, plus a qpdf open so the assembly step cannot fail late), or an image's
header and frame count. Decoding pixels is left to the pool workers, where
Pillow's bomb limit is in force; here the size is checked from the header.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pikepdf
import pypdfium2 as pdfium
from PIL import Image

from ocr.errors import CorruptDocument, EmptyDocument, EncryptedDocument, ImageTooLarge, UnsupportedMediaType
from ocr.raster import DECODE_ERRORS
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
        layers = (None,) * _image_frames(source, max_image_pixels)
    if not layers:
        raise EmptyDocument("no pages")
    return Document(source, kind, tuple(layers))


def _pdf_text_layers(source: Path) -> list[str | None]:
    """qpdf tells encryption and emptiness apart reliably (PDFium's error code is process-global
    and can be stale); PDFium then reads the text, under the lock since the caller may be threaded."""
    _check_not_truncated(source)
    try:
        with pikepdf.open(source) as pdf:
            if len(pdf.pages) == 0:
                raise EmptyDocument("PDF has no pages")
    except pikepdf.PasswordError as exc:
        raise EncryptedDocument(str(exc)) from exc
    except (pikepdf.PdfError, OSError) as exc:
        raise CorruptDocument(str(exc)) from exc
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(str(source))
            try:
                return read_text_layers(doc)
            finally:
                doc.close()
        except pdfium.PdfiumError as exc:
            raise CorruptDocument(str(exc)) from exc


def _check_not_truncated(source: Path) -> None:
    """A complete PDF ends with ``%%EOF``; PDF readers silently rebuild cut files with pages missing."""
    with source.open("rb") as f:
        f.seek(max(0, source.stat().st_size - 2048))
        tail = f.read()
    if b"%%EOF" not in tail:
        raise CorruptDocument("PDF is truncated (no %%EOF)")


def _image_frames(source: Path, max_image_pixels: int) -> int:
    try:
        with Image.open(source) as im:
            width, height = im.size
            frames = getattr(im, "n_frames", 1)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(str(exc)) from exc
    except DECODE_ERRORS as exc:
        raise CorruptDocument(str(exc)) from exc
    if width * height > max_image_pixels:
        raise ImageTooLarge(f"{width}x{height} px is over the limit of {max_image_pixels} px")
    return frames
