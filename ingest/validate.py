"""Upload validation: everything about a file is checked before a byte of it is stored.

Here: the file name, the size (capped while streaming) and the hash. What the file *is* (type
sniffed from the bytes, never from the name or the client's header; pages; encryption; pixel
limits) is ocr/inspect.py's to say; its typed errors become the refusals below.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.errors import Invalid, Rejected, TooLarge, Unsupported
from core.settings import Settings
from ocr import inspect
from ocr.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    ImageTooLarge,
    OcrError,
    PageTooLarge,
    TooManyPages,
    UnsupportedMediaType,
)
from ocr.inspect import PageLimits

CHUNK = 1024 * 1024

# An inspection error, by the kind of file, becomes this refusal (the API's error codes).
_REFUSALS: dict[tuple[type[OcrError], str], tuple[type[Rejected], str]] = {
    (UnsupportedMediaType, "any"): (Unsupported, "unsupported_type"),
    (EncryptedDocument, "pdf"): (Invalid, "encrypted_pdf"),
    (EmptyDocument, "pdf"): (Invalid, "empty_pdf"),
    (CorruptDocument, "pdf"): (Invalid, "corrupt_pdf"),
    (CorruptDocument, "image"): (Invalid, "corrupt_image"),
    (ImageTooLarge, "image"): (TooLarge, "image_too_large"),
    (PageTooLarge, "pdf"): (TooLarge, "page_too_large"),
    (TooManyPages, "pdf"): (TooLarge, "too_many_pages"),
    (TooManyPages, "image"): (TooLarge, "too_many_pages"),
}
EXTENSION_MISMATCH = "extension_mismatch"
"""Warning kept on a document whose file name's extension does not say what its bytes are."""


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

    def pages(self) -> PageLimits:
        return PageLimits(self.max_pages, self.max_image_pixels, self.render_dpi)


@dataclass
class ValidatedFile:
    """A file received into a private temp path, checked, hashed; the caller owns ``path``."""

    path: Path
    filename: str
    media_type: str
    size: int
    sha256: str
    page_count: int
    warnings: tuple[str, ...] = ()
    """What is odd but accepted: ``extension_mismatch`` (a JPEG called .png, a PDF called .jpg)."""

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
        media_type, pages = _inspect(path, name, limits)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    warnings = () if inspect.extension_matches(media_type, name) else (EXTENSION_MISMATCH,)
    return ValidatedFile(path, name, media_type, size, digest.hexdigest(), pages, warnings)


def _inspect(path: Path, name: str, limits: Limits) -> tuple[str, int]:
    media_type = "unknown"
    try:
        media_type = inspect.sniff(path)
        return media_type, inspect.count_pages(path, media_type, limits.pages())
    except OcrError as exc:
        raise refusal(exc, media_type, name, limits) from exc


def refusal(exc: OcrError, media_type: str, name: str, limits: Limits) -> Rejected:
    """The upload refusal for an inspection error: the API's code, the clerk's message."""
    kind = "pdf" if media_type == inspect.PDF else "image"
    error, code = _REFUSALS.get((type(exc), kind)) or _REFUSALS.get((type(exc), "any")) or (Invalid, exc.code)
    message = exc.message
    if isinstance(exc, TooManyPages):
        message = f"Tệp vượt quá giới hạn {limits.max_pages} trang. Hãy tách thành nhiều tệp."
    return error(code, message, filename=name)
