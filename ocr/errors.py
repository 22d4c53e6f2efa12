"""Typed errors of the ``ocr`` package.

Every failure a caller can meet is an :class:`OcrError`: a short English ``code``
for programs and logs, and a Vietnamese ``message`` a counter clerk can act on.
The classes are picklable (the only constructor argument is an optional English
``detail``), because they are raised inside :class:`ocr.PagePool` worker
processes and re-raised in the caller.
"""

from __future__ import annotations


class OcrError(Exception):
    """Base of every error the ``ocr`` package raises."""

    code: str = "ocr_error"
    message: str = "Không xử lý được tài liệu. Vui lòng thử lại hoặc liên hệ quản trị hệ thống."

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else self.code


class UnreadableDocument(OcrError):
    """The file itself cannot be used: corrupt, truncated, encrypted, empty, too large."""

    code = "unreadable"
    message = "Không đọc được tệp. Vui lòng kiểm tra và tải lên lại."


class CorruptDocument(UnreadableDocument):
    code = "corrupt"
    message = "Tệp bị hỏng hoặc không đầy đủ, không đọc được. Vui lòng quét hoặc tải lên lại."


class EncryptedDocument(UnreadableDocument):
    code = "encrypted"
    message = "Tệp PDF được đặt mật khẩu. Vui lòng tải lên bản không có mật khẩu."


class EmptyDocument(UnreadableDocument):
    code = "empty"
    message = "Tệp không có trang nào. Vui lòng kiểm tra lại tệp."


class ImageTooLarge(UnreadableDocument):
    """Refused before decoding: the pixel count is over the pool's bomb limit."""

    code = "too_large"
    message = "Ảnh quá lớn, không xử lý được. Vui lòng quét lại ở độ phân giải 300 dpi."


class UnsupportedMediaType(OcrError):
    code = "unsupported_type"
    message = "Định dạng tệp không được hỗ trợ. Chỉ nhận PDF, JPEG, PNG hoặc TIFF."


class OcrFailed(OcrError):
    """Our side failed (Tesseract missing or crashed, a worker died): not the user's file."""

    code = "ocr_failed"
    message = "Hệ thống chưa nhận dạng được chữ trên tài liệu. Vui lòng thử lại sau ít phút."


class TooManyPages(UnreadableDocument):
    code = "too_many_pages"
    message = "Tệp có quá nhiều trang. Hãy tách thành nhiều tệp."


class PageTooLarge(UnreadableDocument):
    """A PDF page whose paper size would render over the pixel limit."""

    code = "page_too_large"
    message = "Trang có khổ giấy quá lớn để số hoá. Hãy quét lại ở khổ A4 hoặc A3."
