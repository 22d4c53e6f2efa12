"""What a file is: its type sniffed from the bytes, its pages, and whether it can be read at all.

The one inspection both the upload check (ingest/validate.py, before a byte is stored) and the
worker's triage (before OCR) rely on. It reads little: magic bytes, the PDF structure (qpdf tells
encryption and emptiness apart reliably; PDFium's error code is process-global and can be stale)
and image headers, and it refuses oversized pages and frames before any pixel is decoded.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from PIL import Image

from ocr.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    ImageTooLarge,
    PageTooLarge,
    TooManyPages,
    UnsupportedMediaType,
)
from ocr.raster import DECODE_ERRORS
from ocr.textlayer import PDFIUM_LOCK

PDF = "application/pdf"
MAGIC = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
EXTENSIONS = {
    PDF: (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/tiff": (".tif", ".tiff"),
}
LABELS = {PDF: "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}


@dataclass(frozen=True)
class PageLimits:
    max_pages: int
    max_image_pixels: int
    render_dpi: int = 300


def sniff(path: Path) -> str:
    """The media type the bytes say, whatever the file is called."""
    with path.open("rb") as f:
        head = f.read(1024)
    media_type = next((t for magic, t in MAGIC if head.startswith(magic)), None)
    # Some scanners write a few bytes of junk before %PDF-; readers accept it within 1 KB.
    if media_type is None and b"%PDF-" in head:
        media_type = PDF
    if media_type is None:
        raise UnsupportedMediaType("not a PDF, JPEG, PNG or TIFF")
    return media_type


def extension_matches(media_type: str, filename: str) -> bool:
    return Path(filename).suffix.lower() in EXTENSIONS[media_type]


def count_pages(path: Path, media_type: str, limits: PageLimits) -> int:
    """Pages (PDF) or frames (image), each checked against the pixel limit; at most ``max_pages``."""
    pages = pdf_page_count(path, limits) if media_type == PDF else image_frame_count(path, limits, decode=True)
    if pages > limits.max_pages:
        raise TooManyPages(f"{pages} pages, limit {limits.max_pages}")
    return pages


def check_pdf_opens(path: Path) -> None:
    """Refuse truncated, encrypted, empty or broken PDFs (qpdf), before PDFium reads them."""
    with path.open("rb") as f:  # a complete PDF ends with %%EOF; readers silently rebuild cut files
        f.seek(max(0, path.stat().st_size - 2048))
        if b"%%EOF" not in f.read():
            raise CorruptDocument("PDF is truncated (no %%EOF)")
    try:
        with pikepdf.open(path) as pdf:
            if len(pdf.pages) == 0:
                raise EmptyDocument("PDF has no pages")
    except pikepdf.PasswordError as exc:
        raise EncryptedDocument(str(exc)) from exc
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        raise CorruptDocument(str(exc)) from exc


def pdf_page_count(path: Path, limits: PageLimits) -> int:
    """Load every page (which catches broken page trees cheaply) and check its rendered size."""
    check_pdf_opens(path)
    scale = limits.render_dpi / 72
    with PDFIUM_LOCK:  # PDFium is not thread-safe, and uploads are checked in parallel threads
        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            raise CorruptDocument(str(exc)) from exc
        try:
            count = len(pdf)
            for i in range(count):
                page = pdf[i]
                width, height = page.get_size()
                page.close()
                if width * scale * height * scale > limits.max_image_pixels:
                    raise PageTooLarge(f"page {i + 1} is {width:.0f}x{height:.0f} pt")
            return count
        except pdfium.PdfiumError as exc:
            raise CorruptDocument(str(exc)) from exc
        finally:
            pdf.close()


def image_frame_count(path: Path, limits: PageLimits, *, decode: bool) -> int:
    """Frames of an image, each refused over the pixel limit before it is decompressed. With
    ``decode`` every frame is also decoded, so a corrupt body is found now rather than in OCR.

    The size check is explicit rather than through Pillow's process-wide MAX_IMAGE_PIXELS so
    that concurrent requests never race on a global; Pillow's own bomb error is caught too."""
    try:
        with Image.open(path) as img:
            frames = getattr(img, "n_frames", 1)
            for i in range(frames if decode else 1):
                img.seek(i)
                if img.width * img.height > limits.max_image_pixels:
                    raise ImageTooLarge(f"{img.width}x{img.height} px, limit {limits.max_image_pixels}")
                if decode:
                    img.load()
            return frames
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(str(exc)) from exc
    except DECODE_ERRORS as exc:
        raise CorruptDocument(str(exc)) from exc
