"""Upload validation: everything about a file is checked before a byte of it is stored.

The type is sniffed from the bytes (never trusted from the name or the client's header), the
size is capped while streaming, PDFs are opened to catch corruption, encryption and page
counts, and images are decoded under Pillow's decompression-bomb limit.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pikepdf
import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from core.errors import Invalid, Rejected, TooLarge, Unsupported
from core.settings import Settings
from ocr.textlayer import PDFIUM_LOCK

CHUNK = 1024 * 1024

MEDIA_TYPES = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/tiff": (".tif", ".tiff"),
}
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pages: int
    max_image_pixels: int
    render_dpi: int = 300

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(max_bytes=settings.max_upload_bytes, max_pages=settings.max_pages,
                   max_image_pixels=settings.max_image_pixels, render_dpi=settings.ocr_dpi)


@dataclass
class ValidatedFile:
    """A file received into a private temp path, checked, hashed; the caller owns ``path``."""

    path: Path
    filename: str
    media_type: str
    size: int
    sha256: str
    page_count: int

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def clean_filename(raw: str | None) -> str:
    """Refuse names that try path tricks or carry control characters; keep Vietnamese letters."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    if not name:
        return "upload"
    if "/" in name or "\\" in name or name in {".", ".."} or name.startswith(".."):
        raise Invalid(
            "invalid_filename",
            "Tên tệp không hợp lệ: không được chứa đường dẫn (/, \\, ..). Hãy đổi tên tệp rồi tải lên lại.",
            filename=name[:255],
        )
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        raise Invalid(
            "invalid_filename",
            "Tên tệp chứa ký tự điều khiển không hợp lệ. Hãy đổi tên tệp rồi tải lên lại.",
            filename=name.encode("unicode_escape").decode()[:255],
        )
    if len(name.encode()) > 255:
        raise Invalid("invalid_filename", "Tên tệp quá dài (tối đa 255 byte).", filename=name[:80])
    return name


def receive(stream: BinaryIO, filename: str | None, limits: Limits, tmp_dir: Path) -> ValidatedFile:
    """Copy the upload to a temp file while hashing and capping its size, then inspect it."""
    name = clean_filename(filename)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    path = Path(tmp)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise TooLarge("file_too_large",
                        f"Tệp vượt quá dung lượng cho phép ({limits.max_bytes // (1024 * 1024)} MB). "
                        "Hãy quét ở độ phân giải thấp hơn hoặc tách thành nhiều tệp.",
                        filename=name,
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise Invalid("empty_file", "Tệp rỗng (0 byte). Hãy quét hoặc chọn lại tệp.", filename=name)
        media_type = sniff(path, name)
        pages = inspect(path, media_type, name, limits)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ValidatedFile(path, name, media_type, size, digest.hexdigest(), pages)


def sniff(path: Path, name: str) -> str:
    with path.open("rb") as f:
        head = f.read(1024)
    # Some scanners write a few bytes of junk before %PDF-; readers accept it within 1 KB.
    media_type = next((t for magic, t in _MAGIC if head.startswith(magic)), None)
    if media_type is None and b"%PDF-" in head:
        media_type = "application/pdf"
    if media_type is None:
        raise Unsupported("unsupported_type",
            "Định dạng tệp không được hỗ trợ. Chỉ nhận PDF, JPEG, PNG hoặc TIFF.",
            filename=name,
        )
    ext = Path(name).suffix.lower()
    known = {e for exts in MEDIA_TYPES.values() for e in exts}
    if ext and (ext not in known or ext not in MEDIA_TYPES[media_type]):
        raise Unsupported("type_mismatch",
            f"Nội dung tệp không khớp với phần mở rộng '{ext}' (nội dung thực là {_label(media_type)}). "
            "Hãy kiểm tra lại tệp.",
            filename=name,
        )
    return media_type


def _label(media_type: str) -> str:
    return {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}[media_type]


def inspect(path: Path, media_type: str, name: str, limits: Limits) -> int:
    pages = _pdf_pages(path, name, limits) if media_type == "application/pdf" else _image_frames(path, name, limits)
    if pages > limits.max_pages:
        raise TooLarge("too_many_pages",
            f"Tệp có {pages} trang, vượt quá giới hạn {limits.max_pages} trang. Hãy tách thành nhiều tệp.",
            filename=name,
        )
    return pages


def _pdf_pages(path: Path, name: str, limits: Limits) -> int:
    with PDFIUM_LOCK:  # PDFium is not thread-safe, and uploads are checked in parallel threads
        return _count_pdf_pages(path, name, limits)


def _count_pdf_pages(path: Path, name: str, limits: Limits) -> int:
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise _pdf_failure(path, name) from exc
    try:
        count = len(pdf)
        if count == 0:
            raise Invalid("empty_pdf", "Tệp PDF không có trang nào.", filename=name)
        scale = limits.render_dpi / 72
        for i in range(count):  # loading each page catches truncated page trees cheaply
            page = pdf[i]
            width, height = page.get_size()
            page.close()
            if width * scale * height * scale > limits.max_image_pixels:
                raise TooLarge("page_too_large",
                    f"Trang {i + 1} có khổ giấy quá lớn để số hoá. Hãy quét lại ở khổ A4 hoặc A3.",
                    filename=name,
                )
        return count
    except pdfium.PdfiumError as exc:
        raise _pdf_failure(path, name) from exc
    finally:
        pdf.close()


def _pdf_failure(path: Path, name: str) -> Rejected:
    """Say why pdfium could not open a PDF. Its error code is sticky across documents in a
    process, so it cannot be trusted; qpdf (through pikepdf) tells encryption apart reliably."""
    try:
        with pikepdf.open(path) as pdf:
            if len(pdf.pages) == 0:
                return Invalid("empty_pdf", "Tệp PDF không có trang nào.", filename=name)
    except pikepdf.PasswordError:
        return Invalid(
            "encrypted_pdf",
            "Tệp PDF đang được đặt mật khẩu. Hãy gỡ mật khẩu hoặc quét lại bản giấy.",
            filename=name,
        )
    except (pikepdf.PdfError, OSError, ValueError):
        pass
    return Invalid(
        "corrupt_pdf", "Tệp PDF bị hỏng hoặc không đọc được. Hãy quét hoặc xuất lại tệp.", filename=name
    )


def _image_frames(path: Path, name: str, limits: Limits) -> int:
    """Decode every frame, refusing any frame over the pixel limit before it is decompressed.

    The size check is explicit rather than through Pillow's process-wide MAX_IMAGE_PIXELS so
    that concurrent requests never race on a global; Pillow's own bomb error is caught too.
    """
    try:
        with Image.open(path) as img:
            frames = getattr(img, "n_frames", 1)
            for i in range(frames):
                img.seek(i)
                if img.width * img.height > limits.max_image_pixels:
                    raise Image.DecompressionBombError(f"{img.width}x{img.height} pixels")
                img.load()
            return frames
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge("image_too_large",
            "Ảnh có kích thước điểm ảnh quá lớn (nghi là tệp độc hại hoặc quét sai độ phân giải). "
            "Hãy quét lại ở 300 dpi.",
            filename=name,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise Invalid(
            "corrupt_image", "Tệp ảnh bị hỏng hoặc không đọc được. Hãy quét lại.", filename=name
        ) from exc
